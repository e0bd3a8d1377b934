/**
 * One entry point for every store URL: `openStore(url)` picks the backend from the scheme and
 * wraps it in the cross-cutting layers, innermost first:
 *
 *   backend → stats (optional: counts every request sent, retries included)
 *           → limit (at most `concurrency` requests in flight)
 *           → retry (backoff with jitter; a waiting retry holds no slot)
 *
 * Open a URL once and share the store: the concurrency bound belongs to the instance.
 *
 * @module
 */

import { UsageError } from "../api/errors.js";
import { type FsStoreOptions, fsStore } from "./fs.js";
import { type GcsStoreOptions, gcsStore } from "./gcs.js";
import { type HttpStoreOptions, httpStore } from "./http.js";
import { DEFAULT_CONCURRENCY, withLimit } from "./limit.js";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "./retry.js";
import { type S3StoreOptions, s3Store } from "./s3.js";
import { type StoreStats, withStats } from "./stats.js";
import type { Store } from "./types.js";

export type StoreScheme = "file" | "s3" | "gs" | "http";

export interface StoreOptions {
  /** Requests in flight at most (default 64). */
  concurrency?: number;
  /** Retry settings, or `false` for none. */
  retry?: Partial<RetryOptions> | false;
  /** Counters to update (see `createStoreStats`). */
  stats?: StoreStats;
  fs?: FsStoreOptions;
  s3?: S3StoreOptions;
  gcs?: GcsStoreOptions;
  http?: HttpStoreOptions;
}

/**
 * Opens the store rooted at `url`: `file:///x`, a bare path, `s3://bucket/prefix`,
 * `gs://bucket/prefix`, `https://host/prefix` (read-only).
 *
 * @throws {UsageError} for any other scheme
 * @example
 * const source = openStore("s3://ecmwf-forecasts");
 * const text = await source.get("20250101/00z/ifs/0p25/enfo/20250101000000-0h-enfo-ef.index");
 */
export function openStore(url: string, options: StoreOptions = {}): Store {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const backend = openBackend(url, options, concurrency);
  const counted = options.stats === undefined ? backend : withStats(backend, options.stats);
  const limited = withLimit(counted, concurrency);
  return options.retry === false ? limited : withRetry(limited, options.retry);
}

/** The scheme of a store URL; a string without one is a local path. */
export function storeScheme(url: string): StoreScheme {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
    case "file":
      return "file";
    case "s3":
      return "s3";
    case "gs":
    case "gcs":
      return "gs";
    case "http":
    case "https":
      return "http";
    default:
      throw new UsageError(
        "store URL",
        `"${url}": unsupported scheme "${scheme}://" (use file://, s3://, gs:// or https://)`,
      );
  }
}

/**
 * Splits the URL of one object into a store root and a key: the bucket (or origin, or file system
 * root) and the rest, so all objects of one bucket can share one store.
 *
 * @example
 * splitObjectUrl("s3://ecmwf-forecasts/20250101/00z/x.index"); // { root: "s3://ecmwf-forecasts", key: "20250101/00z/x.index" }
 */
export function splitObjectUrl(url: string): { root: string; key: string } {
  const scheme = storeScheme(url);
  if (scheme === "file") {
    const match = /^(file:\/\/)?(\/+)(.+)$/.exec(url);
    if (match === null) throw new UsageError("object URL", `"${url}" is not an absolute path or file:// URL`);
    return { root: `${match[1] ?? ""}/`, key: match[3]! };
  }
  const match = /^([a-z0-9+.-]+:\/\/[^/]+)\/(.+)$/i.exec(url);
  if (match === null) throw new UsageError("object URL", `"${url}" names no object`);
  return { root: match[1]!, key: match[2]! };
}

function openBackend(url: string, options: StoreOptions, concurrency: number): Store {
  switch (storeScheme(url)) {
    case "file":
      return fsStore(url, options.fs);
    case "s3":
      return s3Store(url, { maxSockets: concurrency, idleTimeoutMs: attemptTimeout(options), ...options.s3 });
    case "gs":
      return gcsStore(url, options.gcs);
    case "http":
      return httpStore(url, options.http);
  }
}

/** S3 cuts a stalled socket when the retry layer gives up waiting for its attempt, not later. */
function attemptTimeout(options: StoreOptions): number | undefined {
  const retry = options.retry === false ? {} : options.retry;
  return retry?.attemptTimeoutMs ?? DEFAULT_RETRY.attemptTimeoutMs;
}
