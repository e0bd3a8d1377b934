/**
 * Bounded concurrency: at most N requests of one store in flight, whoever makes them. The
 * semaphore lives in the wrapped store, so every caller sharing the store instance shares the bound.
 *
 * @module
 */

import type { ListedObject, ObjectInfo, RangeQuery, RequestOptions, Store } from "./types.js";

/** Default bound on a store's requests in flight (index reads and header range reads dominate). */
export const DEFAULT_CONCURRENCY = 64;

export interface Semaphore {
  /** Waits for a slot; the returned function gives it back (call it once). Rejects if `signal` aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Slots in use. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

/** A FIFO counting semaphore with `limit` slots. */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: Array<() => void> = [];
  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) next();
      else active--;
    };
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal?: AbortSignal): Promise<() => void> {
      signal?.throwIfAborted();
      if (active < limit) {
        active++;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        // A waiter handed a slot keeps `active` unchanged: the releasing caller's slot passes on.
        const grant = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(releaser());
        };
        const onAbort = () => {
          queue.splice(queue.indexOf(grant), 1);
          reject(signal?.reason);
        };
        queue.push(grant);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}

/**
 * `store` with at most `concurrency` requests in flight. A `list` holds one slot while it iterates.
 *
 * @example
 * const store = withLimit(s3Store("s3://ecmwf-forecasts"), 64);
 */
export function withLimit(store: Store, concurrency: number = DEFAULT_CONCURRENCY): Store {
  const semaphore = createSemaphore(concurrency);
  const limited = async <T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> => {
    const release = await semaphore.acquire(signal);
    try {
      return await run();
    } finally {
      release();
    }
  };
  return {
    url: (key) => store.url(key),
    get: (key: string, options?: RequestOptions) => limited(options?.signal, () => store.get(key, options)),
    getRange: (key: string, range: RangeQuery, options?: RequestOptions) =>
      limited(options?.signal, () => store.getRange(key, range, options)),
    head: (key: string, options?: RequestOptions): Promise<ObjectInfo | undefined> =>
      limited(options?.signal, () => store.head(key, options)),
    getVersioned: (key, options) => limited(options?.signal, () => store.getVersioned(key, options)),
    put: (key, data, options) => limited(options?.signal, () => store.put(key, data, options)),
    delete: (key, options) => limited(options?.signal, () => store.delete(key, options)),
    async *list(prefix: string, options?: RequestOptions): AsyncIterable<ListedObject> {
      const release = await semaphore.acquire(options?.signal);
      try {
        yield* store.list(prefix, options);
      } finally {
        release();
      }
    },
  };
}
