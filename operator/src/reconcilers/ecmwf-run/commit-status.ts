/**
 * Where an EcmwfRun's commit stands, from its members' Job and its commit Job and pods: the step
 * the run's phase and conditions wait for (`common/progress.ts`), the `Committed` condition, and
 * `status.ensemble` / `status.collection` from the report the commit pod left in its termination
 * message (`api/commit-report.ts`). Pure.
 *
 * Notes:
 * - Before the commit pod has reported, URLs come from the members' contract: the ensemble store
 *   is `{output}/{YYYYMMDD}/{HH}z/ensemble.{format}`, the collection the contract's URL.
 * - A commit Job that ended without a readable report (its pod killed) is judged by the Job alone:
 *   Complete means both parts were done (the pod exits 0 only then), Failed that they were not.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import {
  type CollectionStatus,
  type CommitPhase,
  type CommitReport,
  type Condition,
  ConditionType,
  type EnsembleStatus,
  ensembleStoreKey,
  layoutWrites,
  Reason,
  type RunJobSpec,
  underRoot,
} from "../../../../job-image/src/api/index.js";
import { jobEnd, newestFirst, podCommitReport, podFailure } from "../common/job-state.js";
import { type FinalStep, failedNames, type JobProgress } from "../common/progress.js";

/** The commit Job of a run as observed (see `common/gather-job.ts`). */
export interface CommitWorld {
  job?: V1Job;
  foreignJob?: V1Job;
  pods: readonly V1Pod[];
}

/** The commit as the run's status shows it: its step, or why there is none (no member succeeded). */
export type Commit =
  | (FinalStep & { contract: RunJobSpec; report?: CommitReport })
  | { state: "nothing"; contract: RunJobSpec; reason: Reason; message: string };

/**
 * Where the commit of the members of `contract` stands: `progress` is the members' Job's, `name`
 * the commit Job's name.
 */
export function commitOf(
  contract: RunJobSpec,
  progress: JobProgress,
  world: CommitWorld,
  name: string,
): Commit {
  const what = commitWork(contract);
  const { job } = world;
  if (!progress.end) {
    return {
      contract,
      state: "pending",
      reason: Reason.CommitPending,
      message: `the commit (${what}) waits for Job ${progress.job?.metadata?.name} to end`,
    };
  }
  if (progress.completed.size === 0) {
    return {
      contract,
      state: "nothing",
      reason: Reason.NothingToCommit,
      message: "no member succeeded: nothing to commit",
    };
  }
  if (!job) {
    return {
      contract,
      state: "pending",
      reason: Reason.CommitPending,
      message: world.foreignJob
        ? `Job ${name} belongs to another object: the commit waits for it to go`
        : `Job ${name} is about to commit the members' parts`,
    };
  }
  const end = jobEnd(job);
  // The last attempt speaks for the commit: its report, or how its pod ended.
  const [last] = newestFirst(world.pods);
  const report = last && podCommitReport(last);
  const base = { contract, jobName: name, ...(report ? { report } : {}) };
  if (!end) {
    return job.spec?.suspend === true
      ? {
          ...base,
          state: "queued",
          reason: Reason.JobQueued,
          message: `Job ${name} waits for admission by its queue`,
        }
      : { ...base, state: "running", reason: Reason.CommitRunning, message: `Job ${name} commits ${what}` };
  }
  if (end.outcome === "Complete") {
    return {
      ...base,
      state: "succeeded",
      reason: Reason.CommitSucceeded,
      message: done(contract, report),
      time: end.time,
    };
  }
  const why =
    (report && reportFailure(report)) ??
    (last && podFailure(last)?.message) ??
    ([end.reason, end.message].filter(Boolean).join(": ") || "the commit Job failed");
  return {
    ...base,
    state: "failed",
    reason: Reason.CommitFailed,
    message: `Job ${name}: ${why}`,
    time: end.time,
  };
}

/** The step the run's phase and conditions wait for; none when there is nothing to commit. */
export function commitStep(commit: Commit | undefined): FinalStep | undefined {
  return commit && commit.state !== "nothing" ? commit : undefined;
}

/** The `Committed` condition of a run with a commit. */
export function committedCondition(
  commit: Commit,
): Omit<Condition, "lastTransitionTime" | "observedGeneration"> {
  const status =
    commit.state === "succeeded"
      ? "True"
      : commit.state === "failed" || commit.state === "nothing"
        ? "False"
        : "Unknown";
  return { type: ConditionType.Committed, status, reason: commit.reason, message: commit.message };
}

/** `status.ensemble`, when the members' layout asks for an ensemble store. */
export function ensembleStatus(commit: Commit, progress: JobProgress): EnsembleStatus | undefined {
  const { contract } = commit;
  if (!layoutWrites(contract.layout).ensemble) return undefined;
  const part = reportOf(commit)?.ensemble;
  const failed = part?.failed ?? (commit.state === "succeeded" ? failedNames(progress) : []);
  return {
    url: part?.url ?? underRoot(contract.output, ensembleStoreKey(contract.run, contract.format)),
    phase: part ? (part.status === "failed" ? "Failed" : "Succeeded") : commitPhase(commit),
    ...(failed.length > 0 ? { failedMembers: failed } : {}),
    ...(part ? { message: part.message ?? part.status } : partMessage(commit)),
  };
}

/** `status.collection`, when the members' contract names a collection. */
export function collectionStatus(commit: Commit): CollectionStatus | undefined {
  const { contract } = commit;
  if (!contract.collection) return undefined;
  const part = reportOf(commit)?.collection;
  return {
    url: part?.url ?? contract.collection.url,
    phase: part ? (part.status === "failed" ? "Failed" : "Succeeded") : commitPhase(commit),
    ...(part?.slot !== undefined ? { slot: part.slot } : {}),
    ...(part?.slots !== undefined ? { slots: part.slots } : {}),
    ...(part
      ? { message: part.message ? `${part.status}: ${part.message}` : part.status }
      : partMessage(commit)),
  };
}

/** What the commit writes, for messages. */
function commitWork(contract: RunJobSpec): string {
  const parts = [
    ...(layoutWrites(contract.layout).ensemble ? ["the ensemble store"] : []),
    ...(contract.collection ? ["the collection append"] : []),
  ];
  return parts.join(" and ");
}

/** The report of an ended commit (an earlier attempt's report says nothing about a running one). */
function reportOf(commit: Commit): CommitReport | undefined {
  return commit.state === "succeeded" || commit.state === "failed" ? commit.report : undefined;
}

function commitPhase(commit: Commit): CommitPhase {
  switch (commit.state) {
    case "pending":
    case "queued":
      return "Pending";
    case "running":
      return "Running";
    case "succeeded":
      return "Succeeded";
    default:
      return "Failed";
  }
}

/** A part's message when the commit pod did not report on it: why it failed, if it did. */
function partMessage(commit: Commit): { message?: string } {
  return commit.state === "failed" || commit.state === "nothing" ? { message: commit.message } : {};
}

/** What a succeeded commit wrote: `ensemble s3://…/ensemble.parquet written; collection s3://… appended, slot 3 of 4`. */
function done(contract: RunJobSpec, report: CommitReport | undefined): string {
  const { ensemble: e, collection: c } = report ?? {};
  const lines = [
    ...(e
      ? [`ensemble ${e.url} ${e.status}${e.failed.length > 0 ? ` without ${e.failed.join(", ")}` : ""}`]
      : []),
    ...(c
      ? [`collection ${c.url} ${c.status}${c.slot !== undefined ? `, slot ${c.slot} of ${c.slots}` : ""}`]
      : []),
  ];
  return lines.length > 0 ? lines.join("; ") : `${commitWork(contract)} done`;
}

/** Why a reported commit failed: its parts' errors, or the error it stopped on. */
function reportFailure(report: CommitReport): string | undefined {
  const parts = [
    ...(report.ensemble?.status === "failed" ? [`ensemble: ${report.ensemble.message ?? "failed"}`] : []),
    ...(report.collection?.status === "failed"
      ? [`collection: ${report.collection.message ?? "failed"}`]
      : []),
    ...(report.message ? [`${report.reason ?? "Error"}: ${report.message}`] : []),
  ];
  return parts.length > 0 ? parts.join("; ") : undefined;
}
