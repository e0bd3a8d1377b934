/**
 * The Indexed Job of a TemplateBuild: `shards` indexes share the reference run's forecast steps
 * (each pod builds its shard and writes a part manifest); the templates are ready when the Job
 * completes. Pure.
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import {
  specMembers,
  type TemplateBuild,
  type TemplateBuildJobSpec,
} from "../../../../job-image/src/api/index.js";
import type { JobDefaults } from "../../config.js";
import { TEMPLATE_BUILD_LABEL } from "../../kube/labels.js";
import { boundedName, indexedJob, labelValue, podSettings } from "../common/indexed-job.js";

/** The Job name of a TemplateBuild: `tb-<name>`, cut and hashed when long. */
export function templateBuildJobName(tb: TemplateBuild): string {
  return boundedName("tb", tb.metadata.name);
}

/** The contract of `tb`'s pods. */
function templateBuildJobSpec(tb: TemplateBuild, defaults: JobDefaults): TemplateBuildJobSpec {
  const { spec } = tb;
  return {
    kind: "TemplateBuild",
    referenceRun: { date: spec.referenceDate, cycle: spec.cycle ?? 0 },
    members: [...specMembers(spec)],
    source: spec.source ?? defaults.source,
    store: spec.store,
    shards: spec.shards ?? 1,
  };
}

/** The desired Job of `tb`. */
export function desiredTemplateBuildJob(tb: TemplateBuild, defaults: JobDefaults): V1Job {
  const spec = templateBuildJobSpec(tb, defaults);
  return indexedJob({
    owner: tb,
    name: templateBuildJobName(tb),
    component: "templates",
    ownerLabel: [TEMPLATE_BUILD_LABEL, labelValue(tb.metadata.name)],
    completions: spec.shards,
    parallelism: Math.min(tb.spec.parallelism ?? spec.shards, spec.shards),
    backoffLimitPerIndex: tb.spec.backoffLimitPerIndex ?? 2,
    spec,
    ...podSettings(tb.spec, defaults),
  });
}
