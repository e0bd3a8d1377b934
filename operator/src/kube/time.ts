/**
 * Times as the Kubernetes API writes them. `metav1.Time` is RFC 3339 with whole seconds; objects
 * listed through client-node's typed APIs carry `Date`s while watched objects carry strings, so
 * every time read from a Job or Pod goes through {@link timeString}.
 *
 * @module
 */

/** `2025-01-01T00:00:05Z`: RFC 3339, whole seconds, UTC. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** A time from the API (a `Date` or an RFC 3339 string) as an RFC 3339 string with whole seconds. */
export function timeString(value: Date | string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? undefined : rfc3339(date);
}
