/**
 * Read-only stores over `https://` and `http://` (the ECMWF mirrors at data.ecmwf.int and
 * storage.googleapis.com): GET, range GET, HEAD through an injectable `fetch`.
 *
 * - 404 and 410 read as `undefined`; 416 is a `ByteRangeError`; other answers are classified by
 *   `failure.ts` (429/5xx retryable, other 4xx not).
 * - A server that ignores `Range` and answers 200 with the whole object is sliced here, so callers
 *   always get the asked-for part.
 * - `getVersioned` gives the ETag of the GET that read the bytes; an answer without one is a
 *   `StorageError` (there is nothing to version by). It is of little use without `put`.
 * - `put`, `delete` and `list` throw a `UsageError` naming the URL: HTTP offers no way to do them.
 *
 * @module
 */

import { UsageError } from "../api/errors.js";
import { statusFailure, storageError, thrownFailure } from "./failure.js";
import { checkKey, joinKey } from "./keys.js";
import { rangeHeader, rangeNotSatisfiable, sliceRange } from "./range.js";
import {
  type ObjectInfo,
  objectInfo,
  type RangeQuery,
  type RequestOptions,
  type Store,
  type Versioned,
} from "./types.js";

export interface HttpStoreOptions {
  /** The `fetch` to use (tests inject one; defaults to the global). */
  fetch?: typeof fetch;
  /** Headers sent with every request (an `Authorization` for a private mirror). */
  headers?: Record<string, string>;
}

const MISSING = new Set([404, 410]);

/**
 * A read-only store rooted at an `http(s)://` URL.
 *
 * @example
 * const store = httpStore("https://data.ecmwf.int/forecasts");
 * const tail = await store.getRange("20250101/00z/ifs/0p25/enfo/….index", { suffixLength: 4096 });
 */
export function httpStore(root: string, options: HttpStoreOptions = {}): Store {
  const fetchImpl = options.fetch ?? fetch;
  const url = (key: string): string => joinKey(root, key.split("/").map(encodeURIComponent).join("/"));

  /** One request; network failures become classified `StorageError`s, the caller's abort stays as it is. */
  const request = async (key: string, init: RequestInit, signal?: AbortSignal): Promise<Response> => {
    checkKey(key);
    try {
      return await fetchImpl(url(key), { ...init, headers: { ...options.headers, ...init.headers }, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw storageError(url(key), thrownFailure(err), `${init.method ?? "GET"} failed`, err);
    }
  };
  const body = async (key: string, response: Response, signal?: AbortSignal): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      if (signal?.aborted) throw err;
      throw storageError(url(key), thrownFailure(err), "reading the response body failed", err);
    }
  };
  const refuse = async (key: string, method: string, response: Response): Promise<never> => {
    await response.body?.cancel();
    const reason = `${method} answered ${response.status} ${response.statusText}`.trim();
    throw storageError(url(key), statusFailure(response.status), reason);
  };
  const readOnly = (what: string, key: string): never => {
    throw new UsageError(url(key), `${what} is not possible on a read-only http(s) store`);
  };

  /** A GET of the whole object: its answer, or `undefined` for a missing one. */
  const getWhole = async (key: string, signal?: AbortSignal): Promise<Response | undefined> => {
    const response = await request(key, { method: "GET" }, signal);
    if (MISSING.has(response.status)) return void (await response.body?.cancel());
    if (!response.ok) return refuse(key, "GET", response);
    return response;
  };

  return {
    url,

    async get(key: string, opts?: RequestOptions): Promise<Uint8Array | undefined> {
      const response = await getWhole(key, opts?.signal);
      return response && body(key, response, opts?.signal);
    },

    async getVersioned(key: string, opts?: RequestOptions): Promise<Versioned | undefined> {
      const response = await getWhole(key, opts?.signal);
      if (response === undefined) return undefined;
      const version = response.headers.get("etag");
      if (version === null) {
        await response.body?.cancel();
        const failure = { status: response.status, retryable: false };
        throw storageError(url(key), failure, "GET answered without an ETag to version by");
      }
      return { bytes: await body(key, response, opts?.signal), version };
    },

    async getRange(key: string, range: RangeQuery, opts?: RequestOptions): Promise<Uint8Array | undefined> {
      const header = rangeHeader(range);
      const response = await request(key, { method: "GET", headers: { Range: header } }, opts?.signal);
      if (MISSING.has(response.status)) return void (await response.body?.cancel());
      if (response.status === 416) {
        await response.body?.cancel();
        throw rangeNotSatisfiable(url(key), range);
      }
      if (!response.ok) return refuse(key, "GET", response);
      const bytes = await body(key, response, opts?.signal);
      return response.status === 206 ? bytes : sliceRange(bytes, range, url(key));
    },

    async head(key: string, opts?: RequestOptions): Promise<ObjectInfo | undefined> {
      const response = await request(key, { method: "HEAD" }, opts?.signal);
      if (MISSING.has(response.status)) return undefined;
      if (!response.ok) return refuse(key, "HEAD", response);
      const size = Number(response.headers.get("content-length") ?? Number.NaN);
      if (!Number.isSafeInteger(size) || size < 0) {
        throw storageError(
          url(key),
          { status: response.status, retryable: false },
          "HEAD answered without a Content-Length",
        );
      }
      return objectInfo(size, response.headers.get("etag"));
    },

    put: async (key: string) => readOnly("put", key),
    delete: async (key: string) => readOnly("delete", key),
    list: (prefix: string) => readOnly("list", prefix),
  };
}
