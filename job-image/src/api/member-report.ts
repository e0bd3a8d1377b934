/**
 * What a Job pod says about its member when it ends: a small JSON document in its container's
 * termination message (`terminationMessagePath`), which the kubelet copies into
 * `pod.status.containerStatuses[].state.terminated.message`. The operator, which already watches
 * the pods, reads it there; a pod needs no access to the Kubernetes API at all.
 *
 * Notes:
 * - Kubernetes keeps at most 4096 bytes of a termination message: {@link encodeMemberReport} cuts
 *   the free-text message so the document always fits, and stays JSON.
 * - With `terminationMessagePolicy: FallbackToLogsOnError`, a pod killed before it wrote its report
 *   has the tail of its log there instead: {@link parseMemberReport} returns `undefined` for
 *   anything that is not a report, and the operator falls back to the Job's verdict.
 *
 * @module
 */

/** Where the pod writes its report (the container's `terminationMessagePath`). */
export const TERMINATION_MESSAGE_PATH = "/dev/termination-log";
/** Kubernetes' limit on one container's termination message. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

export interface MemberReport {
  kind: "gik-member-report";
  member: string;
  phase: "Succeeded" | "Failed";
  /** URL of the member's store, when it has one (a run of layout `ensemble` writes none). */
  output?: string;
  /** References written (0 when the store was already up to date). */
  refs?: number;
  /** The error's tag (`StructureDriftError`, …) when the member failed. */
  reason?: string;
  message?: string;
  startTime: string;
  completionTime: string;
}

/** The JSON of `report`, within {@link TERMINATION_MESSAGE_LIMIT} bytes (the message is cut to fit). */
export function encodeMemberReport(report: MemberReport): string {
  const text = JSON.stringify(report);
  const over = Buffer.byteLength(text) - TERMINATION_MESSAGE_LIMIT;
  if (over <= 0 || report.message === undefined) return text;
  const message = report.message;
  // Cut by characters until the bytes fit: JSON escapes make the two counts differ.
  let keep = Math.max(0, message.length - over - 1);
  for (;;) {
    const cut = JSON.stringify({ ...report, message: `${message.slice(0, keep)}…` });
    if (Buffer.byteLength(cut) <= TERMINATION_MESSAGE_LIMIT || keep === 0) return cut;
    keep = Math.max(0, keep - Math.ceil((Buffer.byteLength(cut) - TERMINATION_MESSAGE_LIMIT) / 2) - 1);
  }
}

/** The report in a termination message, or `undefined` when the message is something else. */
export function parseMemberReport(text: string | undefined): MemberReport | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = value as Partial<MemberReport> | null;
  if (
    r?.kind !== "gik-member-report" ||
    typeof r.member !== "string" ||
    (r.phase !== "Succeeded" && r.phase !== "Failed") ||
    typeof r.startTime !== "string" ||
    typeof r.completionTime !== "string"
  ) {
    return undefined;
  }
  return {
    kind: r.kind,
    member: r.member,
    phase: r.phase,
    ...(typeof r.output === "string" ? { output: r.output } : {}),
    ...(typeof r.refs === "number" ? { refs: r.refs } : {}),
    ...(typeof r.reason === "string" ? { reason: r.reason } : {}),
    ...(typeof r.message === "string" ? { message: r.message } : {}),
    startTime: r.startTime,
    completionTime: r.completionTime,
  };
}
