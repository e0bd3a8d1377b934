/**
 * The Indexed Job of a TemplateBuild: `shards` indexes share the reference run's forecast steps
 * (the job image reads its shard from `JOB_COMPLETION_INDEX` and writes a part manifest); the
 * templates are ready when the Job completes. Pure.
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import { TEMPLATE_BUILD_LABEL } from "../../api/labels.js";
import type { TemplateBuild } from "../../api/types.js";
import { specMembers } from "../../api/validate.js";
import type { JobDefaults } from "../../config.js";
import { boundedName, indexedJob, labelValue, podSettings } from "../common/job-spec.js";

/** The Job name of a TemplateBuild: `tb-<name>`, cut and hashed when long. */
export function templateBuildJobName(tb: TemplateBuild): string {
  return boundedName("tb", tb.metadata.name);
}

/** The desired Job of `tb`. */
export function desiredTemplateBuildJob(tb: TemplateBuild, defaults: JobDefaults): V1Job {
  const { spec, metadata } = tb;
  const shards = spec.shards ?? 1;
  return indexedJob({
    owner: tb,
    name: templateBuildJobName(tb),
    component: "templates",
    ownerLabel: [TEMPLATE_BUILD_LABEL, labelValue(metadata.name)],
    completions: shards,
    parallelism: Math.min(spec.parallelism ?? shards, shards),
    backoffLimitPerIndex: spec.backoffLimitPerIndex ?? 2,
    args: [
      ...["templates", "build"],
      ...["--date", spec.referenceDate],
      ...["--cycle", String(spec.cycle ?? 0)],
      ...["--members", specMembers(spec).join(",")],
      ...["--source", spec.source ?? defaults.source],
      ...["--store", spec.store],
      ...["--shards", String(shards)],
      ...["--log-format", "json"],
    ],
    env: [
      { name: "GIK_TEMPLATEBUILD_NAME", value: metadata.name },
      { name: "GIK_TEMPLATEBUILD_NAMESPACE", value: metadata.namespace },
    ],
    apiAccess: false,
    ...podSettings(spec, defaults),
  });
}
