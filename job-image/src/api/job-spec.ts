/**
 * The Job contract: what a pod of a gik Job runs with, declared once. The operator resolves a
 * custom resource into a {@link JobSpec}, writes it on the Job (annotation {@link JOB_SPEC_ANNOTATION})
 * and into the pod ({@link JOB_SPEC_ENV}); the pod runs `gik job`, which reads it back from the
 * environment, and the operator computes the run's status from the annotation it wrote, never from
 * a pod's command line.
 *
 * Notes:
 * - The completion index selects the work: the members `members[i·m … (i+1)·m)` of an EcmwfRun Job
 *   (`m` its `membersPerPod`, see {@link shareMembers}), shard `i` of a TemplateBuild Job.
 * - `gik run`'s options are a {@link RunRequest} too (with the reference date still to be found),
 *   so a run on one machine and a run in a Job are the same request.
 *
 * @module
 */
import { UsageError } from "./errors.js";
import { memberNumber } from "./members.js";
import type { OnDrift } from "./resources.js";
import { parseCycle, parseDate, type RunId } from "./run-id.js";
import { LAYOUTS, type Layout, STORE_FORMATS, type StoreFormat } from "./store-layout.js";

/** Annotation of a Job holding its {@link JobSpec} as JSON. */
export const JOB_SPEC_ANNOTATION = "gik.dev/job-spec";
/** Environment variable of a Job's pods holding the same JSON. */
export const JOB_SPEC_ENV = "GIK_JOB_SPEC";

/** A run of the stages as asked for: the target run, its members, and where everything is. */
export interface RunRequest {
  run: RunId;
  /** Member names; in a Job, completion index `i` works on `members[i]`. */
  members: string[];
  /** The templates store, and the reference run's date once it is known. */
  templates: { store: string; referenceDate?: string };
  /** Root of the ECMWF tree. */
  source: string;
  /** Root of the stores. */
  output: string;
  format: StoreFormat;
  layout: Layout;
  onDrift: OnDrift;
  /** A forecast collection the run is appended to, and the cycles it holds when this run creates it. */
  collection?: CollectionRequest;
  /** Wait for step files ECMWF has not published yet, until `deadline`; without it absent files fail at once. */
  wait?: WaitRequest;
}

export interface WaitRequest {
  /** RFC 3339: after this, files still absent fail the run (`SourceNotPublishedError`). */
  deadline: string;
  /** Longest pause between two looks at a file not there yet. */
  pollSeconds: number;
}

export interface CollectionRequest {
  url: string;
  cycles?: number[];
}

/** What one pod of an EcmwfRun's Job runs with: a request whose templates are resolved. */
export interface RunJobSpec extends RunRequest {
  kind: "EcmwfRun";
  templates: { store: string; referenceDate: string };
  /**
   * Members one pod maps (its share): a pod reads each index file once for all of them, so a run
   * reads its index files `⌈members / membersPerPod⌉` times (docs/reading-on-kubernetes.md).
   */
  membersPerPod: number;
}

/** What one pod of a TemplateBuild's Job runs with: index `i` builds shard `i` of `shards`. */
export interface TemplateBuildJobSpec {
  kind: "TemplateBuild";
  referenceRun: RunId;
  members: string[];
  source: string;
  store: string;
  shards: number;
}

/**
 * What the one pod of an EcmwfRun's commit Job runs with, once its member Job has ended: the
 * members' parts become the ensemble store and/or the collection's new run.
 */
export interface CommitJobSpec {
  kind: "EcmwfRunCommit";
  run: RunId;
  /** Every member of the run; those without a part failed. */
  members: string[];
  output: string;
  format: StoreFormat;
  layout: Layout;
  collection?: CollectionRequest;
}

export type JobSpec = RunJobSpec | TemplateBuildJobSpec | CommitJobSpec;

/** How many pods (completion indexes) a Job of `spec` has: one per share of members, per shard, or one commit. */
export function jobShares(spec: JobSpec): number {
  switch (spec.kind) {
    case "EcmwfRun":
      return shareCount(spec);
    case "TemplateBuild":
      return spec.shards;
    case "EcmwfRunCommit":
      return 1;
  }
}

type Shares = Pick<RunJobSpec, "members" | "membersPerPod">;

/** How many shares (pods of an EcmwfRun's Job) `spec`'s members make. */
export function shareCount(spec: Shares): number {
  return Math.ceil(spec.members.length / spec.membersPerPod);
}

/**
 * The members completion index `index` works on, in the contract's order.
 *
 * @example shareMembers({ members: ["control", "ens01", "ens02"], membersPerPod: 2 }, 1) // ["ens02"]
 */
export function shareMembers(spec: Shares, index: number): string[] {
  return spec.members.slice(index * spec.membersPerPod, (index + 1) * spec.membersPerPod);
}

/** The completion index that works on `spec.members[position]`. */
export function shareOf(spec: Shares, position: number): number {
  return Math.floor(position / spec.membersPerPod);
}

/** Whether an EcmwfRun needs a commit after its members: an ensemble store, or a collection to append to. */
export function needsCommit(spec: Pick<RunRequest, "layout" | "collection">): boolean {
  return spec.layout !== "members" || spec.collection !== undefined;
}

/** The JSON text of `spec` (annotation and environment carry the same text). */
export function encodeJobSpec(spec: JobSpec): string {
  return JSON.stringify(spec);
}

/**
 * Reads a {@link JobSpec} back from its JSON text, checking every field; a fault names the field
 * (`${where}.members[3]`).
 */
export function parseJobSpec(text: string, where: string): JobSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(where, "is not JSON", { cause });
  }
  const spec = object(value, where);
  switch (spec.kind) {
    case "EcmwfRun": {
      const templates = object(spec.templates, `${where}.templates`);
      return {
        kind: "EcmwfRun",
        run: runId(spec.run, `${where}.run`),
        members: members(spec.members, `${where}.members`),
        templates: {
          store: text1(templates.store, `${where}.templates.store`),
          referenceDate: parseDate(text0(templates.referenceDate), `${where}.templates.referenceDate`),
        },
        source: text1(spec.source, `${where}.source`),
        output: text1(spec.output, `${where}.output`),
        format: oneOf(spec.format, STORE_FORMATS, `${where}.format`),
        layout: oneOf(spec.layout, LAYOUTS, `${where}.layout`),
        onDrift: oneOf(spec.onDrift, ["fail", "rebuild"] as const, `${where}.onDrift`),
        // A Job made before the field existed ran one member per pod.
        membersPerPod:
          spec.membersPerPod === undefined ? 1 : positive(spec.membersPerPod, `${where}.membersPerPod`),
        ...collection(spec.collection, `${where}.collection`),
        ...wait(spec.wait, `${where}.wait`),
      };
    }
    case "EcmwfRunCommit":
      return {
        kind: "EcmwfRunCommit",
        run: runId(spec.run, `${where}.run`),
        members: members(spec.members, `${where}.members`),
        output: text1(spec.output, `${where}.output`),
        format: oneOf(spec.format, STORE_FORMATS, `${where}.format`),
        layout: oneOf(spec.layout, LAYOUTS, `${where}.layout`),
        ...collection(spec.collection, `${where}.collection`),
      };
    case "TemplateBuild":
      return {
        kind: "TemplateBuild",
        referenceRun: runId(spec.referenceRun, `${where}.referenceRun`),
        members: members(spec.members, `${where}.members`),
        source: text1(spec.source, `${where}.source`),
        store: text1(spec.store, `${where}.store`),
        shards: positive(spec.shards, `${where}.shards`),
      };
    default:
      throw new UsageError(
        `${where}.kind`,
        `expected EcmwfRun, EcmwfRunCommit or TemplateBuild, got ${JSON.stringify(spec.kind)}`,
      );
  }
}

function wait(value: unknown, field: string): { wait?: WaitRequest } {
  if (value === undefined) return {};
  const w = object(value, field);
  const deadline = text1(w.deadline, `${field}.deadline`);
  if (Number.isNaN(Date.parse(deadline)))
    throw new UsageError(`${field}.deadline`, `not a time: ${deadline}`);
  return { wait: { deadline, pollSeconds: positive(w.pollSeconds, `${field}.pollSeconds`) } };
}

function collection(value: unknown, field: string): { collection?: CollectionRequest } {
  if (value === undefined) return {};
  const c = object(value, field);
  const url = text1(c.url, `${field}.url`);
  if (c.cycles === undefined) return { collection: { url } };
  if (!Array.isArray(c.cycles)) throw new UsageError(`${field}.cycles`, "expected a list of cycles");
  return { collection: { url, cycles: c.cycles.map((x, i) => parseCycle(x, `${field}.cycles[${i}]`)) } };
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(field, "expected an object");
  }
  return value as Record<string, unknown>;
}

function text0(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function text1(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(field, "expected a non-empty string");
  return value;
}

function positive(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new UsageError(field, `expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function runId(value: unknown, field: string): RunId {
  const run = object(value, field);
  return {
    date: parseDate(text0(run.date), `${field}.date`),
    cycle: parseCycle(typeof run.cycle === "number" ? run.cycle : Number.NaN, `${field}.cycle`),
  };
}

function members(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(field, "expected a list of members");
  const seen = new Set<string>();
  return value.map((name, i) => {
    if (typeof name !== "string") throw new UsageError(`${field}[${i}]`, "expected a member name");
    memberNumber(name, `${field}[${i}]`);
    if (seen.has(name)) throw new UsageError(`${field}[${i}]`, `member "${name}" is listed twice`);
    seen.add(name);
    return name;
  });
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new UsageError(field, `expected ${allowed.join(" or ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
