/**
 * Retries of a store's requests, with gik's one backoff policy (`api/backoff.ts`: exponential with
 * full jitter, as AWS recommends against `503 SlowDown`).
 *
 * What is retried is decided from data: a `StorageError` whose backend classified it `retryable`
 * (429, 500/502/503/504, reset or refused connections, see `failure.ts`), or an attempt that ran
 * past `attemptTimeoutMs` (aborted here through its own signal). Never retried: other 4xx, missing
 * keys (they are not errors), bad ranges and keys, and anything after the caller's own signal aborted.
 * After `attempts` tries the last failure is thrown as a `StorageError` saying how many were made.
 *
 * `list` is retried as a whole: each attempt collects every key before the first is yielded, so a
 * caller never sees a key twice.
 *
 * A conditional put refused (`PreconditionFailedError`) is never retried: the object changed, and
 * only the caller can redo its read-modify-write. But a conditional put whose attempt ended without
 * an answer (a timeout, a reset, a 5xx) may have landed all the same, and then its retry is refused
 * because of that very write. So a refusal after such an attempt is checked: the object is read, and
 * if it holds exactly the bytes sent, the write landed and the put succeeds.
 *
 * Notes:
 * - Equal bytes cannot tell this put's write from another writer's identical one: writers that may
 *   write the same bytes should make them differ (a writer id, a nonce in the document).
 * - A landed attempt that another writer has already built on reads as different bytes, so the put
 *   throws `PreconditionFailedError` though its write happened: the caller re-reads and finds its
 *   change there, so a change applied twice must do no harm (a commit adds a run only if absent).
 *
 * @module
 */

import { setTimeout as delay } from "node:timers/promises";
import { type Backoff, backoffDelay } from "../api/backoff.js";
import { isPreconditionFailed, StorageError } from "../api/errors.js";
import { sameBytes } from "./condition.js";
import type { ListedObject, PutOptions, RangeQuery, RequestOptions, Store } from "./types.js";

export interface RetryOptions extends Backoff {
  /** Tries in all, the first included. */
  attempts: number;
  /** An attempt still running after this long is aborted and retried; `undefined`: no limit. */
  attemptTimeoutMs: number | undefined;
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told before each retry (for logs). */
  onRetry?: (event: { url: string; attempt: number; delayMs: number; error: StorageError }) => void;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = {
  attempts: 6,
  initialMs: 200,
  maxMs: 20_000,
  attemptTimeoutMs: 120_000,
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
  random: Math.random,
};

/**
 * `store` with its requests retried.
 *
 * @example
 * const store = withRetry(s3Store("s3://ecmwf-forecasts"), { attempts: 8 });
 */
export function withRetry(store: Store, options: Partial<RetryOptions> = {}): Store {
  const opts: RetryOptions = { ...DEFAULT_RETRY, ...options };
  if (!Number.isSafeInteger(opts.attempts) || opts.attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${opts.attempts}`);
  }

  const retrying = async <T>(
    url: string,
    signal: AbortSignal | undefined,
    run: (s: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const timeout = opts.attemptTimeoutMs === undefined ? undefined : new AbortController();
      const timer = timeout && setTimeout(() => timeout.abort(), opts.attemptTimeoutMs);
      const attemptSignal =
        timeout === undefined
          ? signal
          : signal === undefined
            ? timeout.signal
            : AbortSignal.any([signal, timeout.signal]);
      let failure: StorageError;
      try {
        return await untilAborted(run(attemptSignal), attemptSignal);
      } catch (err) {
        if (signal?.aborted) throw err;
        if (timeout?.signal.aborted) {
          failure = new StorageError(url, undefined, `no answer within ${opts.attemptTimeoutMs} ms`, {
            cause: err,
            code: "TimeoutError",
            retryable: true,
          });
        } else if (err instanceof StorageError && err.retryable) {
          failure = err;
        } else {
          throw err;
        }
      } finally {
        clearTimeout(timer);
      }
      if (attempt >= opts.attempts) {
        throw new StorageError(
          url,
          failure.status,
          `gave up after ${attempt} attempts; last: ${failure.reason}`,
          {
            cause: failure,
            code: failure.code,
            retryable: true,
          },
        );
      }
      const delayMs = backoffDelay(attempt, opts);
      opts.onRetry?.({ url, attempt, delayMs, error: failure });
      await opts.sleep(delayMs, signal);
    }
  };

  const withSignal = <O extends RequestOptions>(options: O | undefined, signal: AbortSignal | undefined) => ({
    ...options,
    signal,
  });
  const get = (key: string, options?: RequestOptions) =>
    retrying(store.url(key), options?.signal, (s) => store.get(key, withSignal(options, s)));
  /** A put, retried; a refusal after an attempt of unknown outcome is checked against the object. */
  const put = async (key: string, data: Uint8Array, options?: PutOptions): Promise<void> => {
    let attempts = 0;
    try {
      await retrying(store.url(key), options?.signal, (s) => {
        attempts++;
        return store.put(key, data, withSignal(options, s));
      });
    } catch (err) {
      if (!(attempts > 1 && isPreconditionFailed(err))) throw err;
      const current = await get(key, { signal: options?.signal });
      if (current === undefined || !sameBytes(current, data)) throw err;
    }
  };
  return {
    url: (key) => store.url(key),
    get,
    getRange: (key: string, range: RangeQuery, options?: RequestOptions) =>
      retrying(store.url(key), options?.signal, (s) => store.getRange(key, range, withSignal(options, s))),
    head: (key, options) =>
      retrying(store.url(key), options?.signal, (s) => store.head(key, withSignal(options, s))),
    getVersioned: (key, options) =>
      retrying(store.url(key), options?.signal, (s) => store.getVersioned(key, withSignal(options, s))),
    put,
    delete: (key, options) =>
      retrying(store.url(key), options?.signal, (s) => store.delete(key, withSignal(options, s))),
    async *list(prefix: string, options?: RequestOptions): AsyncIterable<ListedObject> {
      const objects = await retrying(store.url(prefix), options?.signal, async (s) => {
        const all: ListedObject[] = [];
        for await (const object of store.list(prefix, withSignal(options, s))) all.push(object);
        return all;
      });
      yield* objects;
    },
  };
}

/**
 * `work`, or a rejection as soon as `signal` aborts: a backend that does not cancel its request
 * (a GCS upload; S3, which cuts a stalled socket itself) must not hold the retry loop past the
 * attempt's timeout.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
