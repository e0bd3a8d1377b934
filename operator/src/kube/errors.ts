/**
 * HTTP status of a failed Kubernetes API call, read from client-node's `ApiException.code` (typed
 * APIs) or `statusCode` (watches). Errors are classified by status, never by message text.
 *
 * @module
 */

/** The HTTP status carried by `err`, if any. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === "number") return code;
  return typeof statusCode === "number" ? statusCode : undefined;
}

export const isNotFound = (err: unknown): boolean => httpStatus(err) === 404;
