/**
 * The state of the world for one EcmwfRun: the run, the TemplateBuild it names, its Job and the
 * Job's pods, its commit Job and that Job's pods, read from the informer caches; and, while the run
 * may still wait for ECMWF's files, the newest source record in the log of one of its running
 * member pods. The only reads of the reconciler.
 *
 * Notes:
 * - The log is read only while the Job runs and the source is not known to be complete, from one
 *   pod (the lowest index running: all members look at the same files), its last
 *   {@link SOURCE_LOG_TAIL_LINES} lines: a pod logs a source record each time the count changes and
 *   little else while it waits. No `sinceSeconds`: a pod waiting long for one step logs nothing
 *   new, and its last record is still the truth.
 * - A log that cannot be read (the pod just ended, a kubelet away) is no observation: the status
 *   keeps what it said.
 *
 * @module
 */
import type { V1Pod } from "@kubernetes/client-node";
import {
  ConditionType,
  type EcmwfRun,
  latestSourceProgress,
  type ObjectKey,
  type SourceProgress,
  type TemplateBuild,
} from "../../../../job-image/src/api/index.js";
import { findCondition } from "../common/conditions.js";
import type { ReconcilerDeps } from "../common/deps.js";
import { gatherOwnedJob, type OwnedJob } from "../common/gather-job.js";
import { CONTAINER_NAME } from "../common/indexed-job.js";
import { jobEnd, podIndex } from "../common/job-state.js";
import { commitJobName } from "./desired-commit-job.js";
import { runJobName } from "./desired-job.js";

/** Lines of a member pod's log read for its newest source record. */
const SOURCE_LOG_TAIL_LINES = 20;
/** A bound on those lines' bytes, against a pathological line (the kubelet cuts what is past it). */
const SOURCE_LOG_LIMIT_BYTES = 256 * 1024;

export interface EcmwfRunWorld extends OwnedJob {
  run: EcmwfRun;
  /** The TemplateBuild named in `spec.templates.templateBuild`, if it exists. */
  templateBuild?: TemplateBuild;
  /** The commit Job (`erc-<run>`) and its pods. */
  commit: OwnedJob;
  /** The running member pod whose log was read for the source, when one was. */
  sourcePod?: string;
  /** The newest source record in that log, if it had one. */
  reported?: SourceProgress;
}

/** The world of the run at `key`, or `undefined` when the run is gone. */
export async function gatherEcmwfRun(
  deps: Pick<ReconcilerDeps, "caches" | "api" | "log">,
  key: ObjectKey,
): Promise<EcmwfRunWorld | undefined> {
  const { caches } = deps;
  const run = caches.runs.get(key.name, key.namespace);
  if (!run) return undefined;
  const tbName = run.spec?.templates?.templateBuild;
  const templateBuild = tbName === undefined ? undefined : caches.templateBuilds.get(tbName, key.namespace);
  const members = gatherOwnedJob(caches, run, runJobName(run));
  const world = {
    run,
    templateBuild,
    ...members,
    commit: gatherOwnedJob(caches, run, commitJobName(run)),
  };
  const published = findCondition(run.status?.conditions, ConditionType.SourceAvailable)?.status === "True";
  const pod = members.job && !jobEnd(members.job) && !published ? sourcePod(members.pods) : undefined;
  if (!pod) return world;
  const name = pod.metadata?.name ?? "";
  try {
    const log = await deps.api.readPodLog({
      namespace: key.namespace,
      pod: name,
      container: CONTAINER_NAME,
      tailLines: SOURCE_LOG_TAIL_LINES,
      limitBytes: SOURCE_LOG_LIMIT_BYTES,
    });
    const reported = latestSourceProgress(log);
    return { ...world, sourcePod: name, ...(reported ? { reported } : {}) };
  } catch (err) {
    deps.log.debug({ run: key, pod: name, err: (err as Error).message }, "pod log not read");
    return { ...world, sourcePod: name };
  }
}

/** The running member pod of the lowest index. */
function sourcePod(pods: readonly V1Pod[]): V1Pod | undefined {
  const running = pods.filter((pod) => pod.status?.phase === "Running");
  return running.sort((a, b) => (podIndex(a) ?? Infinity) - (podIndex(b) ?? Infinity))[0];
}
