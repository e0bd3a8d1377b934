/**
 * The state of the world for one EcmwfRun, read from the informer caches: the run, the
 * TemplateBuild it names, its Job and the Job's pods, and its commit Job and that Job's pods. The
 * only reads of the reconciler.
 *
 * @module
 */
import type { EcmwfRun, ObjectKey, TemplateBuild } from "../../../../job-image/src/api/index.js";
import type { Caches } from "../../kube/api.js";
import { gatherOwnedJob, type OwnedJob } from "../common/gather-job.js";
import { commitJobName } from "./desired-commit-job.js";
import { runJobName } from "./desired-job.js";

export interface EcmwfRunWorld extends OwnedJob {
  run: EcmwfRun;
  /** The TemplateBuild named in `spec.templates.templateBuild`, if it exists. */
  templateBuild?: TemplateBuild;
  /** The commit Job (`erc-<run>`) and its pods. */
  commit: OwnedJob;
}

/** The world of the run at `key`, or `undefined` when the run is gone. */
export function gatherEcmwfRun(caches: Caches, key: ObjectKey): EcmwfRunWorld | undefined {
  const run = caches.runs.get(key.name, key.namespace);
  if (!run) return undefined;
  const tbName = run.spec?.templates?.templateBuild;
  const templateBuild = tbName === undefined ? undefined : caches.templateBuilds.get(tbName, key.namespace);
  return {
    run,
    templateBuild,
    ...gatherOwnedJob(caches, run, runJobName(run)),
    commit: gatherOwnedJob(caches, run, commitJobName(run)),
  };
}
