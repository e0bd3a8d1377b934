/**
 * Reference values in and out of their stored forms: validation where a store is read back, and
 * the bytes of inline values.
 *
 * @module
 */
import { RefsError } from "../api/errors.js";
import type { RefValue } from "./types.js";

const BASE64 = "base64:";

/** The bytes an inline value stands for: `base64:` text decoded, any other text as UTF-8. */
export function inlineBytes(value: string): Uint8Array {
  return value.startsWith(BASE64)
    ? new Uint8Array(Buffer.from(value.slice(BASE64.length), "base64"))
    : new TextEncoder().encode(value);
}

/** The text an inline value stands for: `base64:` text decoded as UTF-8, any other text itself. */
export function inlineText(value: string): string {
  return value.startsWith(BASE64)
    ? Buffer.from(value.slice(BASE64.length), "base64").toString("utf8")
    : value;
}

/** Bytes as an inline `base64:` value, the one lossless text form of binary data. */
export function base64Value(bytes: Uint8Array): string {
  return BASE64 + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** `value` checked to be a {@link RefValue}; `key` names it in the error. */
export function toRefValue(value: unknown, key: string): RefValue {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") {
    if (value.length === 1) return [value[0]];
    if (value.length === 3 && isByteCount(value[1]) && isByteCount(value[2])) {
      return [value[0], value[1], value[2]];
    }
  }
  throw new RefsError(key, `not a reference (text, [url] or [url, offset, length]): ${preview(value)}`);
}

/** Refuses extra top-level keys that would collide with the layout's own (`reserved`). */
export function checkExtra(extra: Record<string, unknown>, reserved: readonly string[], where: string): void {
  const clash = Object.keys(extra).filter((k) => reserved.includes(k));
  if (clash.length > 0)
    throw new RefsError(where, `extra keys ${clash.join(", ")} are reserved by the layout`);
}

function isByteCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
