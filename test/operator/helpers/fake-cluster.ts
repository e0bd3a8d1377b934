/**
 * An in-memory stand-in for the API server as the reconcilers see it: informer caches over maps,
 * a {@link KubeApi} that applies writes to those maps (server-side apply creates or replaces, status
 * merge patches honour the resourceVersion precondition, run creates answer 409 for a name that
 * exists, deletes honour the uid precondition, pod logs are what a test put in `podLogs`) and
 * records every call, and an event sink that records Events. With `cacheLag` set, runs created go to the "server" only, not to the cache,
 * until {@link FakeCluster.catchUp}: a stale cache.
 */
import type { ObjectCache, V1Job, V1Pod } from "@kubernetes/client-node";
import type {
  EcmwfRun,
  EcmwfSchedule,
  GikResource,
  TemplateBuild,
} from "../../../job-image/src/api/index.js";
import type { Caches, EventSink, EventSpec, KubeApi, StatusTarget } from "../../../operator/src/kube/api.js";

type Obj = { metadata?: { name?: string; namespace?: string } };

export class MapCache<T extends Obj> implements ObjectCache<T> {
  readonly items = new Map<string, T>();
  get(name: string, namespace?: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }
  list(namespace?: string): ReadonlyArray<T> {
    return [...this.items.values()].filter(
      (o) => namespace === undefined || o.metadata?.namespace === namespace,
    );
  }
  put(obj: T): T {
    this.items.set(`${obj.metadata?.namespace}/${obj.metadata?.name}`, obj);
    return obj;
  }
  delete(name: string, namespace: string): void {
    this.items.delete(`${namespace}/${name}`);
  }
}

export type Action =
  | { verb: "apply"; name: string; parallelism?: number }
  | { verb: "scale"; name: string; parallelism: number }
  | { verb: "patchStatus"; plural: string; name: string; patch: Record<string, unknown> }
  | { verb: "createRun"; name: string; created: boolean }
  | { verb: "deleteRun"; name: string; deleted: boolean }
  | { verb: "readPodLog"; name: string; tailLines: number };

/** RFC 7386: applies a merge patch to a JSON document. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value);
  }
  return base;
}

export class FakeCluster implements Caches {
  readonly runs = new MapCache<EcmwfRun>();
  readonly templateBuilds = new MapCache<TemplateBuild>();
  readonly schedules = new MapCache<EcmwfSchedule>();
  readonly jobs = new MapCache<V1Job>();
  readonly pods = new MapCache<V1Pod>();
  readonly actions: Action[] = [];
  readonly events: Array<EventSpec & { object: string }> = [];
  #rv = 100;
  /** Set to make the next status patch fail with this HTTP status. */
  failNextStatusPatch?: number;
  /** While true, created runs exist on the "server" only (see {@link lagging}), not in the cache. */
  cacheLag = false;
  /** Runs on the "server" that the cache does not show yet. */
  readonly lagging = new MapCache<EcmwfRun>();
  /** Pod logs by `namespace/pod`; a pod without one answers 400, as a container not started. */
  readonly podLogs = new Map<string, string>();
  /** The time stamped on created objects. */
  now: () => Date = () => new Date("2025-01-01T00:00:00Z");

  readonly api: KubeApi = {
    applyJob: async (job) => {
      const name = job.metadata?.name ?? "";
      this.actions.push({ verb: "apply", name, parallelism: job.spec?.parallelism });
      const existing = this.jobs.get(name, job.metadata?.namespace);
      const stored = structuredClone({
        ...job,
        metadata: {
          ...job.metadata,
          uid: existing?.metadata?.uid ?? `uid-${name}`,
          resourceVersion: this.#nextRv(),
        },
        status: existing?.status ?? {},
      });
      return this.jobs.put(stored);
    },
    scaleJob: async (namespace, name, parallelism) => {
      this.actions.push({ verb: "scale", name, parallelism });
      const job = this.jobs.get(name, namespace);
      if (job) this.jobs.put({ ...job, spec: { ...job.spec!, parallelism } });
    },
    patchStatus: async (target: StatusTarget, patch) => {
      this.actions.push({ verb: "patchStatus", plural: target.plural, name: target.name, patch });
      if (this.failNextStatusPatch) {
        const code = this.failNextStatusPatch;
        this.failNextStatusPatch = undefined;
        throw Object.assign(new Error(`HTTP ${code}`), { code });
      }
      const caches: Record<string, MapCache<GikResource>> = {
        ecmwfruns: this.runs as never,
        templatebuilds: this.templateBuilds as never,
        ecmwfschedules: this.schedules as never,
      };
      const cache = caches[target.plural]!;
      const obj = cache.get(target.name, target.namespace);
      if (!obj) throw Object.assign(new Error("not found"), { code: 404 });
      if (target.resourceVersion !== undefined && target.resourceVersion !== obj.metadata.resourceVersion) {
        throw Object.assign(new Error("conflict"), { code: 409 });
      }
      const status = applyMergePatch(obj.status ?? {}, patch);
      cache.put({
        ...obj,
        status,
        metadata: { ...obj.metadata, resourceVersion: this.#nextRv() },
      } as GikResource);
    },
    createRun: async (run) => {
      const { name, namespace } = run.metadata;
      const exists = this.runs.get(name, namespace) ?? this.lagging.get(name, namespace);
      this.actions.push({ verb: "createRun", name, created: !exists });
      if (exists) return undefined;
      const stored = structuredClone({
        ...run,
        metadata: {
          ...run.metadata,
          uid: `uid-${name}`,
          resourceVersion: this.#nextRv(),
          creationTimestamp: this.now().toISOString(),
        },
      }) as EcmwfRun;
      (this.cacheLag ? this.lagging : this.runs).put(stored);
      return stored;
    },
    deleteRun: async (namespace, name, uid) => {
      const cache = this.runs.get(name, namespace) ? this.runs : this.lagging;
      const found = cache.get(name, namespace);
      const deleted = found?.metadata.uid === uid;
      this.actions.push({ verb: "deleteRun", name, deleted });
      if (deleted) cache.delete(name, namespace);
      return deleted;
    },
    readPodLog: async ({ namespace, pod, tailLines }) => {
      this.actions.push({ verb: "readPodLog", name: pod, tailLines });
      const log = this.podLogs.get(`${namespace}/${pod}`);
      if (log === undefined) throw Object.assign(new Error("container not started"), { code: 400 });
      return `${log.trimEnd().split("\n").slice(-tailLines).join("\n")}\n`;
    },
  };

  /** The cache catches up with the "server": lagging runs appear. */
  catchUp(): void {
    for (const run of this.lagging.list()) this.runs.put(run);
    this.lagging.items.clear();
  }

  readonly sink: EventSink = {
    emit: async (regarding, event) => {
      this.events.push({ ...event, object: `${regarding.kind}/${regarding.metadata.name}` });
    },
  };

  /** Actions of one verb. */
  of<V extends Action["verb"]>(verb: V): Extract<Action, { verb: V }>[] {
    return this.actions.filter((a): a is Extract<Action, { verb: V }> => a.verb === verb);
  }

  #nextRv(): string {
    this.#rv += 1;
    return String(this.#rv);
  }
}
