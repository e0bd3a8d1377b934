/**
 * Request and byte counters for a store (what the benchmarks report: "number of requests and
 * bytes read"). Placed directly over a backend, it counts every request sent, retries included.
 *
 * @module
 */

import type { Store } from "./types.js";

export type RequestKind = "get" | "getRange" | "getVersioned" | "head" | "put" | "delete" | "list";

/** Counters, updated in place by {@link withStats}. */
export interface StoreStats {
  requests: number;
  /** Requests that threw (a missing key is not a failure; a conditional put refused is one). */
  failures: number;
  bytesRead: number;
  bytesWritten: number;
  byKind: Record<RequestKind, { requests: number; bytes: number }>;
}

/** Fresh counters, all zero. */
export function createStoreStats(): StoreStats {
  const kinds: RequestKind[] = ["get", "getRange", "getVersioned", "head", "put", "delete", "list"];
  return {
    requests: 0,
    failures: 0,
    bytesRead: 0,
    bytesWritten: 0,
    byKind: Object.fromEntries(kinds.map((k) => [k, { requests: 0, bytes: 0 }])) as StoreStats["byKind"],
  };
}

/**
 * `store`, counting into `stats`.
 *
 * @example
 * const stats = createStoreStats();
 * const store = openStore("s3://ecmwf-forecasts", { stats });
 * // … after a run: stats.requests, stats.bytesRead, stats.byKind.getRange.requests
 */
export function withStats(store: Store, stats: StoreStats): Store {
  const counted = async <T>(
    kind: RequestKind,
    run: () => Promise<T>,
    bytes: (result: T) => number,
  ): Promise<T> => {
    stats.requests++;
    stats.byKind[kind].requests++;
    try {
      const result = await run();
      const n = bytes(result);
      stats.byKind[kind].bytes += n;
      if (kind === "put") stats.bytesWritten += n;
      else stats.bytesRead += n;
      return result;
    } catch (err) {
      stats.failures++;
      throw err;
    }
  };
  const read = (data: Uint8Array | undefined): number => data?.length ?? 0;
  return {
    url: (key) => store.url(key),
    get: (key, options) => counted("get", () => store.get(key, options), read),
    getRange: (key, range, options) => counted("getRange", () => store.getRange(key, range, options), read),
    getVersioned: (key, options) =>
      counted(
        "getVersioned",
        () => store.getVersioned(key, options),
        (result) => read(result?.bytes),
      ),
    head: (key, options) =>
      counted(
        "head",
        () => store.head(key, options),
        () => 0,
      ),
    put: (key, data, options) =>
      counted(
        "put",
        () => store.put(key, data, options),
        () => data.length,
      ),
    delete: (key, options) =>
      counted(
        "delete",
        () => store.delete(key, options),
        () => 0,
      ),
    async *list(prefix, options) {
      stats.requests++;
      stats.byKind.list.requests++;
      try {
        yield* store.list(prefix, options);
      } catch (err) {
        stats.failures++;
        throw err;
      }
    },
  };
}
