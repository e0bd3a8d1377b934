/**
 * S3 object requests (GET, ranged GET, HEAD, PUT) sent without the SDK's command pipeline: a
 * request built here, signed by AWS's SigV4 signer (`@smithy/signature-v4`), sent by the SDK's
 * own Node HTTP handler (`@smithy/node-http-handler`, shared with the client, so one pool of
 * sockets). The pipeline (endpoint rules, schema serialisation, copies of the whole client
 * configuration at several steps) cost about 0.9 ms of CPU per request against the bench's MinIO;
 * sent this way a request costs about 0.3 ms. A whole run sends some 20,600 requests.
 *
 * Notes (invariants):
 * - Only endpoints this module can state exactly go direct: a configured endpoint (MinIO and other
 *   S3-compatible servers), or AWS's standard partition by region with a bucket name valid as a
 *   host name. Anything else (FIPS or dual-stack endpoints, other partitions, buckets with dots)
 *   stays on the SDK, which knows its rules.
 * - An answer that says the region is wrong (301, 307, or 400 `AuthorizationHeaderMalformed`)
 *   sends this request and every later one through the SDK, which follows region redirects.
 * - Failures are the SDK's shape (`name` the S3 error code, `$metadata.httpStatusCode`), so
 *   `s3.ts` classifies both paths with one function.
 * - The SDK's correction of a skewed clock is not repeated: `RequestTimeTooSkewed` is a 403 here,
 *   not retried, as any refusal of a signature.
 *
 * @module
 */
import { createHash, createHmac } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpRequest } from "@smithy/core/transport";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from "@smithy/types";

/** Where a bucket's objects are: `{protocol}//{hostname}:{port}{pathPrefix}/{key}`. */
export interface ObjectEndpoint {
  protocol: "http:" | "https:";
  hostname: string;
  port?: number;
  /** `/bucket` with path-style addressing, empty with virtual hosts. */
  pathPrefix: string;
}

export interface EndpointConfig {
  bucket: string;
  region: string;
  /** A configured endpoint URL (`AWS_ENDPOINT_URL_S3`, an option). */
  endpoint?: string;
  forcePathStyle: boolean;
  env: Record<string, string | undefined>;
}

/** AWS's standard partition (`aws`): regions such as `eu-central-1`, `us-gov-*` and `cn-*` excluded. */
const STANDARD_REGION = /^(?:us|eu|ap|sa|ca|me|af|il|mx)-(?!gov-|iso)(?:[a-z]+-)+\d+$/;
/** A bucket name that is a single host-name label (no dots, so the wildcard certificate covers it). */
const HOST_LABEL_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * The endpoint of `config.bucket`'s objects, or `undefined` when only the SDK's endpoint rules
 * can tell (see the module notes).
 */
export function objectEndpoint(config: EndpointConfig): ObjectEndpoint | undefined {
  const { bucket, env } = config;
  if (isTrue(env.AWS_USE_FIPS_ENDPOINT) || isTrue(env.AWS_USE_DUALSTACK_ENDPOINT)) return undefined;
  if (config.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(config.endpoint);
    } catch {
      return undefined;
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.username !== "") {
      return undefined;
    }
    const base = url.pathname.replace(/\/+$/, "");
    const port = url.port === "" ? {} : { port: Number(url.port) };
    if (config.forcePathStyle) {
      return { protocol: url.protocol, hostname: url.hostname, ...port, pathPrefix: `${base}/${bucket}` };
    }
    if (!HOST_LABEL_BUCKET.test(bucket) || base !== "") return undefined;
    return { protocol: url.protocol, hostname: `${bucket}.${url.hostname}`, ...port, pathPrefix: "" };
  }
  if (config.forcePathStyle || !STANDARD_REGION.test(config.region) || !HOST_LABEL_BUCKET.test(bucket)) {
    return undefined;
  }
  return { protocol: "https:", hostname: `${bucket}.s3.${config.region}.amazonaws.com`, pathPrefix: "" };
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === "true";
}

/** An object key as a URL path: each segment percent-encoded as S3 expects (RFC 3986 unreserved kept). */
export function keyPath(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
}

/** A failed answer in the SDK's shape: `name` the S3 error code, `$metadata.httpStatusCode`. */
export class S3AnswerError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(status: number, code: string | undefined, message: string) {
    super(message);
    this.name = code ?? `HTTP${status}`;
    this.$metadata = { httpStatusCode: status };
  }
}

/** The error an answer's status and body (S3's XML `<Error>`) state; HEAD answers have no body. */
export function answerError(status: number, body: string): S3AnswerError {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? (status === 404 ? "NotFound" : undefined);
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? `HTTP ${status}`;
  return new S3AnswerError(status, code, message);
}

/** True when an answer says the bucket is in another region than the request was signed for. */
export function isRegionRedirect(error: S3AnswerError): boolean {
  const status = error.$metadata.httpStatusCode;
  return (
    status === 301 || status === 307 || (status === 400 && error.name === "AuthorizationHeaderMalformed")
  );
}

/** Node's SHA-256 and HMAC-SHA-256 in the signer's interface. */
class NodeSha256 implements Checksum {
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
  reset(): void {
    throw new Error("NodeSha256 is used once");
  }
}

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === "string") return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface DirectAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body of a GET; empty for HEAD and PUT. */
  bytes: Uint8Array;
}

export interface DirectRequest {
  method: "GET" | "HEAD" | "PUT";
  key: string;
  headers?: Record<string, string | undefined>;
  body?: Uint8Array;
}

/** What signs direct requests: fixed keys, or the SDK's credential chain (which refreshes them). */
export type DirectCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** Sends object requests to one endpoint, signed when given credentials. */
export class DirectObjects {
  readonly #endpoint: ObjectEndpoint;
  readonly #handler: NodeHttpHandler;
  readonly #signer: SignatureV4 | undefined;
  readonly #host: string;

  constructor(
    endpoint: ObjectEndpoint,
    handler: NodeHttpHandler,
    region: string,
    credentials: DirectCredentials | undefined,
  ) {
    this.#endpoint = endpoint;
    this.#handler = handler;
    this.#host = endpoint.port === undefined ? endpoint.hostname : `${endpoint.hostname}:${endpoint.port}`;
    this.#signer =
      credentials === undefined
        ? undefined
        : new SignatureV4({ credentials, region, service: "s3", sha256: NodeSha256, uriEscapePath: false });
  }

  /** Sends `request`; an answer of 300 or more is thrown as an {@link S3AnswerError}. */
  async send(request: DirectRequest): Promise<DirectAnswer> {
    const headers: Record<string, string> = { host: this.#host };
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value !== undefined) headers[name] = value;
    }
    if (request.body !== undefined) headers["content-length"] = String(request.body.byteLength);
    const { port } = this.#endpoint;
    let http = new HttpRequest({
      method: request.method,
      protocol: this.#endpoint.protocol,
      hostname: this.#endpoint.hostname,
      ...(port === undefined ? {} : { port }),
      path: `${this.#endpoint.pathPrefix}/${keyPath(request.key)}`,
      headers,
      body: request.body,
    });
    if (this.#signer) http = (await this.#signer.sign(http)) as HttpRequest;
    const { response } = await this.#handler.handle(http);
    const body = response.body as IncomingMessage | undefined;
    const bytes = request.method === "GET" || response.statusCode >= 300 ? await collect(body) : drain(body);
    if (response.statusCode >= 300) {
      throw answerError(response.statusCode, new TextDecoder().decode(bytes));
    }
    return { status: response.statusCode, headers: response.headers, bytes };
  }
}

/** A body's bytes in one fresh buffer (never a slice of Node's shared pool). */
async function collect(body: IncomingMessage | undefined): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** Lets the socket go back to the pool: an answer without a body to read still has to be consumed. */
function drain(body: IncomingMessage | undefined): Uint8Array {
  body?.resume();
  return new Uint8Array();
}
