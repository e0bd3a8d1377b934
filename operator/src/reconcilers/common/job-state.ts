/**
 * Reading an Indexed Job and its pods: which indexes completed or failed, whether the Job is over,
 * and what a failed pod says about why. Pure functions over API objects.
 *
 * Notes:
 * - `status.completedIndexes` / `failedIndexes` are interval lists such as `"0-2,5,7-8"`.
 * - A Job is over only with a `Complete` or `Failed` condition; `SuccessCriteriaMet` and
 *   `FailureTarget` come first, while pods are still terminating.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import {
  type CommitReport,
  JOB_SPEC_ANNOTATION,
  type JobSpec,
  type MemberReport,
  parseCommitReport,
  parseJobSpec,
  parseMemberReport,
} from "../../../../job-image/src/api/index.js";
import { COMPLETION_INDEX_ANNOTATION, QUEUE_NAME_LABEL } from "../../kube/labels.js";
import { timeString } from "../../kube/time.js";
import { CONTAINER_NAME } from "./indexed-job.js";

/**
 * The indexes of an interval list (`"0-2,5"` → {0, 1, 2, 5}). Entries that do not parse are
 * skipped: the string comes from the Job controller and a bad entry must not stop the status.
 */
export function parseIndexes(text: string | undefined): Set<number> {
  const indexes = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let i = first; i <= last; i++) indexes.add(i);
  }
  return indexes;
}

/** How a Job ended, if it has. */
export interface JobEnd {
  outcome: "Complete" | "Failed";
  time?: string;
  reason?: string;
  message?: string;
}

/** The end of `job` (its `Complete` or `Failed` condition), or `undefined` while it runs. */
export function jobEnd(job: V1Job): JobEnd | undefined {
  for (const cond of job.status?.conditions ?? []) {
    if ((cond.type === "Complete" || cond.type === "Failed") && cond.status === "True") {
      return {
        outcome: cond.type,
        time: timeString(job.status?.completionTime) ?? timeString(cond.lastTransitionTime),
        reason: cond.reason,
        message: cond.message,
      };
    }
  }
  return undefined;
}

/** The pods of `job` (controlled by it), from a list of candidates. */
export function podsOfJob(job: V1Job, pods: readonly V1Pod[]): V1Pod[] {
  const uid = job.metadata?.uid;
  return pods.filter((pod) =>
    pod.metadata?.ownerReferences?.some(
      (ref) => ref.controller === true && ref.kind === "Job" && ref.uid === uid,
    ),
  );
}

/**
 * Whether Kueue manages `job` (it carries a queue-name label): Kueue's webhook suspended it when it
 * was created, and Kueue decides its suspension and, on admission, its parallelism.
 */
export function queueManaged(job: V1Job): boolean {
  return job.metadata?.labels?.[QUEUE_NAME_LABEL] !== undefined;
}

/** The completion index of a pod of an Indexed Job. */
export function podIndex(pod: V1Pod): number | undefined {
  const text =
    pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ??
    pod.metadata?.labels?.[COMPLETION_INDEX_ANNOTATION];
  const index = text === undefined ? Number.NaN : Number(text);
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

/** What a pod's end says: a message for people and a reason (termination reason or condition). */
export interface PodFailure {
  reason: string;
  message: string;
  /** When the container finished. */
  time?: string;
  /** When the container started (which attempt a member's report belongs to). */
  startedAt?: string;
}

/**
 * Why a failed pod failed: the member report it left (`api/member-report.ts`: `member`'s failure,
 * else the first failure of its share, named), else its `gik` container's termination (exit code,
 * signal, reason, the log tail), else the pod's `DisruptionTarget` condition.
 */
export function podFailure(pod: V1Pod, member?: string): PodFailure | undefined {
  if (pod.status?.phase !== "Failed") return undefined;
  const status = gikContainer(pod);
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  const disruption = pod.status.conditions?.find((c) => c.type === "DisruptionTarget" && c.status === "True");
  if (terminated) {
    const how = terminated.signal
      ? `killed by signal ${terminated.signal}`
      : `exited with code ${terminated.exitCode}`;
    const report = parseMemberReport(terminated.message);
    if (report) {
      // A report naming no failure (the pod died after writing it) is no log tail either.
      const failed = report.members.filter((m) => m.phase === "Failed");
      const said = failed.find((m) => m.member === member) ?? failed[0];
      const message = said?.message ?? how;
      return {
        reason: said?.reason ?? (terminated.reason || "Error"),
        message:
          !said || said.member === member || report.members.length === 1
            ? message
            : `${said.member}: ${message}`,
        time: report.completionTime,
        startedAt: report.startTime,
      };
    }
    const tail = terminated.message?.trim();
    return {
      reason: terminated.reason || (terminated.signal ? "Signal" : "Error"),
      message: tail ? `${how}: ${lastLines(tail)}` : how,
      time: timeString(terminated.finishedAt),
      startedAt: timeString(terminated.startedAt),
    };
  }
  if (disruption) {
    return {
      reason: disruption.reason || "DisruptionTarget",
      message: disruption.message || "pod disrupted",
    };
  }
  return { reason: pod.status.reason || "PodFailed", message: pod.status.message || "pod failed" };
}

/** `pods`, the newest (by creation) first: a retried index's last attempt leads. */
export function newestFirst(pods: readonly V1Pod[]): V1Pod[] {
  const created = (pod: V1Pod) => timeString(pod.metadata?.creationTimestamp) ?? "";
  return [...pods].sort((a, b) => created(b).localeCompare(created(a)));
}

/** The latest failure among `pods` (by finish time, else list order), as `member` sees it. */
export function latestFailure(pods: readonly V1Pod[], member?: string): PodFailure | undefined {
  const failures = pods.map((pod) => podFailure(pod, member)).filter((f): f is PodFailure => f !== undefined);
  return failures.sort((a, b) => (a.time ?? "").localeCompare(b.time ?? "")).at(-1);
}

/** A termination message (often the log tail) cut to its last 1 kB. */
function lastLines(text: string): string {
  return text.length <= 1024 ? text : `…${text.slice(-1023)}`;
}

/**
 * The contract the Job runs with, as the operator wrote it on the Job; `undefined` for a Job
 * without one (made by an older operator) or whose annotation does not parse.
 */
export function jobSpecOf(job: V1Job): JobSpec | undefined {
  const text = job.metadata?.annotations?.[JOB_SPEC_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    return parseJobSpec(text, JOB_SPEC_ANNOTATION);
  } catch {
    return undefined;
  }
}

/** The `gik` container's state of `pod`, ended or not. */
function gikContainer(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
}

/** The member report a pod left in its termination message, if it left one. */
export function podReport(pod: V1Pod): MemberReport | undefined {
  return parseMemberReport(terminationMessage(pod));
}

/** The commit report a commit pod left in its termination message, if it left one. */
export function podCommitReport(pod: V1Pod): CommitReport | undefined {
  return parseCommitReport(terminationMessage(pod));
}

function terminationMessage(pod: V1Pod): string | undefined {
  const status = gikContainer(pod);
  return (status?.state?.terminated ?? status?.lastState?.terminated)?.message;
}
