/**
 * Where each member of an EcmwfRun stands, from its Job's progress in shares (one completion index
 * maps `membersPerPod` members, `api/job-spec.ts`) and the reports its pods left. Pure.
 *
 * Notes:
 * - A share's index completed: each of its members succeeded.
 * - A share's index failed: a member the share's last report says succeeded did (its store is
 *   published, or its part left for the commit), when that report names the failure; the others
 *   failed. The pods of an ended Job may be gone before it (deleted with their node): then a
 *   member keeps the success the previous status recorded.
 * - A share still in play: each of its members is where the share's newest pod is.
 * - The result is in members (`names[i]` is member `i`), so the conditions, the source and the
 *   commit read it as they would read a Job of one member per index.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import {
  layoutWrites,
  type MemberPhase,
  type MemberResult,
  type MemberStatus,
  type RunJobSpec,
  shareCount,
  shareOf,
  storeKey,
  underRoot,
} from "../../../../job-image/src/api/index.js";
import { latestFailure, newestFirst, podIndex, podReport } from "../common/job-state.js";
import { type JobProgress, jobProgress } from "../common/progress.js";

/** The run's progress and status entries, in members. */
export interface MemberProgress {
  progress: JobProgress;
  members: Record<string, MemberStatus>;
}

/**
 * The members' progress of `job` (made from `spec`, or, before the Job exists, to map `names`) and
 * an entry for every member the Job or its pods say something about; `previous` is the status's
 * last word on each member.
 */
export function memberProgress(
  job: V1Job | undefined,
  pods: readonly V1Pod[],
  spec: RunJobSpec | undefined,
  names: readonly string[],
  previous: Readonly<Record<string, MemberStatus>> = {},
): MemberProgress {
  // Without a readable contract, the Job's own count of indexes tells the shares.
  const completions = job?.spec?.completions;
  const membersPerPod = spec?.membersPerPod ?? (completions ? Math.ceil(names.length / completions) : 1);
  const shares = { members: [...names], membersPerPod };
  const byShare = jobProgress(
    job,
    Array.from({ length: shareCount(shares) }, (_, i) => `index ${i}`),
    "members",
  );
  const podsOf = new Map<number, V1Pod[]>();
  for (const pod of pods) {
    const index = podIndex(pod);
    if (index !== undefined) podsOf.set(index, [...(podsOf.get(index) ?? []), pod]);
  }
  // Ordered once per share, not once per member of it.
  for (const [index, list] of podsOf) podsOf.set(index, newestFirst(list));
  const members: Record<string, MemberStatus> = {};
  const completed = new Set<number>();
  const failed = new Set<number>();
  names.forEach((name, position) => {
    const index = shareOf(shares, position);
    const entry = memberStatus(name, index, byShare, podsOf.get(index) ?? [], spec, previous[name]);
    if (!entry) return;
    members[name] = entry;
    if (byShare.completed.has(index) || (byShare.failed.has(index) && entry.phase === "Succeeded"))
      completed.add(position);
    else if (byShare.failed.has(index)) failed.add(position);
  });
  return { progress: { ...byShare, names, completed, failed }, members };
}

function memberStatus(
  name: string,
  index: number,
  shares: JobProgress,
  pods: readonly V1Pod[],
  spec: RunJobSpec | undefined,
  previous: MemberStatus | undefined,
): MemberStatus | undefined {
  const succeeded = (said?: {
    report: { startTime: string; completionTime: string };
    result: MemberResult;
  }) => ({
    startTime: said?.report.startTime,
    completionTime: said?.report.completionTime,
    phase: "Succeeded" as const,
    output: storeUrl(spec, name),
    refs: said?.result.refs,
    message: said?.result.message,
  });
  if (shares.completed.has(index)) return succeeded(lastSaid(pods.filter(isSucceeded), name));
  // The last attempt's end says why a member failed, or why it waits for its retry.
  const failure = latestFailure(pods, name);
  const why = failure && {
    reason: failure.reason,
    message: failure.message,
    startTime: failure.startedAt,
    completionTime: failure.time,
  };
  if (shares.failed.has(index)) {
    const said = lastSaid(pods, name);
    if (said?.result.phase === "Succeeded" && said.report.members.some((m) => m.phase === "Failed"))
      return succeeded(said);
    if (!said && previous?.phase === "Succeeded") return previous;
    return { phase: "Failed", ...why, message: why?.message ?? "failed" };
  }
  const phase = livePhase(pods);
  if (phase === undefined) return undefined;
  return phase === "Pending" && why ? { phase, reason: why.reason, message: why.message } : { phase };
}

function isSucceeded(pod: V1Pod): boolean {
  return pod.status?.phase === "Succeeded";
}

/** What the newest of `pods` that reported on `member` said of it. */
function lastSaid(pods: readonly V1Pod[], member: string) {
  for (const pod of pods) {
    const report = podReport(pod);
    const result = report?.members.find((m) => m.member === member);
    if (report && result) return { report, result };
  }
  return undefined;
}

/** A member still in play: what its share's newest pod is doing (a failed pod means a retry is due). */
function livePhase(pods: readonly V1Pod[]): MemberPhase | undefined {
  switch (pods[0]?.status?.phase) {
    case undefined:
      return undefined;
    case "Running":
      return "Running";
    case "Succeeded":
      return "Succeeded";
    default:
      return "Pending";
  }
}

/** The member's store under the contract's output (DESIGN.md, output contract), when it writes one. */
function storeUrl(spec: RunJobSpec | undefined, member: string): string | undefined {
  if (!spec || !layoutWrites(spec.layout).members) return undefined;
  return underRoot(spec.output, storeKey(spec.run, member, spec.format));
}
