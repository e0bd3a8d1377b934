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
 * `build(keep)`, whose messages are cut to `keep` characters, for the largest `keep` found that
 * fits; else of `build(-1)`, which leaves the messages out.
 */
export function encodeWithinLimit(build: (keep?: number) => unknown, longest: number): string {
  const text = JSON.stringify(build());
  if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_LIMIT || longest === 0) return text;
  // The largest `keep` that fits, by bisection: a report may hold many messages, and JSON escapes
  // make characters and bytes differ, so no single cut can be computed from the excess.
  const fitting = (keep: number) => {
    const cut = JSON.stringify(build(keep));
    return Buffer.byteLength(cut) <= TERMINATION_MESSAGE_LIMIT ? cut : undefined;
  };
  let fits = 0;
  let over = longest;
  while (over - fits > 1) {
    const keep = Math.floor((fits + over) / 2);
    if (fitting(keep) !== undefined) fits = keep;
    else over = keep;
  }
  // Messages cut to nothing still too long (many members, each failed its own way): none at all.
  return fitting(fits) ?? JSON.stringify(build(-1));
}

/**
 * `text` cut to `keep` characters and marked (`…`), as it is when `keep` is undefined or enough,
 * or left out (`undefined`) when `keep` is negative.
 */
export function cutText(text: string | undefined, keep: number | undefined): string | undefined {
  if (text === undefined || keep === undefined || text.length <= keep) return text;
  return keep < 0 ? undefined : `${text.slice(0, keep)}…`;
}

/** `x` with its message cut to `keep` characters (see {@link cutText}): what a report's `build(keep)` writes. */
export function messageCut<T extends { message?: string }>(x: T, keep: number | undefined): T {
  const { message, ...rest } = x;
  const cut = cutText(message, keep);
  return (cut === undefined ? rest : { ...rest, message: cut }) as T;
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
