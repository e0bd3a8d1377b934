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
  encodeWithinLimit,
  messageCut,
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

/**
 * The JSON of `report`, within the termination message's limit: a failure several members share
 * (a whole share past its deadline, or unable to read its templates) is written once, as
 * `failure`, and its messages are cut to fit.
 */
export function encodeMemberReport(report: MemberReport): string {
  const shared = sharedFailure(report.members);
  const members = report.members.map((m) =>
    shared && m.phase === "Failed" && m.reason === shared.reason && m.message === shared.message
      ? { member: m.member, phase: m.phase }
      : m,
  );
  return encodeWithinLimit(
    (keep) => ({
      kind: report.kind,
      ...(shared ? { failure: messageCut(shared, keep) } : {}),
      members: members.map((m) => messageCut(m, keep)),
      startTime: report.startTime,
      completionTime: report.completionTime,
    }),
    Math.max(0, shared?.message?.length ?? 0, ...members.map((m) => m.message?.length ?? 0)),
  );
}

/** The reason and message most failed members share, when at least two do. */
function sharedFailure(
  members: readonly MemberResult[],
): Pick<MemberResult, "reason" | "message"> | undefined {
  const counts = new Map<string, { failure: Pick<MemberResult, "reason" | "message">; n: number }>();
  for (const m of members) {
    if (m.phase !== "Failed") continue;
    const key = JSON.stringify([m.reason, m.message]);
    const seen = counts.get(key) ?? { failure: { reason: m.reason, message: m.message }, n: 0 };
    seen.n++;
    counts.set(key, seen);
  }
  const most = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  return most && most.n >= 2 ? most.failure : undefined;
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
  const shared = asRecord(r.failure);
  const members: MemberResult[] = [];
  for (const value of r.members) {
    const m = asRecord(value);
    if (!m || typeof m.member !== "string" || (m.phase !== "Succeeded" && m.phase !== "Failed"))
      return undefined;
    // A failed member without a reason of its own has the shared one.
    const own = m.phase === "Failed" && m.reason === undefined && shared ? shared : m;
    members.push({
      member: m.member,
      phase: m.phase,
      ...numberField("refs", m.refs),
      ...stringField("reason", own.reason),
      ...stringField("message", own.message),
    });
  }
  return { kind: "gik-member-report", members, startTime: r.startTime, completionTime: r.completionTime };
}
