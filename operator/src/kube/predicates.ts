/**
 * Event filters and mappers: what informer events become which queue keys. They decide nothing
 * else, and do no I/O beyond reading informer caches.
 *
 * - {@link GenerationChanged} drops updates of a custom resource whose `metadata.generation` did
 *   not change (status writes, label edits). Caveat (as controller-runtime's
 *   `GenerationChangedPredicate`): a status written by someone else does not wake the reconciler;
 *   the Job and Pod events that accompany such writes do.
 * - Job and Pod events are never filtered: a Job's status is what the controller turns into the
 *   owner's status. They map to the owner through the controller ownerReference.
 * - So are the events of EcmwfRuns a schedule made, mapped to the schedule the same way: a run that
 *   ends frees `concurrencyPolicy: Forbid` and counts for the history limits.
 *
 * @module
 */
import type { ObjectCache, V1Job, V1OwnerReference, V1Pod } from "@kubernetes/client-node";
import {
  API_VERSION,
  type EcmwfRun,
  type ObjectKey,
  type TemplateBuild,
} from "../../../job-image/src/api/index.js";

interface Meta {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    ownerReferences?: V1OwnerReference[];
  };
}

/** Passes a custom resource's events only when it is new or its `metadata.generation` changed. */
export class GenerationChanged {
  readonly #seen = new Map<string, number | undefined>();

  /** True for a first sight or a changed generation; remembers the generation either way. */
  accept(obj: Meta): boolean {
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const generation = obj.metadata?.generation;
    const known = this.#seen.has(key);
    const changed = !known || this.#seen.get(key) !== generation;
    this.#seen.set(key, generation);
    return changed;
  }

  /** Forgets a deleted object, so a new object of the same name counts as new. */
  forget(obj: Meta): void {
    this.#seen.delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
  }
}

/** The key of the controller owner of `obj` when that owner is of `kind` (and `apiVersion`). */
export function controllerOwner(obj: Meta, kind: string, apiVersion = API_VERSION): ObjectKey | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== kind || ref.apiVersion !== apiVersion || !obj.metadata?.namespace)
    return undefined;
  return { namespace: obj.metadata.namespace, name: ref.name };
}

/** The key of the object of `kind` that owns the Job owning `pod`, found through the Job cache. */
export function podOwner(pod: V1Pod, jobs: ObjectCache<V1Job>, kind: string): ObjectKey | undefined {
  const job = controllerOwner(pod, "Job", "batch/v1");
  if (!job) return undefined;
  const cached = jobs.get(job.name, job.namespace);
  return cached ? controllerOwner(cached, kind) : undefined;
}

/** Keys of the EcmwfRuns in the TemplateBuild's namespace that name it as their templates. */
export function runsUsingTemplateBuild(tb: TemplateBuild, runs: ObjectCache<EcmwfRun>): ObjectKey[] {
  const { name, namespace } = tb.metadata;
  return runs
    .list(namespace)
    .filter((run) => run.spec?.templates?.templateBuild === name)
    .map((run) => ({ namespace, name: run.metadata.name }));
}
