/**
 * The commit Job of an EcmwfRun whose layout asks for an ensemble store or that names a collection:
 * one pod, made once the members' Job has ended, that turns the parts the member pods left
 * (`ensemble.parts/{member}.json`) into the ensemble store and/or the collection's new run. Pure.
 *
 * Notes:
 * - Its contract (`CommitJobSpec`) comes from the members' Job's own contract annotation, never from
 *   the current spec: what is committed is what the members were run with (as with
 *   `TemplatesFixedInJob`). The pods run as the member pods do (`podSettings`, the queue included).
 * - Nothing is committed when no member succeeded: there is no part to commit.
 * - Its name is `erc-<run>`, not `er-<run>-commit`, which could be the member Job of a run named
 *   `<run>-commit`: names derived from the run alone must never meet.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import {
  type CommitJobSpec,
  type EcmwfRun,
  needsCommit,
  type RunJobSpec,
} from "../../../../job-image/src/api/index.js";
import type { JobDefaults } from "../../config.js";
import { boundedName, indexedJob, podSettings } from "../common/indexed-job.js";
import { jobSpecOf } from "../common/job-state.js";
import { runBackoffLimit, runOwnerLabel } from "./desired-job.js";
import { memberProgress } from "./member-status.js";

/** The commit Job name of a run: `erc-<name>`, cut and hashed when long (see `boundedName`). */
export function commitJobName(run: EcmwfRun): string {
  return boundedName("erc", run.metadata.name);
}

/** The contract of the commit pod, from the members' contract: every member, in index order. */
function commitJobSpec(members: RunJobSpec): CommitJobSpec {
  return {
    kind: "EcmwfRunCommit",
    run: { ...members.run },
    members: [...members.members],
    output: members.output,
    format: members.format,
    layout: members.layout,
    ...(members.collection ? { collection: structuredClone(members.collection) } : {}),
  };
}

/**
 * The commit Job of `run` once its members' Job `job` has ended with at least one member done;
 * `undefined` before, after a run with nothing to commit, or for a run that needs none.
 */
export function desiredCommitJob(
  run: EcmwfRun,
  job: V1Job,
  pods: readonly V1Pod[],
  defaults: JobDefaults,
): V1Job | undefined {
  const contract = jobSpecOf(job);
  if (contract?.kind !== "EcmwfRun" || !needsCommit(contract)) return undefined;
  const { progress } = memberProgress(job, pods, contract, contract.members, run.status?.members);
  if (!progress.end || progress.completed.size === 0) return undefined;
  return indexedJob({
    owner: run,
    name: commitJobName(run),
    component: "commit",
    ownerLabel: runOwnerLabel(run),
    completions: 1,
    parallelism: 1,
    backoffLimitPerIndex: runBackoffLimit(run),
    spec: commitJobSpec(contract),
    ...podSettings(run.spec, defaults),
  });
}
