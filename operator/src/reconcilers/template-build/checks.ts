/**
 * The ordered checks that decide whether a TemplateBuild's Job may be made (or kept up to date).
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import {
  Reason,
  type TemplateBuild,
  validateTemplateBuildSpec,
} from "../../../../job-image/src/api/index.js";
import { type Check, evaluate, FOREIGN_JOB_REQUEUE_MS, type Verdict } from "../common/checks.js";

export interface TemplateBuildCheckInput {
  templateBuild: TemplateBuild;
  foreignJob?: V1Job;
}

export type TemplateBuildVerdict = Verdict<null>;

/** The chain, in order. */
const templateBuildChecks: readonly Check<TemplateBuildCheckInput, null>[] = [
  // A spec the CRD should have refused: stall, naming the field.
  ({ templateBuild }) => {
    const problem = validateTemplateBuildSpec(templateBuild.spec);
    return problem ? { kind: "stalled", problem } : undefined;
  },
  // A Job of our name controlled by another object: wait for it to go.
  ({ foreignJob }) =>
    foreignJob
      ? {
          kind: "wait",
          reason: Reason.JobNotOwned,
          message: `Job ${foreignJob.metadata?.name} belongs to another object`,
          requeueAfterMs: FOREIGN_JOB_REQUEUE_MS,
        }
      : undefined,
  // Otherwise the build can go ahead.
  () => ({ kind: "go", reason: Reason.SpecValid, message: "", value: null }),
];

/** Evaluates {@link templateBuildChecks}. */
export function checkTemplateBuild(input: TemplateBuildCheckInput): TemplateBuildVerdict {
  return evaluate(templateBuildChecks, input);
}
