/**
 * The state of the world for one TemplateBuild, read from the informer caches: the object, its
 * Job and the Job's pods.
 *
 * @module
 */
import type { ObjectKey, TemplateBuild } from "../../../../job-image/src/api/index.js";
import type { Caches } from "../../kube/api.js";
import { gatherOwnedJob, type OwnedJob } from "../common/gather-job.js";
import { templateBuildJobName } from "./desired-job.js";

export interface TemplateBuildWorld extends OwnedJob {
  templateBuild: TemplateBuild;
}

/** The world of the TemplateBuild at `key`, or `undefined` when it is gone. */
export function gatherTemplateBuild(caches: Caches, key: ObjectKey): TemplateBuildWorld | undefined {
  const templateBuild = caches.templateBuilds.get(key.name, key.namespace);
  if (!templateBuild) return undefined;
  return { templateBuild, ...gatherOwnedJob(caches, templateBuild, templateBuildJobName(templateBuild)) };
}
