/**
 * The storage contract: a store is rooted at a URL (`file:///data/x`, `/data/x`, `s3://bucket/prefix`,
 * `gs://bucket/prefix`, `https://host/prefix`) and addressed by keys relative to that root
 * (`20250101/00z/ifs/0p25/enfo/…-0h-enfo-ef.index`). A missing key reads as `undefined`; every
 * other failure throws a `StorageError` (after the retries of `retry.ts`) or a `NotFoundError`
 * where the caller asked for something that must exist.
 *
 * @module
 */

/** A byte range: `length` bytes from `offset`, or the last `suffixLength` bytes. */
export type RangeQuery = { offset: number; length: number } | { suffixLength: number };

export interface RequestOptions {
  signal?: AbortSignal;
}

/** What a store knows about one object without reading it. */
export interface ObjectInfo {
  size: number;
  /** The backend's version tag (S3/GCS/HTTP ETag, or mtime+size for files), when it has one. */
  etag?: string;
}

export interface ReadableStore {
  /** The absolute URL of `key`, as written into references. */
  url(key: string): string;
  get(key: string, options?: RequestOptions): Promise<Uint8Array | undefined>;
  /**
   * The bytes of `range`. A range that starts at or past the end of the object throws a
   * `ByteRangeError`; one that overlaps the end returns the bytes that exist, fewer than asked
   * (as S3 and GCS answer), so callers that need an exact length check it.
   */
  getRange(key: string, range: RangeQuery, options?: RequestOptions): Promise<Uint8Array | undefined>;
  head(key: string, options?: RequestOptions): Promise<ObjectInfo | undefined>;
}

export interface WritableStore {
  /** Writes `data` at `key`. A reader never sees a partly written object. */
  put(key: string, data: Uint8Array, options?: RequestOptions & { contentType?: string }): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string, options?: RequestOptions): Promise<void>;
  /** Every key under `prefix` (relative to the root), in no particular order. */
  list(prefix: string, options?: RequestOptions): AsyncIterable<string>;
}

export type Store = ReadableStore & WritableStore;
