/**
 * The custom resources of group `gik.dev`, version `v1alpha1`, as TypeScript types: the shapes of
 * the CRDs under `crds/`, declared once here for the operator and the job image.
 *
 * Notes:
 * - Objects come from the API server as JSON; the CRD schemas validate them there, and
 *   `validate.ts` checks them again before the reconciler acts (a CRD older than the operator, or
 *   a field the schema cannot express).
 * - Spec fields the CRD defaults (`cycle`, `source`, `format`, `layout`, `onDrift`, `backoffLimitPerIndex`,
 *   `sourceDeadline`, `sourcePollSeconds`, `shards`) are still optional here: the operator must not crash on an object stored before a
 *   default existed.
 * - Times in status are RFC 3339 strings.
 *
 * @module
 */
import type { Condition } from "./conditions.js";
import type { CollectionRequest } from "./job-spec.js";
import type { Cycle } from "./run-id.js";
import type { Layout, StoreFormat } from "./store-layout.js";

export const GROUP = "gik.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Kind, plural and short name of each resource, as in the CRDs. */
export const ECMWF_RUN = { kind: "EcmwfRun", plural: "ecmwfruns", shortName: "er" } as const;
export const TEMPLATE_BUILD = { kind: "TemplateBuild", plural: "templatebuilds", shortName: "tb" } as const;
export const ECMWF_SCHEDULE = { kind: "EcmwfSchedule", plural: "ecmwfschedules", shortName: "es" } as const;

/** What a run does when its fields differ from its templates' (structure drift). */
export type OnDrift = "fail" | "rebuild";

/** Quantities by resource name, as in a container's `resources`. */
export interface ResourceRequirements {
  limits?: Record<string, string | number>;
  requests?: Record<string, string | number>;
}

/** Storage credentials, by reference only: the Secret's keys become the pods' environment. */
export interface Credentials {
  secretRef: { name: string };
}

/** A `metav1.OwnerReference`: the object that owns another (garbage collection, `controller`). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The fields of the custom objects' `metadata` the operator reads (and sets on the runs it makes). */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

/** Templates of an EcmwfRun: a TemplateBuild by name, or a store URL with its reference date. */
export interface TemplatesRef {
  templateBuild?: string;
  store?: string;
  referenceDate?: string;
}

export interface EcmwfRunSpec {
  /** `YYYYMMDD`, immutable. */
  date: string;
  cycle?: Cycle;
  /** Omitted means all 51 members. */
  members?: string[];
  templates: TemplatesRef;
  source?: string;
  /** Omitted means the operator's default output. */
  output?: string;
  format?: StoreFormat;
  /** Which stores the run writes; omitted means one per member. `ensemble`/`both` need a commit. */
  layout?: Layout;
  /**
   * A forecast collection the run is appended to (by its commit), and the cycles the collection
   * holds when this run creates it (default: the run's own cycle).
   */
  collection?: CollectionRequest;
  onDrift?: OnDrift;
  /** Pods run at once; omitted means the operator's default. */
  parallelism?: number;
  /**
   * Members each pod maps, reading each index file once for all of them; omitted means one.
   * Fewer pods read fewer bytes (docs/reading-on-kubernetes.md).
   */
  membersPerPod?: number;
  backoffLimitPerIndex?: number;
  resources?: ResourceRequirements;
  serviceAccountName?: string;
  credentials?: Credentials;
  /**
   * A Kueue LocalQueue of the namespace: the run's Jobs carry the label `kueue.x-k8s.io/queue-name`
   * and wait, suspended, until Kueue admits them.
   */
  queueName?: string;
  /**
   * How long after the run's nominal time (date + cycle) its members wait for step files ECMWF has
   * not published yet (a duration: `12h`, `90m`); after it they fail with `SourceNotPublished`.
   * Omitted means `RUN_DEFAULTS.sourceDeadline`.
   */
  sourceDeadline?: string;
  /** Longest pause, in seconds, between two looks at a step file not published yet. */
  sourcePollSeconds?: number;
}

export type RunPhase = "Pending" | "Queued" | "Running" | "Succeeded" | "PartiallySucceeded" | "Failed";
export type MemberPhase = "Pending" | "Running" | "Succeeded" | "Failed";

/**
 * One member's entry in `status.members`, written by the operator alone: from the member's pod
 * (phase, and the report in its termination message, see `member-report.ts`) and, for a pod that
 * could not report (killed, evicted), from the Job's verdict.
 */
export interface MemberStatus {
  phase?: MemberPhase;
  /** URL of the member's store. */
  output?: string;
  /** Number of references written. */
  refs?: number;
  message?: string;
  /** The error tag (e.g. `StructureDriftError`) or the container's termination reason. */
  reason?: string;
  startTime?: string;
  completionTime?: string;
}

/** Where a run's commit stands: before it runs, running, or how it ended. */
export type CommitPhase = "Pending" | "Running" | "Succeeded" | "Failed";

/** The run's ensemble store (`status.ensemble`), when its layout asks for one. */
export interface EnsembleStatus {
  url: string;
  phase: CommitPhase;
  /** Members absent (NaN) from the store: their part was missing. */
  failedMembers?: string[];
  message?: string;
}

/** The run's place in its forecast collection (`status.collection`), when it names one. */
export interface CollectionStatus {
  url: string;
  phase: CommitPhase;
  /** The run's slot on the collection's time axis. */
  slot?: number;
  /** The time axis's length after the append: which version of the collection the run landed in. */
  slots?: number;
  message?: string;
}

/**
 * How many of the run's steps (GRIB file and index) are published (`status.source`), as its member
 * pods last said; all of them once a member has succeeded.
 */
export interface SourceStatus {
  published: number;
  total: number;
  /** `published/total`, for `kubectl get er` (a printer column cannot join two fields). */
  progress: string;
}

export interface EcmwfRunStatus {
  phase?: RunPhase;
  observedGeneration?: number;
  conditions?: Condition[];
  members?: Record<string, MemberStatus>;
  completedMembers?: number;
  failedMembers?: number;
  /** The members that failed for good, in index order (controller-owned). */
  failedMemberNames?: string[];
  totalMembers?: number;
  startTime?: string;
  completionTime?: string;
  jobName?: string;
  /** The Job that commits the ensemble store and/or the collection append, once made. */
  commitJobName?: string;
  ensemble?: EnsembleStatus;
  collection?: CollectionStatus;
  source?: SourceStatus;
}

export interface EcmwfRun {
  apiVersion: typeof API_VERSION;
  kind: typeof ECMWF_RUN.kind;
  metadata: ObjectMeta;
  spec: EcmwfRunSpec;
  status?: EcmwfRunStatus;
}

export interface TemplateBuildSpec {
  /** `YYYYMMDD`, immutable. */
  referenceDate: string;
  cycle?: Cycle;
  members?: string[];
  source?: string;
  /** Where the templates go; immutable. */
  store: string;
  /** Job indexes sharing the forecast steps. */
  shards?: number;
  parallelism?: number;
  backoffLimitPerIndex?: number;
  resources?: ResourceRequirements;
  serviceAccountName?: string;
  credentials?: Credentials;
}

export type TemplateBuildPhase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface TemplateBuildStatus {
  phase?: TemplateBuildPhase;
  observedGeneration?: number;
  conditions?: Condition[];
  /** The finished templates store; set once the build has succeeded. */
  store?: string;
  completedShards?: number;
  failedShards?: number;
  totalShards?: number;
  startTime?: string;
  completionTime?: string;
  jobName?: string;
}

export interface TemplateBuild {
  apiVersion: typeof API_VERSION;
  kind: typeof TEMPLATE_BUILD.kind;
  metadata: ObjectMeta;
  spec: TemplateBuildSpec;
  status?: TemplateBuildStatus;
}

/** What `EcmwfSchedule.spec.concurrencyPolicy` allows while a run of the schedule is active. */
export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace";
export const CONCURRENCY_POLICIES: readonly ConcurrencyPolicy[] = ["Allow", "Forbid", "Replace"];

/** The spec of the runs a schedule makes: an EcmwfRun spec without `date` and `cycle`. */
export type RunTemplate = Omit<EcmwfRunSpec, "date" | "cycle">;

/**
 * An EcmwfSchedule's spec (Kubernetes' CronJob, for forecast cycles). The CRD defaults every
 * optional field but `startingDeadlineSeconds` and `startFrom`; `scheduleDefaults` in
 * `validate.ts` fills them in again for objects stored before a default existed.
 */
export interface EcmwfScheduleSpec {
  /** The cycles (UTC hours) to make runs of: a set of 0, 6, 12, 18. */
  cycles: Cycle[];
  /** Time from a cycle's run time until its first files can be expected: when its run is due. */
  publicationDelaySeconds?: number;
  runTemplate: RunTemplate;
  /** While a run of the schedule is active: make the next one too, wait, or replace it. */
  concurrencyPolicy?: ConcurrencyPolicy;
  /** A cycle not started within this time after it was due is skipped. Unset: never too late. */
  startingDeadlineSeconds?: number;
  /** No new runs while true (runs already made are left alone). */
  suspend?: boolean;
  successfulRunsHistoryLimit?: number;
  /** Runs that ended `Failed` or `PartiallySucceeded` kept. */
  failedRunsHistoryLimit?: number;
  /** `YYYYMMDD`: make runs of the cycles from this date's 00 UTC on (a backfill when in the past). */
  startFrom?: string;
  /** The most due cycles made at once (the newest); older due cycles are skipped. */
  maxBackfill?: number;
}

export interface EcmwfScheduleStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /**
   * The run time (date + cycle, UTC) of the latest cycle handled, by making its run or skipping
   * it. Only moves forward: cycles at or before it are never made again.
   */
  lastScheduleTime?: string;
  /** Name of the run of the latest cycle made. */
  lastScheduledRun?: string;
  /** Name of the latest run (by run time) seen `Succeeded`. */
  lastSuccessfulRun?: string;
  /** Names of the schedule's runs that have not ended, oldest first. */
  active?: string[];
  /** How many runs are active (the printer column; `active`'s length). */
  activeCount?: number;
}

export interface EcmwfSchedule {
  apiVersion: typeof API_VERSION;
  kind: typeof ECMWF_SCHEDULE.kind;
  metadata: ObjectMeta;
  spec: EcmwfScheduleSpec;
  status?: EcmwfScheduleStatus;
}

/** Any custom resource of gik: what Events, status writes and the Job machinery need of an object. */
export type GikResource = EcmwfRun | TemplateBuild | EcmwfSchedule;

/** The namespace/name pair a reconcile works on (controller-runtime's `Request`). */
export interface ObjectKey {
  namespace: string;
  name: string;
}
