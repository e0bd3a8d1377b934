/**
 * Storage: one small interface (`types.ts`) over local files, S3, GCS and HTTP, with bounded
 * concurrency, retries and request counters as wrappers around any store, and conditional writes
 * for objects that several processes update.
 *
 * @example
 * import { createStoreStats, openStore } from "./storage/index.js";
 * const stats = createStoreStats();
 * const source = openStore("s3://ecmwf-forecasts", { stats });
 * const head = await source.getRange("20250101/00z/ifs/0p25/enfo/….grib2", { offset: 0, length: 512 });
 *
 * @module
 */

export type { Failure } from "./failure.js";
export { DEFAULT_LOCK_STALE_MS, type FsStoreOptions, fsStore, type StaleLockEvent } from "./fs.js";
export { type GcsStoreOptions, gcsStore } from "./gcs.js";
export { type HttpStoreOptions, httpStore } from "./http.js";
export { createSemaphore, DEFAULT_CONCURRENCY, type Semaphore, withLimit } from "./limit.js";
export { memoryStore } from "./memory.js";
export { openStore, type StoreOptions, type StoreScheme, splitObjectUrl, storeScheme } from "./open.js";
export { DEFAULT_RETRY, type RetryOptions, withRetry } from "./retry.js";
export { type S3StoreOptions, s3Store } from "./s3.js";
export { createStoreStats, type RequestKind, type StoreStats, withStats } from "./stats.js";
export type {
  ListedObject,
  ObjectInfo,
  PutOptions,
  RangeQuery,
  ReadableStore,
  RequestOptions,
  Store,
  Versioned,
  WritableStore,
  WriteCondition,
} from "./types.js";
