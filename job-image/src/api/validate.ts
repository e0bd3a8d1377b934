/**
 * The operator's own check of a spec, the last line of defence behind the CRD schema: a CRD older
 * than the operator, an object stored before a rule existed, or a client that skipped validation
 * must lead to a `Stalled` condition that names the field, never to a Job that fails 51 times.
 *
 * The patterns are the CRDs' (a unit test holds them equal). Each validator is an ordered list of
 * checks; the first problem found is reported.
 *
 * @module
 */
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";
import { ALL_MEMBERS } from "./members.js";
import {
  CONCURRENCY_POLICIES,
  type ConcurrencyPolicy,
  type EcmwfRunSpec,
  type EcmwfScheduleSpec,
  type RunTemplate,
  type TemplateBuildSpec,
} from "./resources.js";
import { CYCLES, parseDate } from "./run-id.js";
import { LAYOUTS } from "./store-layout.js";

/** A spec field that cannot be acted on. `field` is the JSON path, e.g. `spec.templates.store`. */
export interface SpecProblem {
  field: string;
  message: string;
}

export const DATE_PATTERN = /^[0-9]{8}$/;
export const MEMBER_PATTERN = /^(control|ens(0[1-9]|[1-4][0-9]|50))$/;
/** Where data may be read from: object stores and HTTPS mirrors of ECMWF's tree. */
export const URL_PATTERN = /^((s3|gs):\/\/[a-z0-9][a-z0-9._-]*[a-z0-9]|https:\/\/[^\s/]+)(\/[^\s]*)?$/;
/** Where a Job may write (outputs, template stores): object stores only; HTTPS is read-only. */
export const WRITABLE_URL_PATTERN = /^(s3|gs):\/\/[a-z0-9][a-z0-9._-]*[a-z0-9](\/[^\s]*)?$/;
/** The EcmwfSchedule CRD's defaults and bounds (a unit test holds them equal to the CRD's). */
export const SCHEDULE_DEFAULTS = {
  /** ECMWF's files of a run appear from about 6 h after its run time. */
  publicationDelaySeconds: 21_600,
  concurrencyPolicy: "Allow" as ConcurrencyPolicy,
  successfulRunsHistoryLimit: 3,
  failedRunsHistoryLimit: 1,
  /** One day of the four cycles. */
  maxBackfill: 4,
} as const;
/** The EcmwfRun CRD's defaults of how a run waits for ECMWF's files (a unit test holds them equal). */
export const RUN_DEFAULTS = {
  /** ECMWF publishes a run's last files about 8 h after its run time: 12 h leaves room for delays. */
  sourceDeadline: "12h",
  sourcePollSeconds: 10,
} as const;
/** The longest pause between two looks at a file: ECMWF publishes a step every minute or two. */
export const MAX_SOURCE_POLL_SECONDS = 300;
export const MAX_PUBLICATION_DELAY_SECONDS = 172_800;
export const MAX_HISTORY_LIMIT = 100;
/** As Kubernetes' CronJob gives up beyond 100 missed start times. */
export const MAX_BACKFILL = 100;
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS label (≤ 63 characters): a Kueue LocalQueue's name as a run's `queueName`, a label value. */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The members a spec names, in its order; all 51 when it names none. */
export function specMembers(spec: { members?: string[] }): readonly string[] {
  return spec.members && spec.members.length > 0 ? spec.members : ALL_MEMBERS;
}

type Check = () => SpecProblem | undefined;

/** Checks an EcmwfRun spec; the first problem, or `undefined` when it can be acted on. */
export function validateEcmwfRunSpec(spec: EcmwfRunSpec): SpecProblem | undefined {
  return firstProblem([
    () => checkDate("spec.date", spec.date),
    () => checkCycle("spec.cycle", spec.cycle),
    ...runSpecChecks(spec, "spec"),
    () => checkCollectionHolds("spec.collection.cycles", spec.collection?.cycles, [spec.cycle ?? 0]),
  ]);
}

/**
 * Checks an EcmwfSchedule spec, its `runTemplate` with the checks of an EcmwfRun spec (but `date`
 * and `cycle`, which the schedule sets); the first problem, or `undefined`.
 */
export function validateEcmwfScheduleSpec(spec: EcmwfScheduleSpec): SpecProblem | undefined {
  return firstProblem([
    () => checkCycles("spec.cycles", spec.cycles),
    () =>
      optional(spec.publicationDelaySeconds, (v) =>
        checkInt("spec.publicationDelaySeconds", v, 0, MAX_PUBLICATION_DELAY_SECONDS),
      ),
    () =>
      typeof spec.runTemplate === "object" && spec.runTemplate !== null && !Array.isArray(spec.runTemplate)
        ? undefined
        : { field: "spec.runTemplate", message: "required: the spec of the runs, without date and cycle" },
    () => {
      const t = spec.runTemplate as Record<string, unknown>;
      const set = ["date", "cycle"].find((k) => t[k] !== undefined);
      return set
        ? { field: `spec.runTemplate.${set}`, message: "set by the schedule for each run; remove it" }
        : undefined;
    },
    ...runSpecChecks(spec.runTemplate, "spec.runTemplate"),
    () =>
      checkCollectionHolds(
        "spec.runTemplate.collection.cycles",
        spec.runTemplate.collection?.cycles,
        spec.cycles,
      ),
    () =>
      optional(spec.concurrencyPolicy, (v) => checkEnum("spec.concurrencyPolicy", v, CONCURRENCY_POLICIES)),
    () =>
      optional(spec.startingDeadlineSeconds, (v) =>
        checkInt("spec.startingDeadlineSeconds", v, 0, Number.MAX_SAFE_INTEGER),
      ),
    () =>
      optional(spec.suspend, (v) =>
        typeof v === "boolean"
          ? undefined
          : { field: "spec.suspend", message: `expected true or false, got ${JSON.stringify(v)}` },
      ),
    () =>
      optional(spec.successfulRunsHistoryLimit, (v) =>
        checkInt("spec.successfulRunsHistoryLimit", v, 0, MAX_HISTORY_LIMIT),
      ),
    () =>
      optional(spec.failedRunsHistoryLimit, (v) =>
        checkInt("spec.failedRunsHistoryLimit", v, 0, MAX_HISTORY_LIMIT),
      ),
    () => optional(spec.startFrom, (v) => checkDate("spec.startFrom", v)),
    () => optional(spec.maxBackfill, (v) => checkInt("spec.maxBackfill", v, 1, MAX_BACKFILL)),
  ]);
}

/** An EcmwfSchedule's spec with the CRD's defaults filled in where a field is missing. */
export type ScheduleSettings = Required<Omit<EcmwfScheduleSpec, "startingDeadlineSeconds" | "startFrom">> &
  Pick<EcmwfScheduleSpec, "startingDeadlineSeconds" | "startFrom">;

/** `spec` with the CRD's defaults where it has none (objects stored before a default existed). */
export function scheduleDefaults(spec: EcmwfScheduleSpec): ScheduleSettings {
  return {
    ...spec,
    publicationDelaySeconds: spec.publicationDelaySeconds ?? SCHEDULE_DEFAULTS.publicationDelaySeconds,
    concurrencyPolicy: spec.concurrencyPolicy ?? SCHEDULE_DEFAULTS.concurrencyPolicy,
    suspend: spec.suspend ?? false,
    successfulRunsHistoryLimit:
      spec.successfulRunsHistoryLimit ?? SCHEDULE_DEFAULTS.successfulRunsHistoryLimit,
    failedRunsHistoryLimit: spec.failedRunsHistoryLimit ?? SCHEDULE_DEFAULTS.failedRunsHistoryLimit,
    maxBackfill: spec.maxBackfill ?? SCHEDULE_DEFAULTS.maxBackfill,
  };
}

/** The checks an EcmwfRun spec and a schedule's run template share; fields named under `prefix`. */
function runSpecChecks(spec: RunTemplate, prefix: string): Check[] {
  const t = spec?.templates;
  return [
    () => (typeof spec === "object" && spec !== null ? undefined : { field: prefix, message: "required" }),
    () => checkMembers(`${prefix}.members`, spec.members),
    () =>
      typeof t !== "object" || t === null
        ? {
            field: `${prefix}.templates`,
            message: "required: a templateBuild name, or a store with its referenceDate",
          }
        : undefined,
    () =>
      (t.templateBuild === undefined) === (t.store === undefined)
        ? {
            field: `${prefix}.templates`,
            message: "give either templateBuild or store (with referenceDate)",
          }
        : undefined,
    () => optional(t.templateBuild, (v) => checkName(`${prefix}.templates.templateBuild`, v)),
    () => optional(t.store, (v) => checkUrl(`${prefix}.templates.store`, v)),
    () =>
      t.store !== undefined
        ? checkDate(`${prefix}.templates.referenceDate`, t.referenceDate)
        : t.referenceDate !== undefined
          ? {
              field: `${prefix}.templates.referenceDate`,
              message: `only goes with ${prefix}.templates.store`,
            }
          : undefined,
    () => optional(spec.source, (v) => checkUrl(`${prefix}.source`, v)),
    () => optional(spec.output, (v) => checkWritableUrl(`${prefix}.output`, v)),
    () => optional(spec.format, (v) => checkEnum(`${prefix}.format`, v, ["parquet", "json"])),
    () => optional(spec.layout, (v) => checkEnum(`${prefix}.layout`, v, LAYOUTS)),
    () =>
      optional(spec.collection, (v) =>
        typeof v === "object" && v !== null && !Array.isArray(v)
          ? undefined
          : { field: `${prefix}.collection`, message: "expected an object with a url" },
      ),
    () => optional(spec.collection, (v) => checkWritableUrl(`${prefix}.collection.url`, v.url)),
    () => optional(spec.collection?.cycles, (v) => checkCycles(`${prefix}.collection.cycles`, v)),
    () => optional(spec.onDrift, (v) => checkEnum(`${prefix}.onDrift`, v, ["fail", "rebuild"])),
    () => optional(spec.parallelism, (v) => checkInt(`${prefix}.parallelism`, v, 1, 51)),
    () => optional(spec.membersPerPod, (v) => checkInt(`${prefix}.membersPerPod`, v, 1, 51)),
    () => optional(spec.backoffLimitPerIndex, (v) => checkInt(`${prefix}.backoffLimitPerIndex`, v, 0, 10)),
    () => optional(spec.serviceAccountName, (v) => checkName(`${prefix}.serviceAccountName`, v)),
    () =>
      optional(spec.credentials, (v) => checkName(`${prefix}.credentials.secretRef.name`, v.secretRef?.name)),
    () => optional(spec.queueName, (v) => checkLabel(`${prefix}.queueName`, v)),
    () => optional(spec.sourceDeadline, (v) => checkDuration(`${prefix}.sourceDeadline`, v)),
    () =>
      optional(spec.sourcePollSeconds, (v) =>
        checkInt(`${prefix}.sourcePollSeconds`, v, 1, MAX_SOURCE_POLL_SECONDS),
      ),
  ];
}

/** Checks a TemplateBuild spec; the first problem, or `undefined` when it can be acted on. */
export function validateTemplateBuildSpec(spec: TemplateBuildSpec): SpecProblem | undefined {
  return firstProblem([
    () => checkDate("spec.referenceDate", spec.referenceDate),
    () => checkCycle("spec.cycle", spec.cycle),
    () => checkMembers("spec.members", spec.members),
    () => checkWritableUrl("spec.store", spec.store),
    () => optional(spec.source, (v) => checkUrl("spec.source", v)),
    () => optional(spec.shards, (v) => checkInt("spec.shards", v, 1, 85)),
    () => optional(spec.parallelism, (v) => checkInt("spec.parallelism", v, 1, 85)),
    () => optional(spec.backoffLimitPerIndex, (v) => checkInt("spec.backoffLimitPerIndex", v, 0, 10)),
    () => optional(spec.serviceAccountName, (v) => checkName("spec.serviceAccountName", v)),
    () => optional(spec.credentials, (v) => checkName("spec.credentials.secretRef.name", v.secretRef?.name)),
  ]);
}

function firstProblem(checks: readonly Check[]): SpecProblem | undefined {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return undefined;
}

function optional<T>(
  value: T | undefined,
  check: (v: T) => SpecProblem | undefined,
): SpecProblem | undefined {
  return value === undefined ? undefined : check(value);
}

/** A real calendar date `YYYYMMDD` (the stage library's check) in 2000–2099, as the CRD's CEL rule has it. */
function checkDate(field: string, value: unknown): SpecProblem | undefined {
  try {
    parseDate(typeof value === "string" ? value : undefined, field);
  } catch (err) {
    if (err instanceof UsageError) return { field, message: `${JSON.stringify(value)}: ${err.reason}` };
    throw err;
  }
  const year = Number((value as string).slice(0, 4));
  return year >= 2000 && year <= 2099
    ? undefined
    : { field, message: `${value} is not between 2000 and 2099` };
}

function checkCycle(field: string, value: unknown): SpecProblem | undefined {
  return value === undefined || (typeof value === "number" && (CYCLES as readonly number[]).includes(value))
    ? undefined
    : { field, message: `expected one of 0, 6, 12, 18, got ${JSON.stringify(value)}` };
}

function checkCycles(field: string, value: unknown): SpecProblem | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > CYCLES.length) {
    return { field, message: "expected a list of 1 to 4 cycles out of 0, 6, 12, 18" };
  }
  const seen = new Set<unknown>();
  for (const [i, cycle] of value.entries()) {
    const problem = checkCycle(`${field}[${i}]`, cycle);
    if (problem || cycle === undefined) return problem ?? { field: `${field}[${i}]`, message: "required" };
    if (seen.has(cycle)) return { field: `${field}[${i}]`, message: `cycle ${cycle} is listed twice` };
    seen.add(cycle);
  }
  return undefined;
}

/** A collection's cycles, when given, hold every cycle of the runs appended to it. */
function checkCollectionHolds(
  field: string,
  cycles: readonly number[] | undefined,
  runCycles: readonly number[],
): SpecProblem | undefined {
  const missing = cycles ? runCycles.filter((c) => !cycles.includes(c)) : [];
  return missing.length === 0
    ? undefined
    : {
        field,
        message: `does not hold cycle ${missing.join(", ")}: a run of it could not be appended to the collection`,
      };
}

function checkMembers(field: string, value: unknown): SpecProblem | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > 51) {
    return { field, message: "expected a list of 1 to 51 member names" };
  }
  const seen = new Set<unknown>();
  for (const [i, name] of value.entries()) {
    if (typeof name !== "string" || !MEMBER_PATTERN.test(name)) {
      return {
        field: `${field}[${i}]`,
        message: `unknown member ${JSON.stringify(name)}: expected control or ens01 … ens50`,
      };
    }
    if (seen.has(name)) return { field: `${field}[${i}]`, message: `member ${name} is listed twice` };
    seen.add(name);
  }
  return undefined;
}

function checkUrl(field: string, value: unknown): SpecProblem | undefined {
  return typeof value === "string" && URL_PATTERN.test(value)
    ? undefined
    : { field, message: `expected an s3://, gs:// or https:// URL, got ${JSON.stringify(value)}` };
}

function checkWritableUrl(field: string, value: unknown): SpecProblem | undefined {
  return typeof value === "string" && WRITABLE_URL_PATTERN.test(value)
    ? undefined
    : { field, message: `expected a writable s3:// or gs:// URL, got ${JSON.stringify(value)}` };
}

function checkName(field: string, value: unknown): SpecProblem | undefined {
  return typeof value === "string" && value.length <= 253 && DNS_SUBDOMAIN_PATTERN.test(value)
    ? undefined
    : { field, message: `expected a Kubernetes object name, got ${JSON.stringify(value)}` };
}

function checkLabel(field: string, value: unknown): SpecProblem | undefined {
  return typeof value === "string" && value.length <= 63 && DNS_LABEL_PATTERN.test(value)
    ? undefined
    : { field, message: `expected a DNS label (a LocalQueue's name), got ${JSON.stringify(value)}` };
}

function checkDuration(field: string, value: unknown): SpecProblem | undefined {
  try {
    parseDuration(typeof value === "string" ? value : "", field);
    return undefined;
  } catch (err) {
    if (err instanceof UsageError) return { field, message: err.reason };
    throw err;
  }
}

function checkEnum(field: string, value: unknown, allowed: readonly string[]): SpecProblem | undefined {
  return typeof value === "string" && allowed.includes(value)
    ? undefined
    : { field, message: `expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}` };
}

function checkInt(field: string, value: unknown, min: number, max: number): SpecProblem | undefined {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max
    ? undefined
    : { field, message: `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}` };
}
