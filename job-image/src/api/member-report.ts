/**
 * What a member pod of an EcmwfRun's Job says about the members of its share when it ends, in its
 * termination message (`termination-message.ts`). The operator falls back to the Job's verdict for
 * a pod that could not report (killed, evicted).
 *
 * Notes:
 * - A member's store URL is not in the report: the operator knows it from the contract, and the
 *   URLs of a share of 51 members would not fit in the message's 4 KiB.
 *
 * @module
 */
import {
  asRecord,
  cutText,
  encodeWithinLimit,
  numberField,
  parseReportObject,
  stringField,
} from "./termination-message.js";

export interface MemberReport {
  kind: "gik-member-report";
  /** One entry per member of the pod's share, in the contract's order. */
  members: MemberResult[];
  startTime: string;
  completionTime: string;
}

/** What became of one member. */
export interface MemberResult {
  member: string;
  phase: "Succeeded" | "Failed";
  /** References written (0 when the store was already up to date). */
  refs?: number;
  /** The error's tag (`StructureDriftError`, …) when the member failed. */
  reason?: string;
  message?: string;
}

/** The JSON of `report`, within the termination message's limit (its messages are cut to fit). */
export function encodeMemberReport(report: MemberReport): string {
  return encodeWithinLimit(
    (keep) => ({
      ...report,
      members: report.members.map((m) => ({ ...m, ...stringField("message", cutText(m.message, keep)) })),
    }),
    Math.max(0, ...report.members.map((m) => m.message?.length ?? 0)),
  );
}

/** The report in a termination message, or `undefined` when the message is something else. */
export function parseMemberReport(text: string | undefined): MemberReport | undefined {
  const r = parseReportObject(text, "gik-member-report");
  if (
    !r ||
    !Array.isArray(r.members) ||
    typeof r.startTime !== "string" ||
    typeof r.completionTime !== "string"
  )
    return undefined;
  const members: MemberResult[] = [];
  for (const value of r.members) {
    const m = asRecord(value);
    if (!m || typeof m.member !== "string" || (m.phase !== "Succeeded" && m.phase !== "Failed"))
      return undefined;
    members.push({
      member: m.member,
      phase: m.phase,
      ...numberField("refs", m.refs),
      ...stringField("reason", m.reason),
      ...stringField("message", m.message),
    });
  }
  return { kind: "gik-member-report", members, startTime: r.startTime, completionTime: r.completionTime };
}
