/**
 * The one retry policy of gik: exponential backoff with full jitter. The delay before retry `n`
 * is uniform in [0, min(maxMs, initialMs · 2^(n-1))), as AWS recommends against throttling
 * (`503 SlowDown`): clients that failed together do not retry together.
 *
 * Storage requests, the operator's work queue and its informer restarts all use it, each with its
 * own bounds; the randomness, and the waiting, are injected by the caller.
 *
 * @module
 */

export interface Backoff {
  /** Ceiling of the first retry's delay. */
  initialMs: number;
  /** Ceiling of every delay. */
  maxMs: number;
  /** Uniform in [0, 1); `Math.random` outside tests. */
  random: () => number;
}

/**
 * The delay before retry number `retry` (1 for the first retry).
 *
 * @example backoffDelay(3, { initialMs: 200, maxMs: 20_000, random: () => 0.5 }) // 400
 */
export function backoffDelay(retry: number, backoff: Backoff): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(backoff.random() * ceiling);
}
