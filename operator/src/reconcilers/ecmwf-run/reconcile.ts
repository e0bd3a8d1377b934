/**
 * The EcmwfRun reconciler: gather → checks → Job → status → Events. Level-based: everything is
 * re-read from the informer caches (and a waiting member's log) on each call, whatever event
 * caused it.
 *
 * Notes:
 * - One Job per run, ever: its name comes from the run's name and it is created by server-side
 *   apply; afterwards only its `parallelism` follows the spec (see `common/sync-job.ts`).
 * - A run with an ensemble store or a collection gets one commit Job too, made once its members'
 *   Job has ended, from that Job's contract (`desired-commit-job.ts`), whatever the verdict on the
 *   current spec: the members' work is fixed, so is what commits it.
 * - Once the run's outcome is recorded (`status.completionTime`) and its Job is gone (deleted after
 *   `ttlSecondsAfterFinished`), there is nothing to do: the Job is not made again.
 * - A run waiting for templates returns `requeueAfterMs`; TemplateBuild events also wake it. So
 *   does a run whose members wait for ECMWF's files ({@link SOURCE_REQUEUE_MS}): how far the
 *   source is published is in their logs, which no watch sees.
 *
 * @module
 */
import { ConditionType, ECMWF_RUN } from "../../../../job-image/src/api/index.js";
import type { Reconciler } from "../../controller/result.js";
import type { EventSpec } from "../../kube/api.js";
import { FOREIGN_JOB_REQUEUE_MS } from "../common/checks.js";
import { findCondition } from "../common/conditions.js";
import type { ReconcilerDeps } from "../common/deps.js";
import { syncJob } from "../common/sync-job.js";
import { writeStatus } from "../common/write-status.js";
import { checkRun } from "./checks.js";
import { desiredCommitJob } from "./desired-commit-job.js";
import { desiredJob } from "./desired-job.js";
import { gatherEcmwfRun } from "./gather.js";
import { computeRunStatus } from "./status.js";
import { runTransitions } from "./transitions.js";

/**
 * How often a run whose members wait for ECMWF's files looks at their logs again: a log line is no
 * event an informer sees.
 */
export const SOURCE_REQUEUE_MS = 10_000;

/** The reconciler of EcmwfRuns. */
export function ecmwfRunReconciler(deps: ReconcilerDeps): Reconciler {
  return async (key) => {
    const world = await gatherEcmwfRun(deps, key);
    if (!world || world.run.metadata.deletionTimestamp) return {};
    const { run } = world;
    if (!world.job && !world.foreignJob && run.status?.completionTime) return {};

    const verdict = checkRun({ ...world, defaults: deps.defaults });
    let job = world.job;
    // Said once per generation: the status written below records the generation as observed.
    const notApplied: EventSpec[] = [];
    if (verdict.kind === "go") {
      const sync = await syncJob(deps.api, job, desiredJob(run, verdict.value, deps.defaults, job));
      job = sync.job;
      if (sync.action !== "unchanged")
        deps.log.info({ run: key, job: job.metadata?.name }, `Job ${sync.action}`);
      if (sync.specChanged && run.status?.observedGeneration !== run.metadata.generation) {
        notApplied.push({
          type: "Warning",
          reason: "SpecChangeNotApplied",
          message: `Job ${job.metadata?.name} runs with the spec it was made from; only spec.parallelism reaches it`,
        });
      }
    }

    let commitJob = world.commit.job;
    const commit =
      job && !world.commit.foreignJob ? desiredCommitJob(run, job, world.pods, deps.defaults) : undefined;
    if (commit) {
      const sync = await syncJob(deps.api, commitJob, commit);
      commitJob = sync.job;
      if (sync.action === "created")
        deps.log.info({ run: key, job: commitJob.metadata?.name }, "commit Job created");
    }

    const status = computeRunStatus(
      run,
      job,
      world.pods,
      verdict,
      deps.clock.now(),
      { ...world.commit, job: commitJob },
      world.reported,
    );
    await writeStatus(deps.api, deps.events, run, ECMWF_RUN.plural, status, [
      ...notApplied,
      ...runTransitions(run.status, status),
    ]);
    if (verdict.kind === "wait") return { requeueAfterMs: verdict.requeueAfterMs };
    if (world.commit.foreignJob) return { requeueAfterMs: FOREIGN_JOB_REQUEUE_MS };
    const published = findCondition(status.conditions, ConditionType.SourceAvailable)?.status === "True";
    return world.sourcePod && !published ? { requeueAfterMs: SOURCE_REQUEUE_MS } : {};
  };
}
