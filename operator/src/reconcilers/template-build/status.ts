/**
 * The status of a TemplateBuild, computed from its Job and the checks' verdict. A build with any
 * failed shard has failed (partial templates are of no use); `store` is set once it succeeded,
 * from the Job's own `--store`.
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import { timeString } from "../../api/time.js";
import type { TemplateBuild, TemplateBuildStatus } from "../../api/types.js";
import { jobArg } from "../common/job-state.js";
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
    store: phase === "Succeeded" && job ? jobArg(job, "--store") : undefined,
    completedShards: progress.completed.size,
    failedShards: progress.failed.size,
    totalShards: shards,
    startTime: timeString(job?.status?.startTime),
    completionTime: progress.end?.time,
    jobName: job?.metadata?.name,
  };
}
