/**
 * The status of a TemplateBuild, computed from its Job and the checks' verdict. A build with any
 * failed shard has failed (partial templates are of no use); `store` is set once it succeeded,
 * from the contract the Job was made with.
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import type { TemplateBuild, TemplateBuildStatus } from "../../../../job-image/src/api/index.js";
import { timeString } from "../../kube/time.js";
import { jobSpecOf } from "../common/job-state.js";
import { jobPhase, jobProgress, progressConditions } from "../common/progress.js";
import type { TemplateBuildVerdict } from "./checks.js";

/** The status `tb` should have, given its Job. Pure. */
export function computeTemplateBuildStatus(
  tb: TemplateBuild,
  job: V1Job | undefined,
  verdict: TemplateBuildVerdict,
  now: Date,
): TemplateBuildStatus {
  const shards = job?.spec?.completions ?? tb.spec.shards ?? 1;
  const names = Array.from({ length: shards }, (_, i) => `shard ${i}`);
  const progress = jobProgress(job, names, "shards");
  const phase = jobPhase(progress);
  return {
    phase: phase === "PartiallySucceeded" ? "Failed" : phase,
    observedGeneration: tb.metadata.generation,
    conditions: progressConditions(tb.status?.conditions, verdict, progress, tb.metadata.generation, now),
    store: phase === "Succeeded" && job ? storeOf(job) : undefined,
    completedShards: progress.completed.size,
    failedShards: progress.failed.size,
    totalShards: shards,
    startTime: timeString(job?.status?.startTime),
    completionTime: progress.end?.time,
    jobName: job?.metadata?.name,
  };
}

/** The store the Job's contract builds, whatever the spec says now. */
function storeOf(job: V1Job): string | undefined {
  const spec = jobSpecOf(job);
  return spec?.kind === "TemplateBuild" ? spec.store : undefined;
}
