/**
 * The Indexed Job of an EcmwfRun: the run resolved into its Job contract (a `RunJobSpec`: members
 * in completion-index order, templates, source, output, format, layout, collection, how long to
 * wait for ECMWF's files), one pod per share of `membersPerPod` members. Pure: the same run,
 * templates and defaults give the same Job. A run that needs a commit gets a second Job once this
 * one has ended (`desired-commit-job.ts`).
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import {
  type EcmwfRun,
  parseDuration,
  RUN_DEFAULTS,
  type RunId,
  type RunJobSpec,
  runEpochSeconds,
  shareCount,
  specMembers,
  type WaitRequest,
} from "../../../../job-image/src/api/index.js";
import type { JobDefaults } from "../../config.js";
import { TerminalError } from "../../controller/result.js";
import { RUN_LABEL } from "../../kube/labels.js";
import { boundedName, indexedJob, labelValue, podSettings } from "../common/indexed-job.js";

/** The templates a run's Job reads: a store and the date of its reference run. */
export interface ResolvedTemplates {
  store: string;
  referenceDate: string;
}

/** The Job name of a run: `er-<name>`, cut and hashed when long (see `boundedName`). */
export function runJobName(run: EcmwfRun): string {
  return boundedName("er", run.metadata.name);
}

/** Where the run's stores go: its spec's `output`, else the operator's default. */
export function runOutput(run: EcmwfRun, defaults: JobDefaults): string | undefined {
  return run.spec.output ?? defaults.output;
}

/** Pods run at once: the spec's (else the default), never more than the Job's `indexes`. */
function runParallelism(run: EcmwfRun, defaults: JobDefaults, indexes: number): number {
  return Math.min(run.spec.parallelism ?? defaults.parallelism, indexes);
}

/**
 * The contract of `run`'s pods. Throws {@link TerminalError} when no output is known (the checks
 * stall such a run before it gets here).
 */
function runJobSpec(run: EcmwfRun, templates: ResolvedTemplates, defaults: JobDefaults): RunJobSpec {
  const { spec, metadata } = run;
  const output = runOutput(run, defaults);
  if (output === undefined)
    throw new TerminalError(`${metadata.namespace}/${metadata.name}: spec.output: not set`);
  const id: RunId = { date: spec.date, cycle: spec.cycle ?? 0 };
  return {
    kind: "EcmwfRun",
    run: id,
    members: [...specMembers(spec)],
    templates: { store: templates.store, referenceDate: templates.referenceDate },
    source: spec.source ?? defaults.source,
    output,
    format: spec.format ?? "parquet",
    layout: spec.layout ?? "members",
    onDrift: spec.onDrift ?? "rebuild",
    membersPerPod: spec.membersPerPod ?? defaults.membersPerPod,
    ...(spec.collection ? { collection: structuredClone(spec.collection) } : {}),
    wait: sourceWait(run, id),
  };
}

/**
 * How the members wait for step files ECMWF has not published yet: until the run's nominal time
 * plus `spec.sourceDeadline`. A fixed instant, so every pod and every retry gives up at once.
 */
function sourceWait(run: EcmwfRun, id: RunId): WaitRequest {
  const after = parseDuration(run.spec.sourceDeadline ?? RUN_DEFAULTS.sourceDeadline, "spec.sourceDeadline");
  return {
    deadline: new Date(runEpochSeconds(id) * 1000 + after).toISOString(),
    pollSeconds: run.spec.sourcePollSeconds ?? RUN_DEFAULTS.sourcePollSeconds,
  };
}

/** Retries of a failed pod of the run's Jobs (per index): the spec's, else the CRD's default. */
export function runBackoffLimit(run: EcmwfRun): number {
  return run.spec.backoffLimitPerIndex ?? 2;
}

/** The label naming the run on its Jobs and their pods. */
export function runOwnerLabel(run: EcmwfRun): readonly [string, string] {
  return [RUN_LABEL, labelValue(run.metadata.name)];
}

/**
 * The desired Job of `run`. Its parallelism is bounded by the indexes of `running`, the run's Job
 * when it exists: those are fixed when it is made, whatever the spec's members or membersPerPod
 * say since.
 */
export function desiredJob(
  run: EcmwfRun,
  templates: ResolvedTemplates,
  defaults: JobDefaults,
  running?: V1Job,
): V1Job {
  const spec = runJobSpec(run, templates, defaults);
  const completions = shareCount(spec);
  return indexedJob({
    owner: run,
    name: runJobName(run),
    component: "member",
    ownerLabel: runOwnerLabel(run),
    completions,
    parallelism: runParallelism(run, defaults, running?.spec?.completions ?? completions),
    backoffLimitPerIndex: runBackoffLimit(run),
    spec,
    ...podSettings(run.spec, defaults),
  });
}
