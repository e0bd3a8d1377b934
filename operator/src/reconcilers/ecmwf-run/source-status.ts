/**
 * Whether ECMWF has published the run: the `SourceAvailable` condition and `status.source`, from
 * what the member pods say (the newest source record of a running pod's log, read by `gather.ts`;
 * the reports of ended pods) and from the previous status. Pure.
 *
 * Notes:
 * - A member that succeeded read every step file: the source is complete, whatever a log said.
 * - A member that failed with `SourceNotPublishedError` gave up at the deadline: its message names
 *   the files still missing, and the run's `Failed` condition says `SourceNotPublished` too.
 * - Without a newer word (no running pod, no record in its log's tail: a pod waiting long for one
 *   step logs nothing new) the previous condition and count stand; the source never gets less
 *   published.
 *
 * @module
 */
import {
  type Condition,
  ConditionType,
  type EcmwfRun,
  type MemberStatus,
  Reason,
  type RunJobSpec,
  type SourceNotPublishedError,
  type SourceProgress,
  type SourceStatus,
  stepsOf,
} from "../../../../job-image/src/api/index.js";
import { findCondition } from "../common/conditions.js";
import type { JobProgress } from "../common/progress.js";

const NOT_PUBLISHED: SourceNotPublishedError["_tag"] = "SourceNotPublishedError";

/** What the status says about the run's source. */
export interface SourceState {
  condition: Omit<Condition, "lastTransitionTime" | "observedGeneration">;
  source?: SourceStatus;
}

/**
 * The source of `run` as observed: `members` are the status entries just computed, `reported` the
 * newest source record of a running member pod, when one was read.
 */
export function sourceState(
  run: EcmwfRun,
  contract: RunJobSpec | undefined,
  p: JobProgress,
  members: Readonly<Record<string, MemberStatus>>,
  reported: SourceProgress | undefined,
): SourceState {
  const type = ConditionType.SourceAvailable;
  const previous = findCondition(run.status?.conditions, type);
  const gaveUp = Object.values(members).find((m) => m.phase === "Failed" && m.reason === NOT_PUBLISHED);
  if (gaveUp) {
    return {
      condition: {
        type,
        status: "False",
        reason: Reason.SourceNotPublished,
        message: gaveUp.message ?? "step files not published by the deadline",
      },
      source: run.status?.source,
    };
  }
  if (p.completed.size > 0) {
    const total = stepsOf(contract?.run.cycle ?? run.spec.cycle ?? 0).length;
    return published(sourceStatus({ published: total, total }));
  }
  if (reported?.complete) return published(sourceStatus(reported));
  const kept = previous && { condition: conditionOf(previous), source: run.status?.source };
  if (kept && previous.status === "True") return kept;
  if (reported) {
    const until = contract?.wait ? `; waiting until ${contract.wait.deadline}` : "";
    return {
      condition: {
        type,
        status: "False",
        reason: Reason.Waiting,
        message: `${reported.published} of ${reported.total} steps published${until}`,
      },
      source: sourceStatus(reported),
    };
  }
  if (kept && previous.status !== "Unknown") return kept;
  return {
    condition: {
      type,
      status: "Unknown",
      reason: Reason.NotReported,
      message: "no member has said yet how much of the run is published",
    },
  };
}

function conditionOf({ type, status, reason, message }: Condition): SourceState["condition"] {
  return { type, status, reason, message };
}

function published(source: SourceStatus): SourceState {
  return {
    condition: {
      type: ConditionType.SourceAvailable,
      status: "True",
      reason: Reason.Published,
      message: `all ${source.total} steps published`,
    },
    source,
  };
}

function sourceStatus({ published, total }: Pick<SourceProgress, "published" | "total">): SourceStatus {
  return { published, total, progress: `${published}/${total}` };
}
