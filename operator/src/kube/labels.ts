/**
 * Labels and annotations the operator puts on the Jobs, Pods and EcmwfRuns it makes, and the ones
 * Kubernetes puts on Job pods that it reads.
 *
 * @module
 */

/** On Jobs and pods of an EcmwfRun: the run's name (label-safe, see `labelValue`). */
export const RUN_LABEL = "gik.dev/run";
/** On Jobs and pods of a TemplateBuild: its name (label-safe). */
export const TEMPLATE_BUILD_LABEL = "gik.dev/template-build";
/** On Jobs: a hash of everything the Job was made from except `parallelism`. */
export const SPEC_HASH_ANNOTATION = "gik.dev/spec-hash";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "gik-operator";
/** Selects every Job and pod the operator made (the informers watch only these). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/** Set by the Job controller on pods of an Indexed Job. */
export const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";

/** On EcmwfRuns made by an EcmwfSchedule: the schedule's name (label-safe, see `labelValue`). */
export const SCHEDULE_LABEL = "gik.dev/schedule";

/**
 * On Jobs (and their pods) of a run with `spec.queueName`: the Kueue LocalQueue. Kueue then owns
 * the Job's `spec.suspend` and, on admission, its `parallelism`.
 */
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";
/**
 * On queued Jobs of more than one pod: Kueue may admit them with fewer pods than `parallelism`, down
 * to this many (partial admission), rather than wait for the whole quota.
 */
export const MIN_PARALLELISM_ANNOTATION = "kueue.x-k8s.io/job-min-parallelism";
