/**
 * How a failed storage request is classified, so that `retry.ts` decides from data, never from
 * message text. Each backend maps its native errors (HTTP status, AWS/GCS error name, Node or undici
 * error code) into a {@link Failure} and throws a `StorageError` carrying it.
 *
 * Retryable: throttling (429, 503 `SlowDown`), server errors 500/502/503/504, and connections that
 * drop, reset or time out. Never retryable: every other 4xx (403 stays 403 however often it is asked).
 *
 * @module
 */

import { StorageError } from "../api/errors.js";

/** A failed request, classified. */
export interface Failure {
  status?: number;
  code?: string;
  retryable: boolean;
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Node, undici and AWS SDK codes of connections that failed in a way a new connection may not. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "TimeoutError",
  "RequestTimeoutException",
]);

/** Local file system codes that clear up on their own (descriptor exhaustion, busy files). */
const RETRYABLE_FS_CODES: ReadonlySet<string> = new Set(["EMFILE", "ENFILE", "EAGAIN", "EBUSY"]);

/** Classifies an HTTP answer: retryable when it is throttling or a transient server error. */
export function statusFailure(status: number, code?: string): Failure {
  return { status, ...(code === undefined ? {} : { code }), retryable: RETRYABLE_STATUSES.has(status) };
}

/** Classifies a thrown error without an HTTP answer (a dropped connection, a DNS failure, a local I/O error). */
export function thrownFailure(err: unknown, code: string | undefined = errorCode(err)): Failure {
  if (code === undefined) return { retryable: false };
  return { code, retryable: RETRYABLE_CODES.has(code) || RETRYABLE_FS_CODES.has(code) };
}

/**
 * The first string `code` on `err` or its `cause` chain: `fetch` reports `TypeError("fetch failed")`
 * with the socket's `ECONNRESET` in `cause`; Node reports it on the error itself.
 */
export function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    current = cause;
  }
  return undefined;
}

/** The `StorageError` a backend throws for `failure`. */
export function storageError(url: string, failure: Failure, reason: string, cause?: unknown): StorageError {
  const code = failure.code === undefined ? "" : ` [${failure.code}]`;
  return new StorageError(url, failure.status, `${reason}${code}`, {
    cause,
    code: failure.code,
    retryable: failure.retryable,
  });
}
