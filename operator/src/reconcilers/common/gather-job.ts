/**
 * Finding the Job of an object in the informer cache, and its pods. A Job of the expected name
 * that another object controls (a deleted object's Job not yet garbage-collected) is returned as
 * `foreignJob`, never as the object's own.
 *
 * @module
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { GikResource } from "../../../../job-image/src/api/index.js";
import type { Caches } from "../../kube/api.js";
import { podsOfJob } from "./job-state.js";

export interface OwnedJob {
  job?: V1Job;
  foreignJob?: V1Job;
  pods: V1Pod[];
}

/** The Job named `jobName` if `owner` controls it, and its pods. */
export function gatherOwnedJob(caches: Caches, owner: GikResource, jobName: string): OwnedJob {
  const { namespace, uid } = owner.metadata;
  const cached = caches.jobs.get(jobName, namespace);
  if (!cached) return { pods: [] };
  const controlled = cached.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === uid);
  if (!controlled) return { foreignJob: cached, pods: [] };
  return { job: cached, pods: podsOfJob(cached, caches.pods.list(namespace)) };
}
