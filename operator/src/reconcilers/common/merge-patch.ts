/**
 * JSON merge patches (RFC 7386) computed from two documents, so a status write sends only what
 * changed and removes what is gone (`null`), instead of leaving stale fields behind.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The merge patch that turns `from` into `to`, or `undefined` when they are equal. Objects are
 * diffed key by key; arrays and scalars are replaced whole (compared regardless of key order); `undefined` members count as absent.
 *
 * @example mergePatch({ a: 1, b: 2 }, { a: 1, c: 3 }) // { b: null, c: 3 }
 */
export function mergePatch(from: unknown, to: unknown): Json | undefined {
  const a = normalize(from);
  const b = normalize(to);
  if (!isObject(a) || !isObject(b)) return isDeepStrictEqual(a, b) ? undefined : (b ?? null);
  const patch: { [key: string]: Json } = {};
  for (const key of Object.keys(a)) if (!(key in b)) patch[key] = null;
  for (const [key, value] of Object.entries(b)) {
    const sub = key in a ? mergePatch(a[key], value) : value;
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

function normalize(value: unknown): Json | undefined {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Json);
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
