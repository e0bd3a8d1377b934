/**
 * The Events of an EcmwfRun's status transitions: the common ones (Job created, spec invalid,
 * phase changes), templates becoming ready or not, and each member that failed, named with its
 * message. Member failures are read from the controller-owned `failedMemberNames`, not from the
 * members' `phase`, which the failing pod itself may already have written.
 *
 * @module
 */
import { ConditionType, type EcmwfRunStatus } from "../../../../job-image/src/api/index.js";
import type { EventSpec } from "../../kube/api.js";
import { findCondition } from "../common/conditions.js";
import { becameDifferent, commonTransitions } from "../common/transitions.js";

/** Events for the change from `old` to `next`: templates, then the common ones, then members. Pure. */
export function runTransitions(old: EcmwfRunStatus | undefined, next: EcmwfRunStatus): EventSpec[] {
  const events: EventSpec[] = [];
  const templates = findCondition(next.conditions, ConditionType.TemplatesReady);
  const oldTemplates = findCondition(old?.conditions, ConditionType.TemplatesReady);
  if (templates?.status === "False" && becameDifferent(oldTemplates, templates)) {
    events.push({ type: "Normal", reason: "TemplatesNotReady", message: templates.message });
  }
  if (templates?.status === "True" && oldTemplates?.status === "False") {
    events.push({ type: "Normal", reason: "TemplatesReady", message: templates.message });
  }
  events.push(...commonTransitions(old, next, "members"));
  const failedBefore = new Set(old?.failedMemberNames ?? []);
  for (const member of next.failedMemberNames ?? []) {
    if (failedBefore.has(member)) continue;
    const message = next.members?.[member]?.message ?? "no message";
    events.push({ type: "Warning", reason: "MemberFailed", message: `member ${member} failed: ${message}` });
  }
  return events;
}
