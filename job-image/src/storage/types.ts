/**
 * The storage contract: a store is rooted at a URL (`file:///data/x`, `/data/x`, `s3://bucket/prefix`,
 * `gs://bucket/prefix`, `https://host/prefix`) and addressed by keys relative to that root
 * (`20250101/00z/ifs/0p25/enfo/…-0h-enfo-ef.index`). A missing key reads as `undefined`; every
 * other failure throws a `StorageError` (after the retries of `retry.ts`) or a `NotFoundError`
 * where the caller asked for something that must exist.
 *
 * Conditional writes let several processes update one object (a collection's `.zmetadata`, its
 * commit point) without losing each other's updates: read it with `getVersioned`, prepare the new
 * bytes, `put` them with `ifMatch` set to the version read (or `ifNoneMatch: "*"` to create it), and
 * on a `PreconditionFailedError` read again and start over.
 *
 * Notes:
 * - A version is opaque and only good for `ifMatch` on the same key of the same backend; it is not
 *   `head`'s ETag (on GCS and files the two differ).
 * - Versions differ whenever the bytes differ. On S3 (an ETag, for a plain upload the MD5 of the
 *   bytes) and files (a SHA-256) they may be derived from the bytes, so rewriting the same bytes can
 *   keep the version: harmless for a compare and swap, whose compare is then one of contents.
 * - `withRetry` never retries a refused put, and takes a refusal after an attempt of unknown outcome
 *   for success when the object holds the bytes sent (see `retry.ts` for what that asks of writers).
 * - Only conditional puts are ordered against each other: an unconditional `put` or a `delete` of
 *   the same key overwrites whatever is there, as a blind write does.
 *
 * @module
 */

export type { WriteCondition } from "../api/errors.js";

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

/** An object's size and ETag as a backend answers them, the ETag absent when it gives none. */
export function objectInfo(size: number, etag: string | null | undefined): ObjectInfo {
  return etag == null ? { size } : { size, etag };
}

/** One object of a listing: its key, and what `head` says of it at that moment. */
export interface ListedObject extends ObjectInfo {
  key: string;
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

/** An object's bytes and the version they were read at. */
export interface Versioned {
  bytes: Uint8Array;
  /** Opaque token of this version, for `put`'s `ifMatch`. */
  version: string;
}

export interface PutOptions extends RequestOptions {
  contentType?: string;
  /** Write only if the object is still this version (from `getVersioned`). */
  ifMatch?: string;
  /** `"*"`: write only if no object exists at the key. Not together with `ifMatch`. */
  ifNoneMatch?: "*";
}

export interface WritableStore {
  /**
   * The bytes of `key` and their version, read in one request (so the two belong together):
   * the read half of a conditional write.
   */
  getVersioned(key: string, options?: RequestOptions): Promise<Versioned | undefined>;
  /**
   * Writes `data` at `key`. A reader never sees a partly written object. With `ifMatch` or
   * `ifNoneMatch` the write happens only if the object is in that state when it lands; otherwise it
   * throws a `PreconditionFailedError` and the object is left as it was.
   */
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string, options?: RequestOptions): Promise<void>;
  /**
   * Every object under `prefix` (keys relative to the root), in no particular order, each with the
   * size and version tag `head` gives: one request for many objects' `head`.
   */
  list(prefix: string, options?: RequestOptions): AsyncIterable<ListedObject>;
}

export type Store = ReadableStore & WritableStore;
