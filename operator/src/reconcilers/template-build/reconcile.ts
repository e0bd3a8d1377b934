/**
 * The TemplateBuild reconciler: gather → checks → Job → status → Events, as for EcmwfRun (see
 * `ecmwf-run/reconcile.ts` for the invariants: one Job ever, only `parallelism` follows the spec,
 * nothing more to do once the outcome is recorded and the Job is gone).
 *
 * @module
 */
import { TEMPLATE_BUILD } from "../../../../job-image/src/api/index.js";
import type { Reconciler } from "../../controller/result.js";
import type { ReconcilerDeps } from "../common/deps.js";
import { syncJob } from "../common/sync-job.js";
import { commonTransitions } from "../common/transitions.js";
import { writeStatus } from "../common/write-status.js";
import { checkTemplateBuild } from "./checks.js";
import { desiredTemplateBuildJob } from "./desired-job.js";
import { gatherTemplateBuild } from "./gather.js";
import { computeTemplateBuildStatus } from "./status.js";

/** The reconciler of TemplateBuilds. */
export function templateBuildReconciler(deps: ReconcilerDeps): Reconciler {
  return async (key) => {
    const world = gatherTemplateBuild(deps.caches, key);
    if (!world || world.templateBuild.metadata.deletionTimestamp) return {};
    const { templateBuild: tb } = world;
    if (!world.job && !world.foreignJob && tb.status?.completionTime) return {};

    const verdict = checkTemplateBuild(world);
    let job = world.job;
    if (verdict.kind === "go") {
      const sync = await syncJob(deps.api, job, desiredTemplateBuildJob(tb, deps.defaults));
      job = sync.job;
      if (sync.action !== "unchanged")
        deps.log.info({ templateBuild: key, job: job.metadata?.name }, `Job ${sync.action}`);
    }

    const status = computeTemplateBuildStatus(tb, job, verdict, deps.clock.now());
    const events = commonTransitions(tb.status, status, "shards");
    await writeStatus(deps.api, deps.events, tb, TEMPLATE_BUILD.plural, status, events);
    return verdict.kind === "wait" ? { requeueAfterMs: verdict.requeueAfterMs } : {};
  };
}
