/**
 * The status of an EcmwfRun, computed from its Job, the Job's pods and the checks' verdict.
 *
 * Notes:
 * - Phase, counts and times come from the Job (`completedIndexes`, `failedIndexes`, conditions),
 *   never from the previous phase.
 * - `status.members` entries are written by the job pods (`job-image/src/job/report-status.ts`):
 *   they are kept, and the controller sets each entry's `phase` from the Job and pods. For a member
 *   whose pod could not report (killed, evicted), it fills in what the pod's end says, and the
 *   store URL the contract gives (`{out}/{YYYYMMDD}/{HH}z/{member}.{format}`) once it succeeded.
 * - Fields that are not known are `undefined`; the status write drops them (JSON).
 * - Member names come from the Job's own `--members` (the index → member mapping it runs with),
 *   falling back to the spec before the Job exists.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { type Condition, ConditionType, Reason, setCondition } from "../../api/conditions.js";
import { timeString } from "../../api/time.js";
import type { EcmwfRun, EcmwfRunStatus, MemberPhase, MemberStatus } from "../../api/types.js";
import { specMembers } from "../../api/validate.js";
import { jobArg, latestFailure, type PodFailure, podIndex } from "../common/job-state.js";
import {
  failedNames,
  type JobProgress,
  jobPhase,
  jobProgress,
  progressConditions,
} from "../common/progress.js";
import type { RunVerdict } from "./checks.js";

/** The status `run` should have, given what is observed. Pure. */
export function computeRunStatus(
  run: EcmwfRun,
  job: V1Job | undefined,
  pods: readonly V1Pod[],
  verdict: RunVerdict,
  now: Date,
): EcmwfRunStatus {
  const names = (job && jobArg(job, "--members")?.split(",")) || specMembers(run.spec);
  const progress = jobProgress(job, names, "members");
  const generation = run.metadata.generation;
  const members = memberStatuses(run.status?.members ?? {}, progress, pods);
  const conditions = setCondition(
    progressConditions(run.status?.conditions, verdict, progress, generation, now),
    templatesCondition(verdict),
    generation,
    now,
  );
  return {
    phase: jobPhase(progress),
    observedGeneration: generation,
    conditions,
    members: Object.keys(members).length > 0 ? members : undefined,
    completedMembers: progress.completed.size,
    failedMembers: progress.failed.size,
    failedMemberNames: failedNames(progress),
    totalMembers: names.length,
    startTime: timeString(job?.status?.startTime),
    completionTime: progress.end?.time,
    jobName: job?.metadata?.name,
  };
}

function templatesCondition(
  verdict: RunVerdict,
): Omit<Condition, "lastTransitionTime" | "observedGeneration"> {
  const type = ConditionType.TemplatesReady;
  switch (verdict.kind) {
    case "go":
      return { type, status: "True", reason: verdict.reason, message: verdict.message };
    case "wait":
      return {
        type,
        status: verdict.reason === Reason.JobNotOwned ? "Unknown" : "False",
        reason: verdict.reason,
        message: verdict.message,
      };
    case "stalled":
      return { type, status: "Unknown", reason: Reason.InvalidSpec, message: "the spec cannot be acted on" };
  }
}

/** Every reported entry, plus entries for members the Job or its pods say something about. */
function memberStatuses(
  reports: Readonly<Record<string, MemberStatus>>,
  p: JobProgress,
  pods: readonly V1Pod[],
): Record<string, MemberStatus> {
  const byIndex = new Map<number, V1Pod[]>();
  for (const pod of pods) {
    const index = podIndex(pod);
    if (index !== undefined) byIndex.set(index, [...(byIndex.get(index) ?? []), pod]);
  }
  const out: Record<string, MemberStatus> = { ...reports };
  p.names.forEach((name, index) => {
    const entry = memberStatus(reports[name], index, p, byIndex.get(index) ?? []);
    if (entry) out[name] = entry;
  });
  return out;
}

function memberStatus(
  report: MemberStatus | undefined,
  index: number,
  p: JobProgress,
  pods: readonly V1Pod[],
): MemberStatus | undefined {
  if (p.completed.has(index)) {
    return { ...report, phase: "Succeeded", output: report?.output ?? storeUrl(p.job, p.names[index]!) };
  }
  if (p.failed.has(index)) {
    const failure = latestFailure(pods);
    if (reportsFailure(report, failure)) return { ...report, phase: "Failed" };
    return {
      ...report,
      phase: "Failed",
      message: failure?.message ?? "failed",
      reason: failure?.reason ?? report?.reason,
      completionTime: failure?.time ?? report?.completionTime,
    };
  }
  const phase = livePhase(pods);
  if (phase === undefined) return report;
  return { ...report, phase };
}

/**
 * Whether `report` is the pod's own account of the member's last failure, which says more than
 * the pod's exit: it was reported as failed, or it carries a message and ended after the last
 * failed pod started. The second case matters because a pod reports its failure just before it
 * exits, and until the Job decides on the index the controller shows such a member as `Pending`
 * (a retry may be due); an outcome that ended before that pod started is an earlier attempt's.
 */
function reportsFailure(report: MemberStatus | undefined, failure: PodFailure | undefined): boolean {
  if (!report?.message) return false;
  if (report.phase === "Failed") return true;
  const ended = Date.parse(report.completionTime ?? "");
  const started = Date.parse(failure?.startedAt ?? "");
  return ended >= started;
}

/** A member still in play: what its newest pod is doing (a failed pod means a retry is due). */
function livePhase(pods: readonly V1Pod[]): MemberPhase | undefined {
  const newest = [...pods]
    .sort((a, b) =>
      (timeString(a.metadata?.creationTimestamp) ?? "").localeCompare(
        timeString(b.metadata?.creationTimestamp) ?? "",
      ),
    )
    .at(-1);
  switch (newest?.status?.phase) {
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

/** `{out}/{YYYYMMDD}/{HH}z/{member}.{format}` from the Job's args (DESIGN.md, output contract). */
function storeUrl(job: V1Job | undefined, member: string): string | undefined {
  const [out, date, cycle, format] = ["--out", "--date", "--cycle", "--format"].map(
    (f) => job && jobArg(job, f),
  );
  if (!out || !date || !cycle || !format) return undefined;
  return `${out.replace(/\/+$/, "")}/${date}/${cycle.padStart(2, "0")}z/${member}.${format}`;
}
