/**
 * What a member pod of an EcmwfRun's Job says about its member when it ends, in its termination
 * message (`termination-message.ts`). The operator falls back to the Job's verdict for a pod that
 * could not report (killed, evicted).
 *
 * @module
 */
import {
  cutText,
  encodeWithinLimit,
  numberField,
  parseReportObject,
  stringField,
} from "./termination-message.js";

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

/** The JSON of `report`, within the termination message's limit (the message is cut to fit). */
export function encodeMemberReport(report: MemberReport): string {
  return encodeWithinLimit(
    (keep) => ({ ...report, ...stringField("message", cutText(report.message, keep)) }),
    report.message?.length ?? 0,
  );
}

/** The report in a termination message, or `undefined` when the message is something else. */
export function parseMemberReport(text: string | undefined): MemberReport | undefined {
  const r = parseReportObject(text, "gik-member-report");
  if (
    !r ||
    typeof r.member !== "string" ||
    (r.phase !== "Succeeded" && r.phase !== "Failed") ||
    typeof r.startTime !== "string" ||
    typeof r.completionTime !== "string"
  ) {
    return undefined;
  }
  return {
    kind: "gik-member-report",
    member: r.member,
    phase: r.phase,
    ...stringField("output", r.output),
    ...numberField("refs", r.refs),
    ...stringField("reason", r.reason),
    ...stringField("message", r.message),
    startTime: r.startTime,
    completionTime: r.completionTime,
  };
}
