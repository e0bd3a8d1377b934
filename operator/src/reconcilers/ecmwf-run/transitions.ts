/**
 * The Events of an EcmwfRun's status transitions: the common ones (Job created, spec invalid,
 * phase changes), templates becoming ready or not, each member that failed, named with its
 * message, its commit: started (its Job made), committed (where the stores went), failed, and its
 * source: waiting for ECMWF's files, then published. Member failures are read from the
 * controller-owned `failedMemberNames`, not from the members' `phase`, which the failing pod itself
 * may already have written.
 *
 * @module
 */
import { ConditionType, type EcmwfRunStatus, Reason } from "../../../../job-image/src/api/index.js";
import type { EventSpec } from "../../kube/api.js";
import { findCondition } from "../common/conditions.js";
import { becameDifferent, commonTransitions } from "../common/transitions.js";

/** Events for the change from `old` to `next`: templates, the common ones, members, commit, source. Pure. */
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
  events.push(...commitTransitions(old, next));
  events.push(...sourceTransitions(old, next));
  return events;
}

/**
 * SourceWaiting when the run starts waiting for ECMWF's files (not at each new count), SourcePublished
 * when a run that waited has them all.
 */
function sourceTransitions(old: EcmwfRunStatus | undefined, next: EcmwfRunStatus): EventSpec[] {
  const source = findCondition(next.conditions, ConditionType.SourceAvailable);
  const before = findCondition(old?.conditions, ConditionType.SourceAvailable);
  if (source?.reason === Reason.Waiting && before?.reason !== Reason.Waiting) {
    return [
      { type: "Normal", reason: "SourceWaiting", message: `waiting for ECMWF's files: ${source.message}` },
    ];
  }
  if (source?.status === "True" && before?.status === "False") {
    return [{ type: "Normal", reason: "SourcePublished", message: source.message }];
  }
  return [];
}

/** CommitStarted when the commit Job appears; Committed or CommitFailed as the `Committed` condition turns. */
function commitTransitions(old: EcmwfRunStatus | undefined, next: EcmwfRunStatus): EventSpec[] {
  const events: EventSpec[] = [];
  if (!old?.commitJobName && next.commitJobName) {
    const parts = [
      ...(next.ensemble ? [`the ensemble store ${next.ensemble.url}`] : []),
      ...(next.collection ? [`the run's append to ${next.collection.url}`] : []),
    ];
    events.push({
      type: "Normal",
      reason: "CommitStarted",
      message: `Created Job ${next.commitJobName} to commit ${parts.join(" and ")}`,
    });
  }
  const committed = findCondition(next.conditions, ConditionType.Committed);
  const before = findCondition(old?.conditions, ConditionType.Committed);
  if (committed?.status === "True" && before?.status !== "True") {
    events.push({ type: "Normal", reason: "Committed", message: committed.message });
  }
  if (committed?.reason === Reason.CommitFailed && becameDifferent(before, committed)) {
    events.push({ type: "Warning", reason: "CommitFailed", message: committed.message });
  }
  return events;
}
