/**
 * A pod's report to the operator: a small JSON document in its container's termination message
 * (`terminationMessagePath`), which the kubelet copies into
 * `pod.status.containerStatuses[].state.terminated.message`. The operator, which already watches
 * the pods, reads it there; a pod needs no access to the Kubernetes API at all. Two kinds exist:
 * a member pod's (`member-report.ts`) and a commit pod's (`commit-report.ts`).
 *
 * Notes:
 * - Kubernetes keeps at most {@link TERMINATION_MESSAGE_LIMIT} bytes: {@link encodeWithinLimit}
 *   cuts a report's free-text messages so the document always fits, and stays JSON.
 * - With `terminationMessagePolicy: FallbackToLogsOnError`, a pod killed before it wrote its report
 *   has the tail of its log there instead: {@link parseReportObject} returns `undefined` for
 *   anything that is not a JSON object of the expected kind.
 *
 * @module
 */

/** Where the pod writes its report (the container's `terminationMessagePath`). */
export const TERMINATION_MESSAGE_PATH = "/dev/termination-log";
/** Kubernetes' limit on one container's termination message. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

/**
 * The JSON of `build()` when it fits in {@link TERMINATION_MESSAGE_LIMIT} bytes; else of
 * `build(keep)`, whose messages are cut to `keep` characters, for the largest `keep` found that fits.
 */
export function encodeWithinLimit(build: (keep?: number) => unknown, longest: number): string {
  const text = JSON.stringify(build());
  if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_LIMIT || longest === 0) return text;
  // The largest `keep` that fits, by bisection: a report may hold many messages, and JSON escapes
  // make characters and bytes differ, so no single cut can be computed from the excess.
  let fits = 0;
  let over = longest;
  while (over - fits > 1) {
    const keep = Math.floor((fits + over) / 2);
    if (Buffer.byteLength(JSON.stringify(build(keep))) <= TERMINATION_MESSAGE_LIMIT) fits = keep;
    else over = keep;
  }
  return JSON.stringify(build(fits));
}

/** `text` cut to `keep` characters and marked (`…`), or as it is when `keep` is undefined or enough. */
export function cutText(text: string, keep: number | undefined): string;
export function cutText(text: string | undefined, keep: number | undefined): string | undefined;
export function cutText(text: string | undefined, keep: number | undefined): string | undefined {
  return text === undefined || keep === undefined || text.length <= keep ? text : `${text.slice(0, keep)}…`;
}

/** The JSON object of `text` when its `kind` is `kind`, else `undefined` (not JSON, a log tail, another kind). */
export function parseReportObject(
  text: string | undefined,
  kind: string,
): Record<string, unknown> | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = asRecord(value);
  return r?.kind === kind ? r : undefined;
}

/** `value` when it is a JSON object (not `null`, not an array), else `undefined`. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `{ [key]: value }` when `value` is a string, else `{}`: optional fields of a parsed report. */
export function stringField<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === "string" ? { [key]: value } : {}) as { [P in K]?: string };
}

/** `{ [key]: value }` when `value` is a number, else `{}`. */
export function numberField<K extends string>(key: K, value: unknown): { [P in K]?: number } {
  return (typeof value === "number" ? { [key]: value } : {}) as { [P in K]?: number };
}
