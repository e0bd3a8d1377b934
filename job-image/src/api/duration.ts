/**
 * Durations as people write them in flags and specs (`12h`, `90m`, `1h30m`, `45s`, `0`), checked
 * where they enter.
 *
 * @module
 */
import { UsageError } from "./errors.js";

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
/** A duration's text (also the CRDs' pattern of duration fields, which add `minLength: 1`). */
export const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Milliseconds of `text`; `field` names it in the error. */
export function parseDuration(text: string, field: string): number {
  const match = text === "0" ? ["0"] : DURATION_PATTERN.exec(text.trim());
  if (!match || (text !== "0" && match.slice(1).every((p) => p === undefined))) {
    throw new UsageError(
      field,
      `expected a duration such as 12h, 90m, 1h30m or 45s, got ${JSON.stringify(text)}`,
    );
  }
  return ["d", "h", "m", "s"].reduce((ms, unit, i) => ms + Number(match[i + 1] ?? 0) * UNIT_MS[unit]!, 0);
}
