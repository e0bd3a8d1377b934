/**
 * Phase and the common conditions (`Stalled`, `Progressing`, `Succeeded`, `Failed`) of an object
 * whose work is one Indexed Job, and possibly a {@link FinalStep} after it (an EcmwfRun's commit),
 * derived from what is observed alone — never from the previous status (whose conditions are read
 * only to keep their `lastTransitionTime`).
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import { type Condition, ConditionType, Reason } from "../../../../job-image/src/api/index.js";
import type { Verdict } from "./checks.js";
import { setCondition } from "./conditions.js";
import { type JobEnd, jobEnd, parseIndexes, queueManaged } from "./job-state.js";

/** Where the Job stands, in the owner's terms (`names[i]` is what index `i` works on). */
export interface JobProgress {
  job?: V1Job;
  end?: JobEnd;
  names: readonly string[];
  completed: ReadonlySet<number>;
  failed: ReadonlySet<number>;
  /** `members` or `shards`, for messages. */
  noun: string;
  /** The Job is suspended (by a queue, Kueue): not started, or stopped until admitted again. */
  suspended: boolean;
}

/**
 * A step of the work after the Job (an EcmwfRun's commit, a second Job): the object is over only
 * when the step is, and failed if it failed. `reason` and `message` say where it stands while it is
 * under way, and why it failed.
 */
export interface FinalStep {
  state: "pending" | "queued" | "running" | "succeeded" | "failed";
  /** The step's Job, once made. */
  jobName?: string;
  reason: Reason;
  message: string;
  /** When it ended. */
  time?: string;
}

export type JobPhase = "Pending" | "Running" | "Succeeded" | "PartiallySucceeded" | "Failed";

/** The progress of `job` over `names` (indexes beyond `names` are ignored). */
export function jobProgress(job: V1Job | undefined, names: readonly string[], noun: string): JobProgress {
  const inRange = (text: string | undefined) =>
    new Set([...parseIndexes(text)].filter((i) => i < names.length));
  return {
    job,
    end: job ? jobEnd(job) : undefined,
    names,
    completed: inRange(job?.status?.completedIndexes),
    failed: inRange(job?.status?.failedIndexes),
    noun,
    suspended: job?.spec?.suspend === true,
  };
}

/**
 * Pending (no Job, or not started), Running (the Job, then `step`), or how it ended: by how many
 * indexes completed, and Failed when `step` failed. A Job its queue has admitted (Kueue resumed it)
 * runs, even before the Job controller has started it.
 */
export function jobPhase(p: JobProgress, step?: FinalStep): JobPhase {
  if (!p.job) return "Pending";
  if (!p.end) {
    const admitted = queueManaged(p.job) && !p.suspended;
    return p.job.status?.startTime || (p.job.status?.active ?? 0) > 0 || admitted ? "Running" : "Pending";
  }
  const outcome =
    p.completed.size === p.names.length
      ? "Succeeded"
      : p.completed.size > 0
        ? "PartiallySucceeded"
        : "Failed";
  if (!step || outcome === "Failed" || step.state === "succeeded") return outcome;
  return step.state === "failed" ? "Failed" : "Running";
}

/** Whether the work is over: the Job has ended, and `step` too. */
export function workEnded(p: JobProgress, step?: FinalStep): boolean {
  return p.end !== undefined && (step === undefined || stepEnded(step));
}

function stepEnded(step: FinalStep): boolean {
  return step.state === "succeeded" || step.state === "failed";
}

/** Names of the failed indexes, in index order. */
export function failedNames(p: JobProgress): string[] {
  return [...p.failed].sort((a, b) => a - b).map((i) => p.names[i] ?? `index ${i}`);
}

/**
 * `Stalled`, `Progressing`, `Succeeded` and `Failed` of the Job and its final `step`, upserted into
 * `list` with {@link setCondition}.
 */
export function progressConditions<T>(
  list: readonly Condition[] | undefined,
  verdict: Verdict<T>,
  p: JobProgress,
  generation: number | undefined,
  now: Date,
  step?: FinalStep,
): Condition[] {
  const phase = jobPhase(p, step);
  // How the work ended, once it has: the Job's end, and the step's too.
  const end = workEnded(p, step) ? p.end : undefined;
  const stepFailed = step?.state === "failed";
  const total = p.names.length;
  const failures = failedNames(p);
  const conditions: Array<Omit<Condition, "lastTransitionTime" | "observedGeneration">> = [
    verdict.kind === "stalled"
      ? {
          type: ConditionType.Stalled,
          status: "True",
          reason: Reason.InvalidSpec,
          message: `${verdict.problem.field}: ${verdict.problem.message}`,
        }
      : { type: ConditionType.Stalled, status: "False", reason: Reason.SpecValid, message: "" },
    p.job
      ? end
        ? {
            type: ConditionType.Progressing,
            status: "False",
            reason: Reason.JobFinished,
            message: `${[jobName(p), step?.jobName]
              .filter(Boolean)
              .map((j) => `Job ${j}`)
              .join(" and ")} finished`,
          }
        : p.end && step
          ? { type: ConditionType.Progressing, status: "True", reason: step.reason, message: step.message }
          : p.suspended
            ? {
                type: ConditionType.Progressing,
                status: "True",
                reason: Reason.JobQueued,
                message: `Job ${jobName(p)} waits for admission by its queue`,
              }
            : {
                type: ConditionType.Progressing,
                status: "True",
                reason: Reason.JobRunning,
                message: `Job ${jobName(p)}: ${p.completed.size}/${total} ${p.noun} done, ${p.failed.size} failed`,
              }
      : verdict.kind === "go"
        ? { type: ConditionType.Progressing, status: "Unknown", reason: Reason.InProgress, message: "" }
        : {
            type: ConditionType.Progressing,
            status: "False",
            reason: verdict.kind === "wait" ? verdict.reason : Reason.InvalidSpec,
            message: verdict.kind === "wait" ? verdict.message : "the spec cannot be acted on",
          },
    phase === "Succeeded"
      ? {
          type: ConditionType.Succeeded,
          status: "True",
          reason: Reason.AllSucceeded,
          message: `all ${total} ${p.noun} succeeded`,
        }
      : end
        ? {
            type: ConditionType.Succeeded,
            status: "False",
            reason: stepFailed
              ? step.reason
              : phase === "PartiallySucceeded"
                ? Reason.PartiallySucceeded
                : Reason.JobFailed,
            message: `${p.completed.size} of ${total} ${p.noun} succeeded`,
          }
        : { type: ConditionType.Succeeded, status: "Unknown", reason: Reason.InProgress, message: "" },
    !end
      ? { type: ConditionType.Failed, status: "Unknown", reason: Reason.InProgress, message: "" }
      : stepFailed
        ? {
            type: ConditionType.Failed,
            status: "True",
            reason: step.reason,
            message: [step.message, failures.length > 0 ? `failed ${p.noun}: ${failures.join(", ")}` : ""]
              .filter(Boolean)
              .join("; "),
          }
        : failures.length > 0
          ? {
              type: ConditionType.Failed,
              status: "True",
              reason: Reason.IndexesFailed,
              message: `failed ${p.noun}: ${failures.join(", ")}`,
            }
          : end.outcome === "Failed"
            ? {
                type: ConditionType.Failed,
                status: "True",
                reason: Reason.JobFailed,
                message: [end.reason, end.message].filter(Boolean).join(": ") || "the Job failed",
              }
            : { type: ConditionType.Failed, status: "False", reason: Reason.NoFailures, message: "" },
  ];
  return conditions.reduce<Condition[]>(
    (acc, cond) => setCondition(acc, cond, generation, now),
    [...(list ?? [])],
  );
}

function jobName(p: JobProgress): string {
  return p.job?.metadata?.name ?? "";
}
