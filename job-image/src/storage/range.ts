/**
 * Byte ranges shared by the backends: validation, the HTTP `Range` header, and what to do when a
 * server answers a range request with the whole object.
 *
 * Ranges past the end of an object: a range that starts at or after the end is a `ByteRangeError`
 * (S3 and GCS answer 416); a range that overlaps the end returns the bytes that exist, shorter than
 * asked, exactly as the backends do. Callers that need an exact length check it.
 *
 * @module
 */

import { ByteRangeError, UsageError } from "../api/errors.js";
import type { RangeQuery } from "./types.js";

/** Throws a `UsageError` unless the range asks for at least one byte from a valid position. */
export function checkRange(range: RangeQuery): void {
  if ("suffixLength" in range) {
    if (!Number.isSafeInteger(range.suffixLength) || range.suffixLength < 1) {
      throw new UsageError("range", `suffixLength must be a positive integer, got ${range.suffixLength}`);
    }
    return;
  }
  if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
    throw new UsageError("range", `offset must be a non-negative integer, got ${range.offset}`);
  }
  if (!Number.isSafeInteger(range.length) || range.length < 1) {
    throw new UsageError("range", `length must be a positive integer, got ${range.length}`);
  }
}

/** `bytes=a-b` (inclusive end) or `bytes=-n` for a suffix. */
export function rangeHeader(range: RangeQuery): string {
  checkRange(range);
  return "suffixLength" in range
    ? `bytes=-${range.suffixLength}`
    : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** The part of a whole object that `range` asks for (for servers that ignore `Range`, and for files). */
export function sliceRange(whole: Uint8Array, range: RangeQuery, url: string): Uint8Array {
  if ("suffixLength" in range) return whole.subarray(Math.max(0, whole.length - range.suffixLength));
  if (range.offset >= whole.length) throw rangeNotSatisfiable(url, range, whole.length);
  return whole.subarray(range.offset, range.offset + range.length);
}

/** The error for a range that starts at or past the end of its object. */
export function rangeNotSatisfiable(url: string, range: RangeQuery, size?: number): ByteRangeError {
  const [offset, length] =
    "suffixLength" in range ? [-range.suffixLength, range.suffixLength] : [range.offset, range.length];
  const where = size === undefined ? "the end of the object" : `the end of the object (${size} bytes)`;
  return new ByteRangeError(url, offset, length, `range starts at or past ${where}`);
}
