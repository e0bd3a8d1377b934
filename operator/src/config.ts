/**
 * The operator's configuration, read once from the environment at start (the Helm chart sets it).
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `GIK_JOB_IMAGE` | (required) | image of the Job pods |
 * | `GIK_JOB_IMAGE_PULL_POLICY` | `IfNotPresent` | their pull policy |
 * | `GIK_JOB_SERVICE_ACCOUNT` | `gik-job` | service account of Job pods when the spec names none |
 * | `GIK_DEFAULT_PARALLELISM` | `8` | pods of a run at once when the spec says nothing |
 * | `GIK_DEFAULT_MEMBERS_PER_POD` | `1` | members each pod maps when the spec says nothing |
 * | `GIK_DEFAULT_SOURCE` | `s3://ecmwf-forecasts` | source when the spec says nothing |
 * | `GIK_DEFAULT_OUTPUT` | (none) | output (`s3://` or `gs://`) when the spec says nothing; a run without either is Stalled |
 * | `GIK_JOB_TTL_SECONDS` | `86400` | `ttlSecondsAfterFinished` of the Jobs |
 * | `GIK_JOB_RESOURCES` | requests 250m/256Mi, limit 1Gi | JSON `{requests, limits}` when the spec says nothing |
 * | `GIK_JOB_RUN_AS_USER` | `1000` | UID of the Job pods (the `node` user of the Node images) |
 * | `GIK_JOB_CREDENTIALS_SECRET` | (none) | Secret whose keys become the Job pods' environment when the spec names none |
 * | `GIK_WATCH_NAMESPACE` | (all) | the one namespace to watch |
 * | `GIK_METRICS_PORT` | `8080` | port of `/metrics`, `/healthz`, `/readyz` (0: any free port) |
 * | `GIK_WORKERS` | `2` | concurrent reconciles per controller |
 * | `GIK_LEADER_ELECT` | `true` | run controllers only while holding the Lease |
 * | `GIK_LEASE_NAMESPACE` | `POD_NAMESPACE`, else watch namespace, else `default` | namespace of the Lease |
 * | `GIK_LEASE_NAME` | `gik-operator` | name of the Lease |
 * | `POD_NAME` | host name | this replica's identity in the Lease and in Events |
 * | `GIK_LOG_LEVEL` | `info` | pino level |
 * | `GIK_CLOCK_START` | (none) | **tests and demos only**: the time (RFC 3339) EcmwfSchedules see at `GIK_CLOCK_ORIGIN` |
 * | `GIK_CLOCK_ORIGIN` | when the operator starts | **tests and demos only**: the real instant (RFC 3339) at which that clock reads `GIK_CLOCK_START` |
 * | `GIK_CLOCK_SCALE` | `1` | **tests and demos only**: how many times faster than real time that clock runs |
 *
 * The `GIK_CLOCK_*` settings move EcmwfSchedules (their due times, deadlines and requeues) onto a
 * shifted, faster clock: now = start + (real now − origin) × scale. Nothing else follows it (leader
 * election, Events, runs keep real time). Operators given the same three values agree on the time,
 * so a restarted one goes on where the last one was. A schedule's `creationTimestamp` is real time:
 * on a shifted clock, give schedules a `startFrom`. Never set them in production.
 *
 * @module
 */
import {
  DNS_SUBDOMAIN_PATTERN,
  type ResourceRequirements,
  URL_PATTERN,
  UsageError,
  WRITABLE_URL_PATTERN,
} from "../../job-image/src/api/index.js";

/** What the Jobs are made with when a spec does not say. */
export interface JobDefaults {
  image: string;
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  serviceAccountName: string;
  parallelism: number;
  membersPerPod: number;
  source: string;
  output?: string;
  ttlSecondsAfterFinished: number;
  resources: ResourceRequirements;
  runAsUser: number;
  /** Secret of storage settings for pods whose spec has no `credentials.secretRef`. */
  secretName?: string;
}

export interface LeaderElectionConfig {
  enabled: boolean;
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** The shifted clock of schedules (`GIK_CLOCK_*`), for tests and demos. */
export interface ScheduleClockConfig {
  start: Date;
  /** Undefined: when the operator starts. */
  origin?: Date;
  scale: number;
}

export interface OperatorConfig {
  job: JobDefaults;
  /** The one namespace to watch; undefined means all namespaces. */
  watchNamespace?: string;
  metricsPort: number;
  workers: number;
  leaderElection: LeaderElectionConfig;
  logLevel: string;
  /** Undefined: schedules run on the operator's clock (the system clock). */
  scheduleClock?: ScheduleClockConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the configuration from `env`; throws `UsageError` naming the variable at fault. */
export function loadConfig(env: Env, hostname: string): OperatorConfig {
  const image = env.GIK_JOB_IMAGE?.trim();
  if (!image) throw new UsageError("GIK_JOB_IMAGE", "required: the image of the Job pods");
  const watchNamespace = env.GIK_WATCH_NAMESPACE?.trim() || undefined;
  return {
    job: {
      image,
      imagePullPolicy: oneOf(env, "GIK_JOB_IMAGE_PULL_POLICY", ["IfNotPresent", "Always", "Never"] as const),
      serviceAccountName: env.GIK_JOB_SERVICE_ACCOUNT?.trim() || "gik-job",
      parallelism: integer(env, "GIK_DEFAULT_PARALLELISM", 8, 1, 51),
      membersPerPod: integer(env, "GIK_DEFAULT_MEMBERS_PER_POD", 1, 1, 51),
      source: url(env, "GIK_DEFAULT_SOURCE", URL_PATTERN) ?? "s3://ecmwf-forecasts",
      output: url(env, "GIK_DEFAULT_OUTPUT", WRITABLE_URL_PATTERN),
      ttlSecondsAfterFinished: integer(env, "GIK_JOB_TTL_SECONDS", 86_400, 0, 31_536_000),
      resources: resources(env, "GIK_JOB_RESOURCES"),
      runAsUser: integer(env, "GIK_JOB_RUN_AS_USER", 1000, 1, 2_147_483_647),
      secretName: objectName(env, "GIK_JOB_CREDENTIALS_SECRET"),
    },
    watchNamespace,
    metricsPort: integer(env, "GIK_METRICS_PORT", 8080, 0, 65_535),
    workers: integer(env, "GIK_WORKERS", 2, 1, 64),
    leaderElection: {
      enabled: oneOf(env, "GIK_LEADER_ELECT", ["true", "false"] as const) === "true",
      namespace: env.GIK_LEASE_NAMESPACE?.trim() || env.POD_NAMESPACE?.trim() || watchNamespace || "default",
      leaseName: env.GIK_LEASE_NAME?.trim() || "gik-operator",
      identity: env.POD_NAME?.trim() || hostname,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    },
    logLevel: env.GIK_LOG_LEVEL?.trim() || "info",
    scheduleClock: scheduleClock(env),
  };
}

function scheduleClock(env: Env): ScheduleClockConfig | undefined {
  const start = time(env, "GIK_CLOCK_START");
  const origin = time(env, "GIK_CLOCK_ORIGIN");
  const scaleText = env.GIK_CLOCK_SCALE?.trim();
  if (!start) {
    const stray = origin ? "GIK_CLOCK_ORIGIN" : scaleText ? "GIK_CLOCK_SCALE" : undefined;
    if (stray) throw new UsageError(stray, "only goes with GIK_CLOCK_START");
    return undefined;
  }
  const scale = scaleText ? Number(scaleText) : 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1_000_000) {
    throw new UsageError(
      "GIK_CLOCK_SCALE",
      `expected a number above 0 and up to 1000000, got ${JSON.stringify(scaleText)}`,
    );
  }
  return { start, origin, scale };
}

/** An RFC 3339 time with a zone (`2025-01-01T05:00:00Z`), or undefined when unset. */
function time(env: Env, name: string): Date | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)
    ? Date.parse(text)
    : Number.NaN;
  if (Number.isNaN(t))
    throw new UsageError(
      name,
      `expected an RFC 3339 time such as 2025-01-01T05:00:00Z, got ${JSON.stringify(text)}`,
    );
  return new Date(t);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** The first of `allowed` is the default. */
function oneOf<T extends string>(env: Env, name: string, allowed: readonly [T, ...T[]]): T {
  const text = env[name]?.trim();
  if (!text) return allowed[0];
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(name, `expected one of ${allowed.join(", ")}, got ${JSON.stringify(text)}`);
  }
  return text as T;
}

function url(env: Env, name: string, pattern: RegExp): string | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (!pattern.test(text)) {
    const schemes =
      pattern === WRITABLE_URL_PATTERN ? "a writable s3:// or gs://" : "an s3://, gs:// or https://";
    throw new UsageError(name, `expected ${schemes} URL, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** A Secret name (a DNS subdomain), or undefined when unset. */
function objectName(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (text.length > 253 || !DNS_SUBDOMAIN_PATTERN.test(text)) {
    throw new UsageError(
      name,
      `expected a Secret name (lower-case DNS subdomain), got ${JSON.stringify(text)}`,
    );
  }
  return text;
}

function resources(env: Env, name: string): ResourceRequirements {
  const text = env[name]?.trim();
  if (!text) return { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(name, "expected JSON {requests, limits}", { cause: err });
  }
  const ok =
    typeof parsed === "object" &&
    parsed !== null &&
    Object.entries(parsed).every(
      ([k, v]) => (k === "requests" || k === "limits") && typeof v === "object" && v !== null,
    );
  if (!ok) throw new UsageError(name, `expected JSON {requests, limits}, got ${text}`);
  return parsed as ResourceRequirements;
}
