/**
 * Status conditions (`metav1.Condition`) of EcmwfRun and TemplateBuild: their types, every Reason
 * the operator writes, and {@link setCondition}, which upserts by type.
 *
 * Notes:
 * - All five types are present on an EcmwfRun once the operator has seen it (`TemplatesReady`
 *   only on EcmwfRun), with status `Unknown` where nothing is decided yet, so that
 *   `lastTransitionTime` always means "since when".
 * - Reasons are CamelCase constants; tools (Argo CD's health check, alerts) match on them.
 *
 * @module
 */
import { rfc3339 } from "./time.js";

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Condition types. */
export const ConditionType = {
  /** EcmwfRun only: its templates exist and are finished, or were fixed when the Job was made. */
  TemplatesReady: "TemplatesReady",
  /** The Job is running or about to. */
  Progressing: "Progressing",
  /** Every member (shard) has finished successfully. */
  Succeeded: "Succeeded",
  /** The run is over and at least one member (shard) failed for good. */
  Failed: "Failed",
  /** The spec cannot be acted on; only a change of the spec can help. */
  Stalled: "Stalled",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons of the conditions, grouped by the condition they explain. */
export const Reason = {
  // TemplatesReady
  /** The named TemplateBuild has succeeded. */
  TemplateBuildSucceeded: "TemplateBuildSucceeded",
  /** The spec gives a templates store URL directly. */
  TemplatesStoreGiven: "TemplatesStoreGiven",
  /** The Job exists, so the templates it runs with are fixed. */
  TemplatesFixedInJob: "TemplatesFixedInJob",
  /** No TemplateBuild of that name in the namespace (yet): waiting. */
  TemplateBuildNotFound: "TemplateBuildNotFound",
  /** The TemplateBuild exists but has not succeeded yet: waiting. */
  TemplateBuildNotReady: "TemplateBuildNotReady",
  /** The TemplateBuild failed; the run waits for it to be fixed or replaced. */
  TemplateBuildFailed: "TemplateBuildFailed",

  // Progressing (while waiting, False with the reason of the wait)
  /** The Job exists and has not finished. */
  JobRunning: "JobRunning",
  /** The Job has finished; nothing more will happen. */
  JobFinished: "JobFinished",
  /** A Job of this name exists that this object does not own (e.g. one being garbage-collected). */
  JobNotOwned: "JobNotOwned",

  // Succeeded / Failed
  /** Every member (shard) succeeded. */
  AllSucceeded: "AllSucceeded",
  /** Some members succeeded, some failed. */
  PartiallySucceeded: "PartiallySucceeded",
  /** Members (shards) failed for good; the message names them. */
  IndexesFailed: "IndexesFailed",
  /** The Job failed as a whole (deadline, backoff limit) with the reason in the message. */
  JobFailed: "JobFailed",
  /** Not finished yet. */
  InProgress: "InProgress",
  /** Finished without failures (Failed=False). */
  NoFailures: "NoFailures",

  // Stalled
  /** A spec field is not acceptable; the message names it. */
  InvalidSpec: "InvalidSpec",
  /** The spec can be acted on. */
  SpecValid: "SpecValid",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/**
 * Upserts `cond` by type into a copy of `list`, stamping `observedGeneration`. The
 * `lastTransitionTime` of an existing condition is kept unless its status flips; a new condition,
 * or a flip, gets `now`.
 *
 * @example
 * setCondition([], { type: "Stalled", status: "False", reason: "SpecValid", message: "" }, 3, now)
 */
export function setCondition(
  list: readonly Condition[] | undefined,
  cond: Omit<Condition, "lastTransitionTime" | "observedGeneration">,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const old = list?.find((c) => c.type === cond.type);
  const next: Condition = {
    type: cond.type,
    status: cond.status,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : rfc3339(now),
    reason: cond.reason,
    message: cond.message,
  };
  const current = list ?? [];
  return old ? current.map((c) => (c === old ? next : c)) : [...current, next];
}

/** The condition of `type` in `list`, if any. */
export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}
