/**
 * The ordered checks that decide whether an EcmwfRun's Job may be made (or kept up to date), and
 * with which templates. A run waiting for its templates is not failed: it waits, with
 * `TemplatesReady=False`, and is looked at again when the TemplateBuild changes (and every
 * {@link TEMPLATES_REQUEUE_MS} in case an event is missed).
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import {
  type EcmwfRun,
  Reason,
  type TemplateBuild,
  validateEcmwfRunSpec,
} from "../../../../job-image/src/api/index.js";
import type { JobDefaults } from "../../config.js";
import { type Check, evaluate, FOREIGN_JOB_REQUEUE_MS, type Verdict } from "../common/checks.js";
import { jobSpecOf } from "../common/job-state.js";
import { type ResolvedTemplates, runOutput } from "./desired-job.js";

const TEMPLATES_REQUEUE_MS = 30_000;

export interface RunCheckInput {
  run: EcmwfRun;
  templateBuild?: TemplateBuild;
  job?: V1Job;
  foreignJob?: V1Job;
  defaults: JobDefaults;
}

export type RunVerdict = Verdict<ResolvedTemplates>;

const wait = (reason: Reason, message: string, requeueAfterMs = TEMPLATES_REQUEUE_MS): RunVerdict => ({
  kind: "wait",
  reason,
  message,
  requeueAfterMs,
});

/** The chain, in order. */
const runChecks: readonly Check<RunCheckInput, ResolvedTemplates>[] = [
  // A spec the CRD should have refused (older CRD, skipped validation): stall, naming the field.
  ({ run }) => {
    const problem = validateEcmwfRunSpec(run.spec);
    return problem ? { kind: "stalled", problem } : undefined;
  },
  // No output in the spec and no default in the operator: nowhere to write.
  ({ run, defaults }) =>
    runOutput(run, defaults) === undefined
      ? {
          kind: "stalled",
          problem: { field: "spec.output", message: "not set, and the operator has no default output" },
        }
      : undefined,
  // A Job of our name controlled by another object (e.g. of a deleted run of the same name): wait for it to go.
  ({ foreignJob }) =>
    foreignJob
      ? wait(
          Reason.JobNotOwned,
          `Job ${foreignJob.metadata?.name} belongs to another object`,
          FOREIGN_JOB_REQUEUE_MS,
        )
      : undefined,
  // A store given directly.
  ({ run }) => {
    const { store, referenceDate } = run.spec.templates;
    return store && referenceDate
      ? {
          kind: "go",
          reason: Reason.TemplatesStoreGiven,
          message: `templates ${store}`,
          value: { store, referenceDate },
        }
      : undefined;
  },
  // The named TemplateBuild has succeeded: its store and reference date.
  ({ templateBuild: tb }) =>
    tb?.status?.phase === "Succeeded" && tb.status.store
      ? {
          kind: "go",
          reason: Reason.TemplateBuildSucceeded,
          message: `TemplateBuild ${tb.metadata.name} succeeded`,
          value: { store: tb.status.store, referenceDate: tb.spec.referenceDate },
        }
      : undefined,
  // The Job exists: it keeps the templates it was made with, whatever became of the TemplateBuild.
  ({ job }) => {
    const spec = job && jobSpecOf(job);
    return spec?.kind === "EcmwfRun"
      ? {
          kind: "go",
          reason: Reason.TemplatesFixedInJob,
          message: `templates ${spec.templates.store}`,
          value: spec.templates,
        }
      : undefined;
  },
  // The named TemplateBuild does not exist (yet).
  ({ run, templateBuild }) =>
    templateBuild
      ? undefined
      : wait(Reason.TemplateBuildNotFound, `TemplateBuild ${run.spec.templates.templateBuild} not found`),
  // It failed: wait for it to be fixed or replaced (the run itself has not failed).
  ({ templateBuild }) =>
    templateBuild?.status?.phase === "Failed"
      ? wait(Reason.TemplateBuildFailed, `TemplateBuild ${templateBuild.metadata.name} failed`)
      : undefined,
  // Otherwise it has not finished yet.
  ({ templateBuild }) =>
    wait(
      Reason.TemplateBuildNotReady,
      `TemplateBuild ${templateBuild?.metadata.name} is ${templateBuild?.status?.phase ?? "Pending"}`,
    ),
];

/** Evaluates {@link runChecks}. */
export function checkRun(input: RunCheckInput): RunVerdict {
  return evaluate(runChecks, input);
}
