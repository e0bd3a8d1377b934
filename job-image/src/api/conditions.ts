/**
 * Status conditions (`metav1.Condition`) of EcmwfRun, TemplateBuild and EcmwfSchedule: their
 * types, every Reason the operator writes. Tools match on them (Argo CD's health checks, alerts),
 * so they are part of the API; how the operator sets them is in
 * `operator/src/reconcilers/common/conditions.ts`.
 *
 * Notes:
 * - The five types of a Job's progress are present on an EcmwfRun once the operator has seen it
 *   (`TemplatesReady` only on EcmwfRun), with status `Unknown` where nothing is decided yet, so that
 *   `lastTransitionTime` always means "since when".
 * - An EcmwfRun that needs a commit (an ensemble store, a collection) has `Committed` too; its
 *   `Progressing`, `Succeeded` and `Failed` then cover the commit as well: the run is over only when
 *   its commit is.
 * - An EcmwfRun has `SourceAvailable` too, from what its member pods say while they wait for ECMWF
 *   to publish the run (`source-progress.ts`).
 * - An EcmwfSchedule has `Ready`, `Stalled` and `LastRunSucceeded` (the other types are about one
 *   Job and belong to its runs).
 * - Reasons are CamelCase constants; tools (Argo CD's health check, alerts) match on them.
 *
 * @module
 */
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
  /**
   * EcmwfRun only, when it writes an ensemble store or appends to a collection: its commit Job wrote
   * them (True), failed or had nothing to commit (False), or has not ended (Unknown).
   */
  Committed: "Committed",
  /**
   * EcmwfRun only: every step file of the run is published (True), the run waits for ECMWF to
   * publish the rest or gave up at its deadline (False), or no member has said yet (Unknown).
   */
  SourceAvailable: "SourceAvailable",
  /** EcmwfSchedule only: it makes runs as cycles come due (False: suspended, waiting, or stalled). */
  Ready: "Ready",
  /** EcmwfSchedule only: how the latest of its runs that has ended (by run time) ended. */
  LastRunSucceeded: "LastRunSucceeded",
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
  /** The Job is suspended by its queue (Kueue): waiting for admission. */
  JobQueued: "JobQueued",

  // Committed (and Progressing, Succeeded, Failed of a run with a commit)
  /** The members are not done yet, or their commit Job is about to be made. */
  CommitPending: "CommitPending",
  /** The commit Job runs. */
  CommitRunning: "CommitRunning",
  /** The commit Job wrote the ensemble store and/or appended the run to its collection. */
  CommitSucceeded: "CommitSucceeded",
  /** The commit Job failed for good; the message says what failed. */
  CommitFailed: "CommitFailed",
  /** No member succeeded: there is no part to commit, and no commit Job. */
  NothingToCommit: "NothingToCommit",

  // SourceAvailable (SourceNotPublished: Failed too)
  /** No member pod has said yet how much of the run is published. */
  NotReported: "NotReported",
  /** Members wait for step files not published yet; the message counts those published. */
  Waiting: "Waiting",
  /** Every step file of the run is published. */
  Published: "Published",
  /** Step files were still missing at the run's deadline; the message names them. */
  SourceNotPublished: "SourceNotPublished",

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

  // Ready (EcmwfSchedule)
  /** Runs are made as cycles come due; the message names the next cycle and when it is due. */
  Scheduled: "Scheduled",
  /** `spec.suspend` is true: no runs are made (the cycles that come due meanwhile wait). */
  Suspended: "Suspended",
  /** `concurrencyPolicy: Forbid` (or `Replace`, while a run is not yet seen): a due cycle waits for an active run to end. */
  WaitingForActiveRun: "WaitingForActiveRun",

  // LastRunSucceeded (EcmwfSchedule)
  /** The latest run that ended succeeded. */
  RunSucceeded: "RunSucceeded",
  /** The latest run that ended failed or partially succeeded; the message names it and its phase. */
  RunFailed: "RunFailed",
  /** No run of the schedule has ended (among those kept). */
  NoRunEnded: "NoRunEnded",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
