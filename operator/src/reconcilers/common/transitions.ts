/**
 * Events derived from a status transition (old status → new status), so each is recorded once per
 * transition, whichever reconcile observes it, and never again after an operator restart (the old
 * status is what the API server holds).
 *
 * @module
 */
import { type Condition, ConditionType } from "../../../../job-image/src/api/index.js";
import type { EventSpec } from "../../kube/api.js";
import { findCondition } from "./conditions.js";

interface CommonStatus {
  phase?: string;
  jobName?: string;
  conditions?: Condition[];
}

/** Events of the transitions both kinds share: Job created, spec invalid, and the phase changes. */
export function commonTransitions(
  old: CommonStatus | undefined,
  next: CommonStatus,
  noun: string,
): EventSpec[] {
  const events: EventSpec[] = [];
  if (!old?.jobName && next.jobName) {
    events.push({ type: "Normal", reason: "JobCreated", message: `Created Job ${next.jobName}` });
  }
  const stalled = findCondition(next.conditions, ConditionType.Stalled);
  if (
    stalled?.status === "True" &&
    becameDifferent(findCondition(old?.conditions, ConditionType.Stalled), stalled)
  ) {
    events.push({ type: "Warning", reason: stalled.reason, message: stalled.message });
  }
  if (next.phase !== old?.phase) {
    const succeeded = findCondition(next.conditions, ConditionType.Succeeded)?.message ?? "";
    const failed = findCondition(next.conditions, ConditionType.Failed)?.message ?? "";
    switch (next.phase) {
      case "Running":
        events.push({ type: "Normal", reason: "Running", message: `Job ${next.jobName} is running ${noun}` });
        break;
      case "Succeeded":
        events.push({ type: "Normal", reason: "Succeeded", message: succeeded });
        break;
      case "PartiallySucceeded":
        events.push({ type: "Warning", reason: "PartiallySucceeded", message: `${succeeded}; ${failed}` });
        break;
      case "Failed":
        events.push({ type: "Warning", reason: "Failed", message: failed || succeeded });
        break;
    }
  }
  return events;
}

/** True when `next` differs in status, reason or message from `old` (or `old` is missing). */
export function becameDifferent(old: Condition | undefined, next: Condition): boolean {
  return !old || old.status !== next.status || old.reason !== next.reason || old.message !== next.message;
}
