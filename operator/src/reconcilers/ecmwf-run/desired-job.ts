/**
 * The Indexed Job of an EcmwfRun: index `i` processes the `i`-th member of `--members` (the job
 * image reads `JOB_COMPLETION_INDEX`). Pure: the same run, templates and defaults give the same Job.
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import { RUN_LABEL } from "../../api/labels.js";
import type { EcmwfRun } from "../../api/types.js";
import { specMembers } from "../../api/validate.js";
import type { JobDefaults } from "../../config.js";
import { TerminalError } from "../../controller/result.js";
import { boundedName, indexedJob, labelValue, podSettings } from "../common/job-spec.js";

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

/** Members processed at once: the spec's (else the default), never more than the members. */
export function runParallelism(run: EcmwfRun, defaults: JobDefaults): number {
  return Math.min(run.spec.parallelism ?? defaults.parallelism, specMembers(run.spec).length);
}

/**
 * The desired Job of `run`. Throws {@link TerminalError} when no output is known (the checks
 * stall such a run before it gets here).
 */
export function desiredJob(run: EcmwfRun, templates: ResolvedTemplates, defaults: JobDefaults): V1Job {
  const { spec, metadata } = run;
  const output = runOutput(run, defaults);
  if (output === undefined)
    throw new TerminalError(`${metadata.namespace}/${metadata.name}: spec.output: not set`);
  const members = specMembers(spec);
  return indexedJob({
    owner: run,
    name: runJobName(run),
    component: "member",
    ownerLabel: [RUN_LABEL, labelValue(metadata.name)],
    completions: members.length,
    parallelism: runParallelism(run, defaults),
    backoffLimitPerIndex: spec.backoffLimitPerIndex ?? 2,
    args: [
      "member",
      ...["--date", spec.date],
      ...["--cycle", String(spec.cycle ?? 0)],
      ...["--members", members.join(",")],
      ...["--source", spec.source ?? defaults.source],
      ...["--out", output],
      ...["--format", spec.format ?? "parquet"],
      ...["--on-drift", spec.onDrift ?? "rebuild"],
      ...["--templates", templates.store],
      ...["--reference-date", templates.referenceDate],
      ...["--log-format", "json"],
    ],
    env: [
      { name: "GIK_RUN_NAME", value: metadata.name },
      { name: "GIK_RUN_NAMESPACE", value: metadata.namespace },
    ],
    apiAccess: true,
    ...podSettings(spec, defaults),
  });
}
