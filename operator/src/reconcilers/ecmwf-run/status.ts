/**
 * The status of an EcmwfRun, computed from its Job, the Job's pods and the checks' verdict.
 *
 * Notes:
 * - Phase, counts and times come from the Job (`completedIndexes`, `failedIndexes`, conditions) and
 *   its pods' reports, never from the previous phase.
 * - Each `status.members` entry is rebuilt from the pods of the member's share (`member-status.ts`):
 *   its phase from the Job and the newest pod, the rest from the report the pod left in its
 *   termination message (`api/member-report.ts`). For a member whose pod could not report (killed,
 *   evicted) it is what the pod's end says, and, once the Job counts it done, the store URL of the
 *   contract.
 * - Fields that are not known are `undefined`; the status write drops them (JSON).
 * - Member names and store URLs come from the contract the Job was made with (the index → member
 *   mapping it runs with), falling back to the spec before the Job exists.
 * - A run that needs a commit (`commit-status.ts`) is Running until its commit Job has ended, then
 *   Succeeded or PartiallySucceeded as its members were, or Failed if the commit failed.
 * - `Queued`: the Job in play (the members', then the commit's) is suspended by its queue.
 * - `SourceAvailable` and `status.source`: how much of the run ECMWF has published
 *   (`source-status.ts`); a run that failed for files missing at its deadline has `Failed` with
 *   reason `SourceNotPublished`.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import {
  type Condition,
  ConditionType,
  type EcmwfRun,
  type EcmwfRunStatus,
  needsCommit,
  Reason,
  type SourceProgress,
  specMembers,
} from "../../../../job-image/src/api/index.js";
import { timeString } from "../../kube/time.js";
import { findCondition, setCondition } from "../common/conditions.js";
import { jobSpecOf } from "../common/job-state.js";
import {
  failedNames,
  type JobProgress,
  jobPhase,
  progressConditions,
  workEnded,
} from "../common/progress.js";
import type { RunVerdict } from "./checks.js";
import {
  type CommitWorld,
  collectionStatus,
  commitOf,
  commitStep,
  committedCondition,
  ensembleStatus,
} from "./commit-status.js";
import { commitJobName } from "./desired-commit-job.js";
import { memberProgress } from "./member-status.js";
import { type SourceState, sourceState } from "./source-status.js";

/**
 * The status `run` should have, given what is observed (`commit`: its commit Job and pods;
 * `reported`: the newest source record of a running member pod, when one was read). Pure.
 */
export function computeRunStatus(
  run: EcmwfRun,
  job: V1Job | undefined,
  pods: readonly V1Pod[],
  verdict: RunVerdict,
  now: Date,
  commitWorld: CommitWorld = { pods: [] },
  reported?: SourceProgress,
): EcmwfRunStatus {
  const contract = job && jobSpecOf(job);
  const spec = contract?.kind === "EcmwfRun" ? contract : undefined;
  const names = spec?.members ?? specMembers(run.spec);
  const { progress, members } = memberProgress(job, pods, spec, names, run.status?.members);
  const generation = run.metadata.generation;
  const commit =
    spec && needsCommit(spec) ? commitOf(spec, progress, commitWorld, commitJobName(run)) : undefined;
  const step = commitStep(commit);
  const source = sourceState(run, spec, progress, members, reported);
  const set = (list: Condition[], cond: Omit<Condition, "lastTransitionTime" | "observedGeneration">) =>
    setCondition(list, cond, generation, now);
  const conditions = [
    templatesCondition(verdict),
    source.condition,
    ...(commit ? [committedCondition(commit)] : []),
  ].reduce(set, progressConditions(run.status?.conditions, verdict, progress, generation, now, step));
  const notPublished = notPublishedFailure(conditions, source, progress);
  const queued = (!progress.end && progress.suspended) || step?.state === "queued";
  return {
    phase: queued ? "Queued" : jobPhase(progress, step),
    observedGeneration: generation,
    conditions: notPublished ? set(conditions, notPublished) : conditions,
    members: Object.keys(members).length > 0 ? members : undefined,
    completedMembers: progress.completed.size,
    failedMembers: progress.failed.size,
    failedMemberNames: failedNames(progress),
    totalMembers: names.length,
    startTime: timeString(job?.status?.startTime),
    completionTime: workEnded(progress, step) ? (step?.time ?? progress.end?.time) : undefined,
    jobName: job?.metadata?.name,
    commitJobName: commitWorld.job?.metadata?.name,
    ensemble: commit && ensembleStatus(commit, progress),
    collection: commit && collectionStatus(commit),
    source: source.source,
  };
}

/**
 * A run failed because ECMWF had not published it by its deadline says so in its `Failed`
 * condition, with the files missing, rather than only naming the members that failed.
 */
function notPublishedFailure(
  conditions: readonly Condition[],
  source: SourceState,
  p: JobProgress,
): Omit<Condition, "lastTransitionTime" | "observedGeneration"> | undefined {
  const failed = findCondition(conditions, ConditionType.Failed);
  if (failed?.status !== "True" || source.condition.reason !== Reason.SourceNotPublished) return undefined;
  return {
    type: ConditionType.Failed,
    status: "True",
    reason: Reason.SourceNotPublished,
    message: `${source.condition.message}; failed ${p.noun}: ${failedNames(p).join(", ")}`,
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
