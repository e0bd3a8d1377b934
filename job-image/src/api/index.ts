/**
 * gik's API: everything the operator and the job image must agree on, in one module that both
 * import and that imports neither.
 *
 * - the custom resources (`resources.ts`: EcmwfRun, TemplateBuild, EcmwfSchedule), their
 *   conditions and reasons (`conditions.ts`) and the checks of their specs (`validate.ts`);
 * - the Job contract: what a pod runs with (`job-spec.ts`), what it reports in its termination
 *   message when it ends (`termination-message.ts`: a member pod's `member-report.ts`, a commit
 *   pod's `commit-report.ts`), and the one record of its log the operator reads while it waits for
 *   ECMWF's files (`source-progress.ts`);
 * - runs, members and where stores go (`run-id.ts`, `members.ts`, `store-layout.ts`);
 * - the tagged errors whose tags become a failed member's reason (`errors.ts`), and the one retry
 *   policy (`backoff.ts`).
 *
 * A test (`test/architecture.test.ts`) holds the direction: `operator/` imports the job image only
 * through this module, the job image never imports `operator/`, and this module imports nothing
 * of either.
 *
 * @example
 * import { parseJobSpec, storeKey } from "../../job-image/src/api/index.js";
 *
 * @module
 */
export { type Backoff, backoffDelay } from "./backoff.js";
export {
  type CollectionReport,
  type CommitReport,
  type EnsembleReport,
  encodeCommitReport,
  parseCommitReport,
} from "./commit-report.js";
export { type Condition, type ConditionStatus, ConditionType, Reason } from "./conditions.js";
export { DURATION_PATTERN, parseDuration } from "./duration.js";
export * from "./errors.js";
export { EXIT } from "./exit-codes.js";
export {
  type CollectionRequest,
  type CommitJobSpec,
  encodeJobSpec,
  JOB_SPEC_ANNOTATION,
  JOB_SPEC_ENV,
  type JobSpec,
  jobShares,
  needsCommit,
  parseJobSpec,
  type RunJobSpec,
  type RunRequest,
  shareCount,
  shareMembers,
  shareOf,
  type TemplateBuildJobSpec,
  type WaitRequest,
} from "./job-spec.js";
export {
  encodeMemberReport,
  type MemberReport,
  type MemberResult,
  parseMemberReport,
} from "./member-report.js";
export { ALL_MEMBERS, MEMBER_COUNT, memberName, memberNumber, parseMembers } from "./members.js";
export * from "./resources.js";
export {
  CYCLES,
  type Cycle,
  cycleHH,
  parseCycle,
  parseDate,
  type RunId,
  runEpochSeconds,
  runLabel,
  stepsOf,
} from "./run-id.js";
export { latestSourceProgress, SOURCE_LOG_MESSAGE, type SourceProgress } from "./source-progress.js";
export {
  ENSEMBLE,
  ensembleStoreKey,
  LAYOUTS,
  type Layout,
  layoutWrites,
  STORE_FORMATS,
  type StoreFormat,
  storeKey,
  underRoot,
} from "./store-layout.js";
export { TERMINATION_MESSAGE_LIMIT, TERMINATION_MESSAGE_PATH } from "./termination-message.js";
export {
  DATE_PATTERN,
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  MAX_BACKFILL,
  MAX_HISTORY_LIMIT,
  MAX_PUBLICATION_DELAY_SECONDS,
  MAX_SOURCE_POLL_SECONDS,
  MEMBER_PATTERN,
  RUN_DEFAULTS,
  SCHEDULE_DEFAULTS,
  type ScheduleSettings,
  type SpecProblem,
  scheduleDefaults,
  specMembers,
  URL_PATTERN,
  validateEcmwfRunSpec,
  validateEcmwfScheduleSpec,
  validateTemplateBuildSpec,
  WRITABLE_URL_PATTERN,
} from "./validate.js";
