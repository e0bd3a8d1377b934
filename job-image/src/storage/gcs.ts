/**
 * Google Cloud Storage (`gs://bucket/prefix`) through `@google-cloud/storage` 7.x.
 *
 * - `STORAGE_EMULATOR_HOST` (or the `emulatorHost` option) points the client at an emulator such
 *   as fake-gcs-server; requests to a custom endpoint are not authenticated.
 * - Without credentials the library sends unauthenticated requests, which public buckets answer
 *   (`gs://ecmwf-open-data`); with Application Default Credentials it signs them.
 * - The library's own retries are off: `retry.ts` retries, with one policy for every backend.
 * - 404 reads as `undefined` (GCS does not tell a missing object from a missing bucket on reads);
 *   416 is a `ByteRangeError`. The library takes no `AbortSignal`: an abort destroys the download
 *   stream; an upload runs to its end.
 * - Conditional writes use generations: `getVersioned` reads an object's generation, then that
 *   generation's bytes (so the two belong together), and a conditional put sends
 *   `ifGenerationMatch` (the generation read, or 0 for "no live object") on its single-request
 *   upload. A 412 is a `PreconditionFailedError`. fake-gcs-server (v1.56.1) honours
 *   `ifGenerationMatch` on all its upload paths.
 *
 * @module
 */

import type { Bucket, File, Storage, StorageOptions } from "@google-cloud/storage";
import { StorageError, UsageError } from "../api/errors.js";
import { preconditionFailed, writeCondition } from "./condition.js";
import { type Failure, statusFailure, storageError, thrownFailure } from "./failure.js";
import { checkKey, checkPrefix, joinKey } from "./keys.js";
import { checkRange, rangeNotSatisfiable } from "./range.js";
import {
  type ObjectInfo,
  objectInfo,
  type PutOptions,
  type RangeQuery,
  type RequestOptions,
  type Store,
  type Versioned,
} from "./types.js";

export interface GcsStoreOptions {
  projectId?: string;
  /** `host:port` or URL of an emulator; defaults to `STORAGE_EMULATOR_HOST`. */
  emulatorHost?: string;
  /** Path of a service-account key file; default: Application Default Credentials, if any. */
  keyFilename?: string;
  /** Where `STORAGE_EMULATOR_HOST` is read (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/**
 * A store over `gs://bucket[/prefix]`.
 *
 * @example
 * const mirror = gcsStore("gs://ecmwf-open-data");
 */
export function gcsStore(root: string, options: GcsStoreOptions = {}): Store {
  const { bucket: bucketName, prefix } = parseGcsUrl(root);
  let opened: Promise<Bucket> | undefined;
  const bucket = (): Promise<Bucket> => {
    opened ??= storageClient(options).then((storage) => storage.bucket(bucketName));
    return opened;
  };
  const objectKey = (key: string): string => joinKey(prefix, key);
  const url = (key: string): string => `gs://${bucketName}/${objectKey(key)}`;
  const file = async (key: string): Promise<File> => {
    checkKey(key);
    return (await bucket()).file(objectKey(key));
  };

  const call = async <T>(
    key: string,
    what: string,
    signal: AbortSignal | undefined,
    run: () => Promise<T>,
  ): Promise<T> => {
    signal?.throwIfAborted();
    try {
      return await run();
    } catch (err) {
      if (signal?.aborted) throw err;
      throw storageError(url(key), gcsFailure(err), `${what} failed: ${(err as Error).message}`, err);
    }
  };
  const missing = (err: unknown): boolean => err instanceof StorageError && err.status === 404;
  const read = async (
    key: string,
    range: RangeQuery | undefined,
    signal?: AbortSignal,
  ): Promise<Uint8Array | undefined> => {
    const target = await file(key);
    if (range !== undefined) checkRange(range);
    const bounds =
      range === undefined
        ? {}
        : "suffixLength" in range
          ? { end: -range.suffixLength }
          : { start: range.offset, end: range.offset + range.length - 1 };
    try {
      return await call(key, "download", signal, () =>
        collect(target.createReadStream({ ...bounds }), signal),
      );
    } catch (err) {
      if (missing(err)) return undefined;
      if (range !== undefined && err instanceof StorageError && err.status === 416)
        throw rangeNotSatisfiable(url(key), range);
      throw err;
    }
  };

  return {
    url,
    get: (key, opts) => read(key, undefined, opts?.signal),
    getRange: (key, range, opts) => read(key, range, opts?.signal),

    async getVersioned(key: string, opts?: RequestOptions): Promise<Versioned | undefined> {
      // The generation first, then that very generation's bytes: a newer write in between makes
      // the read miss (404 for a generation no longer live) and the pair is read again.
      const target = await file(key);
      for (;;) {
        let generation: string;
        try {
          const [metadata] = await call(key, "getMetadata", opts?.signal, () => target.getMetadata());
          generation = String(metadata.generation);
        } catch (err) {
          if (missing(err)) return undefined;
          throw err;
        }
        if (!/^\d+$/.test(generation)) {
          throw storageError(
            url(key),
            { retryable: false },
            "object metadata without a generation to version by",
          );
        }
        const exact = (await bucket()).file(objectKey(key), { generation: Number(generation) });
        try {
          const bytes = await call(key, "download", opts?.signal, () =>
            collect(exact.createReadStream(), opts?.signal),
          );
          return { bytes, version: generation };
        } catch (err) {
          if (!missing(err)) throw err;
        }
      }
    },

    async head(key: string, opts?: RequestOptions): Promise<ObjectInfo | undefined> {
      const target = await file(key);
      try {
        const [metadata] = await call(key, "getMetadata", opts?.signal, () => target.getMetadata());
        return objectInfo(Number(metadata.size ?? 0), metadata.etag);
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },

    async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
      const target = await file(key);
      const condition = writeCondition(url(key), opts);
      const ifGenerationMatch =
        condition === undefined ? undefined : "ifMatch" in condition ? condition.ifMatch : 0;
      // A single-request upload: the object appears whole when the request completes, or not at all.
      try {
        await call(key, "upload", opts?.signal, () =>
          target.save(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
            resumable: false,
            ...(opts?.contentType === undefined ? {} : { contentType: opts.contentType }),
            ...(ifGenerationMatch === undefined ? {} : { preconditionOpts: { ifGenerationMatch } }),
          }),
        );
      } catch (err) {
        if (condition === undefined || !(err instanceof StorageError && err.status === 412)) throw err;
        throw preconditionFailed(url(key), key, condition, "generation mismatch (HTTP 412)", err);
      }
    },

    async delete(key: string, opts?: RequestOptions): Promise<void> {
      const target = await file(key);
      await call(key, "delete", opts?.signal, () => target.delete({ ignoreNotFound: true }));
    },

    async *list(listPrefix: string, opts?: RequestOptions) {
      checkPrefix(listPrefix);
      const full = prefix === "" ? listPrefix : `${prefix}/${listPrefix}`;
      const listed = await bucket();
      let pageToken: string | undefined;
      do {
        const [files, next] = await call(listPrefix, "list", opts?.signal, () =>
          listed.getFiles({
            prefix: full,
            autoPaginate: false,
            maxResults: 1000,
            ...(pageToken ? { pageToken } : {}),
          }),
        );
        for (const f of files) {
          const key = prefix === "" ? f.name : f.name.slice(prefix.length + 1);
          yield { key, ...objectInfo(Number(f.metadata.size ?? 0), f.metadata.etag) };
        }
        pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken !== undefined);
    },
  };
}

/** `gs://bucket/a/b` (or `gcs://…`) → `{ bucket: "bucket", prefix: "a/b" }`. */
function parseGcsUrl(root: string): { bucket: string; prefix: string } {
  const match = /^(?:gs|gcs):\/\/([^/]+)\/?(.*)$/.exec(root);
  if (match === null) throw new UsageError("store URL", `"${root}" is not a gs://bucket[/prefix] URL`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, "") };
}

/** HTTP status (a number in `code`) of an API error, or the network code of a request that got no answer. */
export function gcsFailure(err: unknown): Failure {
  const { code } = (err ?? {}) as { code?: unknown };
  return typeof code === "number" ? statusFailure(code) : thrownFailure(err);
}

/**
 * The client. With `STORAGE_EMULATOR_HOST` in the process's environment, @google-cloud/storage 7
 * takes that value as the JSON API's base URL as it is, without the `/storage/v1` path the emulator
 * (fake-gcs-server) and GCS serve it under, so listing and metadata calls miss; the base URL is set
 * from the endpoint as the library does for any other custom endpoint.
 *
 * The library (with its auth stack, ~0.3 s of CPU to load) is imported on the first request, so a
 * process that never reads `gs://` (a Job pod on S3, the CLI on files) does not pay for it.
 */
async function storageClient(options: GcsStoreOptions): Promise<Storage> {
  const resolved = storageOptions(options);
  const { Storage } = await import("@google-cloud/storage");
  const storage = new Storage(resolved);
  if (resolved.apiEndpoint) storage.baseUrl = `${resolved.apiEndpoint.replace(/\/+$/, "")}/storage/v1`;
  return storage;
}

function storageOptions(options: GcsStoreOptions): StorageOptions {
  const env = options.env ?? process.env;
  const emulator = options.emulatorHost ?? env.STORAGE_EMULATOR_HOST;
  return {
    retryOptions: { autoRetry: false },
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.keyFilename === undefined ? {} : { keyFilename: options.keyFilename }),
    ...(emulator === undefined
      ? {}
      : { apiEndpoint: /^https?:\/\//.test(emulator) ? emulator : `http://${emulator}` }),
  };
}

/** Reads a download stream to the end; an abort of `signal` destroys it. */
async function collect(
  stream: NodeJS.ReadableStream & { destroy(error?: Error): void },
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const onAbort = () => stream.destroy(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
