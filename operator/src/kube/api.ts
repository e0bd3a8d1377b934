/**
 * The narrow slice of the Kubernetes API the reconcilers use: informer caches to read, a few
 * writes, the one read no cache holds (the tail of a pod's log), and an event sink. `client.ts` implements it over client-node; tests use fakes that
 * record what was called.
 *
 * @module
 */
import type { ObjectCache, V1Job, V1Pod } from "@kubernetes/client-node";
import type {
  EcmwfRun,
  EcmwfSchedule,
  GikResource,
  TemplateBuild,
} from "../../../job-image/src/api/index.js";

/** The informer caches reconcilers read from (never the API server directly). */
export interface Caches {
  runs: ObjectCache<EcmwfRun>;
  templateBuilds: ObjectCache<TemplateBuild>;
  schedules: ObjectCache<EcmwfSchedule>;
  jobs: ObjectCache<V1Job>;
  pods: ObjectCache<V1Pod>;
}

/** An EcmwfRun as sent to be created: the API server gives it its uid. */
export type NewRun = Omit<EcmwfRun, "metadata" | "status"> & { metadata: Omit<EcmwfRun["metadata"], "uid"> };

/** The object whose status subresource is patched, as last read. */
export interface StatusTarget {
  plural: string;
  namespace: string;
  name: string;
  /** The resourceVersion read: the patch fails with 409 if the object changed since. */
  resourceVersion?: string;
}

/** The last lines of one container's log, at most `limitBytes` of them. */
export interface PodLogTail {
  namespace: string;
  pod: string;
  container: string;
  tailLines: number;
  limitBytes: number;
}

export interface KubeApi {
  /** Server-side apply of a whole Job (field manager `gik-operator`, forced): creates or updates it. */
  applyJob(job: V1Job): Promise<V1Job>;
  /** Sets a running Job's `parallelism` (server-side apply of that field under its own field manager). */
  scaleJob(namespace: string, name: string, parallelism: number): Promise<void>;
  /** JSON merge patch of the status subresource; `patch` is the `status` part only. */
  patchStatus(target: StatusTarget, patch: Record<string, unknown>): Promise<void>;
  /**
   * Creates an EcmwfRun (never updates one): the run as created, or `undefined` when a run of that
   * name exists already (409 AlreadyExists).
   */
  createRun(run: NewRun): Promise<EcmwfRun | undefined>;
  /**
   * Deletes the EcmwfRun `name` if it is still the object `uid` (a precondition; its Job goes by
   * garbage collection in the background). `false` when that object was gone already.
   */
  deleteRun(namespace: string, name: string, uid: string): Promise<boolean>;
  /** The tail of a running container's log (`pods/log`), as text. */
  readPodLog(tail: PodLogTail): Promise<string>;
}

export type EventType = "Normal" | "Warning";

/** One Event to record about an object. */
export interface EventSpec {
  type: EventType;
  reason: string;
  message: string;
}

/** Records Events; failures are logged by the implementation, never thrown. */
export interface EventSink {
  emit(regarding: GikResource, event: EventSpec): Promise<void>;
}
