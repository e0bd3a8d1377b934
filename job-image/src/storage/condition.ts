/**
 * Conditional writes, the parts the backends share: `put`'s options read into one
 * {@link WriteCondition}, the check of a condition against the version a store holds (for the
 * backends that compare themselves: memory and files), and the error a refused write throws.
 *
 * @module
 */

import { PreconditionFailedError, UsageError } from "../api/errors.js";
import type { PutOptions, WriteCondition } from "./types.js";

/**
 * The condition `options` put on a write, or `undefined` for a blind write.
 *
 * @throws {UsageError} for both conditions at once, an empty version, or an `ifNoneMatch` other than `"*"`
 */
export function writeCondition(url: string, options: PutOptions | undefined): WriteCondition | undefined {
  const { ifMatch, ifNoneMatch } = options ?? {};
  if (ifMatch !== undefined && ifNoneMatch !== undefined)
    throw new UsageError(url, "a put takes ifMatch or ifNoneMatch, not both");
  if (ifNoneMatch !== undefined && ifNoneMatch !== "*")
    throw new UsageError(url, `ifNoneMatch must be "*", got ${JSON.stringify(ifNoneMatch)}`);
  if (ifMatch === "") throw new UsageError(url, "ifMatch must be a version read with getVersioned");
  if (ifMatch !== undefined) return { ifMatch };
  return ifNoneMatch === undefined ? undefined : { ifNoneMatch };
}

/** The error of a write refused because `key` was not as `condition` required. */
export function preconditionFailed(
  url: string,
  key: string,
  condition: WriteCondition,
  reason: string,
  cause?: unknown,
): PreconditionFailedError {
  return new PreconditionFailedError(url, key, condition, reason, cause === undefined ? {} : { cause });
}

/**
 * Throws the {@link PreconditionFailedError} of `condition` unless it holds for an object at
 * version `current` (`undefined`: there is none).
 */
export function requireCondition(
  url: string,
  key: string,
  condition: WriteCondition,
  current: string | undefined,
): void {
  if ("ifNoneMatch" in condition) {
    if (current !== undefined) throw preconditionFailed(url, key, condition, `found version ${current}`);
  } else if (current !== condition.ifMatch) {
    const found = current === undefined ? "found no object" : `found version ${current}`;
    throw preconditionFailed(url, key, condition, found);
  }
}

/** True when `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
