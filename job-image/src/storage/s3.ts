/**
 * S3 and S3-compatible stores (`s3://bucket/prefix`) through AWS SDK v3.
 *
 * Configuration, most specific first: the options, then the usual AWS settings —
 * `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` (path-style addressing when an endpoint is set),
 * `AWS_REGION`/`AWS_DEFAULT_REGION`, and the SDK's default credential chain. Requests are unsigned
 * when `anonymous: true`, or when `anonymous` is left unset and the bucket is a public one gik
 * knows (`s3://ecmwf-forecasts`, eu-central-1). Everywhere else a request is signed or not sent:
 * a credential chain that fails (an unreadable web-identity token, a profile that does not exist)
 * is a `StorageError` naming the providers configured and the cause, never a silent fallback to
 * anonymous access that would surface later as a 403 with the cause lost.
 *
 * The SDK's own retries are off (`maxAttempts: 1`): `retry.ts` retries, with one policy for every
 * backend. Errors are classified from the HTTP status and the S3 error name; `NoSuchKey`/404 reads
 * as `undefined`, `InvalidRange`/416 is a `ByteRangeError`.
 *
 * Object requests (GET, HEAD, PUT) go direct where the endpoint is one `s3-direct.ts` can state
 * (a configured endpoint, or AWS's standard partition): signed by AWS's signer and sent by the
 * client's own HTTP handler, without the SDK's command pipeline, about a third of its CPU per
 * request. Listing, deleting, and any endpoint the SDK's rules must decide go through the client.
 *
 * Requests are sent without per-request options, so the client builds its middleware stack once
 * (`cacheMiddleware`) instead of for every request, about a fifth of the SDK's CPU per request: a
 * request option (an abort signal) would make `send` rebuild the stack. A caller's signal is
 * therefore honoured by not starting a request once it has aborted; the retry layer stops waiting
 * for an attempt past its timeout, and a socket idle for `idleTimeoutMs` is destroyed by the HTTP
 * handler, so an abandoned attempt does not hold a socket for long.
 *
 * Conditional writes are S3's own (2024; MinIO has them too): a version is the ETag of the GET that
 * read the bytes, and a conditional put sends it as `If-Match` (or `If-None-Match: *`). Two answers
 * refuse it, both a `PreconditionFailedError`: `412 PreconditionFailed` (the object changed or
 * exists) and `409 ConditionalRequestConflict` (another conditional write to the key was in flight;
 * AWS says to fetch the ETag again and retry, which is what a caller does on a lost race, and the
 * object is not written).
 *
 * @module
 */

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { StorageError, UsageError } from "../api/errors.js";
import { preconditionFailed, writeCondition } from "./condition.js";
import { errorCode, type Failure, statusFailure, storageError, thrownFailure } from "./failure.js";
import { checkKey, checkPrefix, joinKey } from "./keys.js";
import { rangeHeader, rangeNotSatisfiable } from "./range.js";
import {
  type DirectAnswer,
  type DirectCredentials,
  DirectObjects,
  type DirectRequest,
  isRegionRedirect,
  objectEndpoint,
  S3AnswerError,
} from "./s3-direct.js";
import {
  type ObjectInfo,
  objectInfo,
  type PutOptions,
  type RangeQuery,
  type RequestOptions,
  type Store,
  type Versioned,
} from "./types.js";

export interface S3StoreOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** `true`: never sign; `false`: always sign; unset: unsigned for the public buckets gik knows, signed otherwise. */
  anonymous?: boolean;
  /** Defaults to `true` when an endpoint is configured (MinIO and most S3-compatible servers need it). */
  forcePathStyle?: boolean;
  /** Sockets per host; match the store's concurrency. */
  maxSockets?: number;
  /** A socket with no traffic for this long is destroyed and its request fails (default 120 s). */
  idleTimeoutMs?: number;
  /** Where the AWS_* settings are read (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** As long as `retry.ts` waits for an attempt by default. */
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/**
 * Public buckets gik reads unsigned unless told otherwise, with their regions so that the first
 * request needs no redirect.
 */
const PUBLIC_BUCKET_REGIONS: Readonly<Record<string, string>> = { "ecmwf-forecasts": "eu-central-1" };

/**
 * A store over `s3://bucket[/prefix]`. The client is made on first use.
 *
 * @example
 * const source = s3Store("s3://ecmwf-forecasts");          // anonymous, eu-central-1
 * const minio = s3Store("s3://gik/stores", { endpoint: "http://127.0.0.1:9000", credentials });
 */
export function s3Store(root: string, options: S3StoreOptions = {}): Store {
  const { bucket, prefix } = parseS3Url(root);
  let client: Promise<S3Backend> | undefined;
  const getClient = (): Promise<S3Backend> => {
    client ??= makeClient(bucket, options);
    return client;
  };
  const objectKey = (key: string): string => joinKey(prefix, key);
  const url = (key: string): string => `s3://${bucket}/${objectKey(key)}`;

  /** Sends one command; the caller's abort propagates untouched, anything else is classified. */
  const send = async <T>(
    key: string,
    what: string,
    signal: AbortSignal | undefined,
    run: (c: S3Backend) => Promise<T>,
  ): Promise<T> => {
    try {
      signal?.throwIfAborted();
      return await run(await getClient());
    } catch (err) {
      if (signal?.aborted) throw err;
      throw storageError(url(key), s3Failure(err), `${what} failed: ${(err as Error).message}`, err);
    }
  };
  /** Sends `request` direct when the store can, else (and from a region redirect on) through the SDK. */
  const object = async <T>(
    backend: S3Backend,
    request: DirectRequest,
    direct: (answer: DirectAnswer) => T,
    sdk: (c: S3Client) => Promise<T>,
  ): Promise<T> => {
    if (backend.direct) {
      try {
        return direct(await backend.direct.send(request));
      } catch (err) {
        if (!(err instanceof S3AnswerError && isRegionRedirect(err))) throw err;
        backend.direct = undefined;
      }
    }
    return sdk(backend.client);
  };
  /** A missing object (not a missing bucket, which is a configuration error). */
  const isMissingKey = (err: unknown): boolean =>
    err instanceof StorageError && err.status === 404 && err.code !== "NoSuchBucket";
  /** The bytes of a GET and the ETag of the same answer. */
  const read = async (
    key: string,
    range: RangeQuery | undefined,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; etag: string | undefined } | undefined> => {
    checkKey(key);
    const Range = range === undefined ? undefined : rangeHeader(range);
    try {
      return await send(key, "GetObject", signal, (b) =>
        object(
          b,
          { method: "GET", key: objectKey(key), headers: { range: Range } },
          (answer) => ({ bytes: answer.bytes, etag: answer.headers.etag }),
          async (c) => {
            const out = await c.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key), Range }));
            const bytes = out.Body === undefined ? new Uint8Array() : await out.Body.transformToByteArray();
            return { bytes, etag: out.ETag };
          },
        ),
      );
    } catch (err) {
      if (isMissingKey(err)) return undefined;
      if (range !== undefined && err instanceof StorageError && err.status === 416) {
        throw rangeNotSatisfiable(url(key), range);
      }
      throw err;
    }
  };

  return {
    url,
    get: async (key, opts) => (await read(key, undefined, opts?.signal))?.bytes,
    getRange: async (key, range, opts) => (await read(key, range, opts?.signal))?.bytes,

    async getVersioned(key: string, opts?: RequestOptions): Promise<Versioned | undefined> {
      const object = await read(key, undefined, opts?.signal);
      if (object === undefined) return undefined;
      if (object.etag === undefined) {
        throw storageError(
          url(key),
          { retryable: false },
          "GetObject answered without an ETag to version by",
        );
      }
      return { bytes: object.bytes, version: object.etag };
    },

    async head(key: string, opts?: RequestOptions): Promise<ObjectInfo | undefined> {
      checkKey(key);
      try {
        const out = await send(key, "HeadObject", opts?.signal, (b) =>
          object(
            b,
            { method: "HEAD", key: objectKey(key) },
            (answer) => ({ size: Number(answer.headers["content-length"] ?? 0), etag: answer.headers.etag }),
            async (c) => {
              const head = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
              return { size: head.ContentLength ?? 0, etag: head.ETag };
            },
          ),
        );
        return objectInfo(out.size, out.etag);
      } catch (err) {
        if (isMissingKey(err)) return undefined;
        throw err;
      }
    },

    async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
      checkKey(key);
      const condition = writeCondition(url(key), opts);
      const headers = {
        "content-type": opts?.contentType,
        "if-match": opts?.ifMatch,
        "if-none-match": opts?.ifNoneMatch,
      };
      try {
        await send(key, "PutObject", opts?.signal, (b) =>
          object(
            b,
            { method: "PUT", key: objectKey(key), headers, body: data },
            () => undefined,
            async (c) => {
              const command = new PutObjectCommand({
                Bucket: bucket,
                Key: objectKey(key),
                Body: data,
                ContentType: opts?.contentType,
                IfMatch: opts?.ifMatch,
                IfNoneMatch: opts?.ifNoneMatch,
              });
              await c.send(command);
            },
          ),
        );
      } catch (err) {
        if (condition === undefined || !isRefusal(err)) throw err;
        throw preconditionFailed(
          url(key),
          key,
          condition,
          `${err.code ?? "refused"} (HTTP ${err.status})`,
          err,
        );
      }
    },

    async delete(key: string, opts?: RequestOptions): Promise<void> {
      checkKey(key);
      const command = new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) });
      await send(key, "DeleteObject", opts?.signal, (b) => b.client.send(command));
    },

    async *list(listPrefix: string, opts?: RequestOptions) {
      checkPrefix(listPrefix);
      const full = prefix === "" ? listPrefix : `${prefix}/${listPrefix}`;
      let token: string | undefined;
      do {
        const page = await send(listPrefix, "ListObjectsV2", opts?.signal, (b) =>
          b.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: full, ContinuationToken: token })),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          const key = prefix === "" ? object.Key : object.Key.slice(prefix.length + 1);
          yield { key, ...objectInfo(object.Size ?? 0, object.ETag) };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },
  };
}

/** A conditional put's refusal: 412 (any code), or 409 `ConditionalRequestConflict`. */
function isRefusal(err: unknown): err is StorageError {
  if (!(err instanceof StorageError)) return false;
  return err.status === 412 || (err.status === 409 && err.code === "ConditionalRequestConflict");
}

/** `s3://bucket/a/b` → `{ bucket: "bucket", prefix: "a/b" }`. */
function parseS3Url(root: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(root);
  if (match === null) throw new UsageError("store URL", `"${root}" is not an s3://bucket[/prefix] URL`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, "") };
}

/** Status and S3 error name of an SDK error, or the network code of a request that got no answer. */
export function s3Failure(err: unknown): Failure {
  const { $metadata, name } = (err ?? {}) as { $metadata?: { httpStatusCode?: number }; name?: unknown };
  const code = typeof name === "string" && name !== "Error" ? name : undefined;
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status >= 300) return statusFailure(status, code);
  return thrownFailure(err, errorCode(err) ?? code);
}

/** The SDK's client, and the direct path for object requests when the endpoint allows it. */
interface S3Backend {
  client: S3Client;
  direct: DirectObjects | undefined;
}

async function makeClient(bucket: string, options: S3StoreOptions): Promise<S3Backend> {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const sockets = options.maxSockets ?? 64;
  const region =
    options.region ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    PUBLIC_BUCKET_REGIONS[bucket] ??
    "us-east-1";
  const forcePathStyle = options.forcePathStyle ?? endpoint !== undefined;
  const handler = new NodeHttpHandler({
    httpAgent: { maxSockets: sockets },
    httpsAgent: { maxSockets: sockets },
    socketTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  });
  const config: S3ClientConfig = {
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle,
    followRegionRedirects: true,
    maxAttempts: 1,
    // Checksums only where S3 requires them: S3-compatible servers and proxies vary in support.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    cacheMiddleware: true,
    requestHandler: handler,
  };
  const at = objectEndpoint({
    bucket,
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle,
    env,
  });
  const backend = (client: S3Client, credentials?: DirectCredentials): S3Backend => ({
    client,
    direct: at && new DirectObjects(at, handler, region, credentials),
  });
  if (options.credentials !== undefined) {
    return backend(new S3Client({ ...config, credentials: options.credentials }), options.credentials);
  }
  const anonymous = options.anonymous ?? Object.hasOwn(PUBLIC_BUCKET_REGIONS, bucket);
  if (anonymous) return backend(anonymousClient(config));
  const signed = new S3Client(config);
  try {
    // Resolved once here, so that a broken chain fails the first request with its own cause.
    await signed.config.credentials();
    return backend(signed, signed.config.credentials);
  } catch (err) {
    signed.destroy();
    throw credentialsError(`s3://${bucket}`, env, err);
  }
}

/**
 * The providers of the SDK's default chain that `env` configures, in the chain's order: the ones
 * a failure can come from. The chain stops at the first provider that is configured but fails.
 */
function configuredCredentialProviders(env: Record<string, string | undefined>): string[] {
  const set = (name: string): boolean => (env[name] ?? "") !== "";
  const providers: string[] = [];
  if (set("AWS_ACCESS_KEY_ID")) providers.push("environment (AWS_ACCESS_KEY_ID)");
  if (set("AWS_PROFILE")) providers.push(`shared config profile "${env.AWS_PROFILE}" (AWS_PROFILE)`);
  if (set("AWS_WEB_IDENTITY_TOKEN_FILE")) {
    providers.push(
      `web identity token file ${env.AWS_WEB_IDENTITY_TOKEN_FILE} (AWS_WEB_IDENTITY_TOKEN_FILE)`,
    );
  }
  if (set("AWS_CONTAINER_CREDENTIALS_FULL_URI") || set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    providers.push("container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)");
  }
  return providers;
}

/** A credential chain that failed, as a `StorageError` that names where it looked and why it failed. */
function credentialsError(
  url: string,
  env: Record<string, string | undefined>,
  cause: unknown,
): StorageError {
  const configured = configuredCredentialProviders(env);
  const where =
    configured.length === 0
      ? "the AWS default credential chain found no provider configured (environment, shared config files, web identity, container, instance metadata)"
      : `the AWS credential provider failed: ${configured.join(", then ")}`;
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new StorageError(url, undefined, `no credentials to sign with: ${where}: ${why}`, {
    cause,
    code: "CredentialsProviderError",
  });
}

/** Unsigned requests: the SDK needs some identity to run its pipeline, the pass-through signer drops it. */
function anonymousClient(config: S3ClientConfig): S3Client {
  return new S3Client({
    ...config,
    credentials: { accessKeyId: "", secretAccessKey: "" },
    signer: { sign: async (request) => request },
  });
}
