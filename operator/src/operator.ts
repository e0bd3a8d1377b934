/**
 * The operator's wiring, declared once (controller-runtime's builder, by hand): which informer
 * events enqueue which keys of which controller.
 *
 * | controller       | For (generation changes) | Owns (all events) | Watches                          |
 * | ---------------- | ------------------------ | ----------------- | -------------------------------- |
 * | `ecmwfrun`       | EcmwfRun                 | Job, Pod          | TemplateBuild → runs naming it   |
 * | `templatebuild`  | TemplateBuild            | Job, Pod          |                                  |
 * | `ecmwfschedule`  | EcmwfSchedule            | EcmwfRun          |                                  |
 *
 * Handlers only map objects to keys and add them to queues. Controllers start once every informer
 * has listed, so no reconcile sees a run without the Job that exists (nor a schedule without its
 * runs).
 *
 * Schedules run on `scheduleClock` (their reconciler and their queue's delays): the system clock,
 * or for tests and demos a shifted, faster one (`GIK_CLOCK_*`, see `config.ts`). Everything else
 * — leader election, informer restarts, run reconciles, Event times — keeps `clock`.
 *
 * @module
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  ECMWF_RUN,
  ECMWF_SCHEDULE,
  type GikResource,
  TEMPLATE_BUILD,
} from "../../job-image/src/api/index.js";
import type { JobDefaults } from "./config.js";
import { type Clock, sleep } from "./controller/clock.js";
import { Controller, type ReconcileMetrics } from "./controller/controller.js";
import type { InformerHandlers, ResilientInformer } from "./controller/informer.js";
import { WorkQueue } from "./controller/queue.js";
import { keyOf, type Reconciler } from "./controller/result.js";
import type { EventSink, KubeApi } from "./kube/api.js";
import type { Informers } from "./kube/informers.js";
import { controllerOwner, GenerationChanged, podOwner, runsUsingTemplateBuild } from "./kube/predicates.js";
import { ecmwfRunReconciler } from "./reconcilers/ecmwf-run/reconcile.js";
import { ecmwfScheduleReconciler } from "./reconcilers/ecmwf-schedule/reconcile.js";
import { templateBuildReconciler } from "./reconcilers/template-build/reconcile.js";

export interface OperatorDeps {
  informers: Informers;
  api: KubeApi;
  events: EventSink;
  clock: Clock;
  /** The clock of schedules; default `clock`. */
  scheduleClock?: Clock;
  defaults: JobDefaults;
  log: Logger;
  workers: number;
  metrics?: ReconcileMetrics;
}

export interface Operator {
  controllers: readonly Controller[];
  /** Starts the informers, waits for their first list, then starts the controllers. */
  start(): Promise<void>;
  /** Stops the informers, then lets queued and in-flight reconciles finish. */
  stop(): Promise<void>;
  /** True once every informer has listed and is watching. */
  synced(): boolean;
  queueDepth(): Array<{ controller: string; depth: number }>;
}

/** Builds the controllers and connects the informers to their queues. */
export function wireOperator(deps: OperatorDeps): Operator {
  const { informers, clock, log } = deps;
  const caches = {
    runs: informers.runs,
    templateBuilds: informers.templateBuilds,
    schedules: informers.schedules,
    jobs: informers.jobs,
    pods: informers.pods,
  };
  const reconcilerDeps = { ...deps, caches };
  const make = (name: string, reconcile: Reconciler, queueClock = clock) => {
    const queue = new WorkQueue({ clock: queueClock });
    const controller = new Controller({
      name,
      reconcile,
      queue,
      clock,
      log: log.child({ controller: name }),
      workers: deps.workers,
      metrics: deps.metrics,
    });
    return { controller, queue };
  };
  const runs = make(
    "ecmwfrun",
    ecmwfRunReconciler({ ...reconcilerDeps, log: log.child({ controller: "ecmwfrun" }) }),
  );
  const builds = make(
    "templatebuild",
    templateBuildReconciler({ ...reconcilerDeps, log: log.child({ controller: "templatebuild" }) }),
  );
  const scheduleClock = deps.scheduleClock ?? clock;
  const schedules = make(
    "ecmwfschedule",
    ecmwfScheduleReconciler({
      ...reconcilerDeps,
      clock: scheduleClock,
      log: log.child({ controller: "ecmwfschedule" }),
    }),
    scheduleClock,
  );

  informers.runs.on(forResource((r) => runs.controller.enqueue(keyOf(r.metadata))));
  informers.templateBuilds.on(forResource((tb) => builds.controller.enqueue(keyOf(tb.metadata))));
  informers.schedules.on(forResource((es) => schedules.controller.enqueue(keyOf(es.metadata))));
  // A run's every change (its status included: ended runs free Forbid and count for the history).
  informers.runs.on(
    everyEvent((run) => {
      const schedule = controllerOwner(run, ECMWF_SCHEDULE.kind);
      if (schedule) schedules.controller.enqueue(keyOf(schedule));
    }),
  );
  informers.templateBuilds.on(
    everyEvent((tb) => {
      for (const key of runsUsingTemplateBuild(tb, informers.runs)) runs.controller.enqueue(keyOf(key));
    }),
  );
  informers.jobs.on(
    everyEvent((job) => {
      const run = controllerOwner(job, ECMWF_RUN.kind);
      if (run) runs.controller.enqueue(keyOf(run));
      const tb = controllerOwner(job, TEMPLATE_BUILD.kind);
      if (tb) builds.controller.enqueue(keyOf(tb));
    }),
  );
  informers.pods.on(
    everyEvent((pod) => {
      const run = podOwner(pod, informers.jobs, ECMWF_RUN.kind);
      if (run) runs.controller.enqueue(keyOf(run));
      const tb = podOwner(pod, informers.jobs, TEMPLATE_BUILD.kind);
      if (tb) builds.controller.enqueue(keyOf(tb));
    }),
  );

  const all: ResilientInformer<KubernetesObject>[] = Object.values(informers);
  const controllers = [runs.controller, builds.controller, schedules.controller];
  const stopping = new AbortController();
  return {
    controllers,
    async start() {
      await Promise.all(all.map((i) => i.start()));
      // A reconcile on a partial cache would see a run without its Job: wait for every first list.
      while (!all.every((i) => i.synced) && !stopping.signal.aborted)
        await sleep(clock, 200, stopping.signal);
      if (!stopping.signal.aborted) for (const c of controllers) c.start();
    },
    async stop() {
      stopping.abort();
      await Promise.all(all.map((i) => i.stop()));
      await Promise.all(controllers.map((c) => c.shutDown()));
    },
    synced: () => all.every((i) => i.synced),
    queueDepth: () => [
      { controller: runs.controller.name, depth: runs.queue.len() },
      { controller: builds.controller.name, depth: builds.queue.len() },
      { controller: schedules.controller.name, depth: schedules.queue.len() },
    ],
  };
}

/** Handlers for a `For` resource: adds and deletes always, updates only on a generation change. */
function forResource<T extends GikResource>(enqueue: (obj: T) => void): InformerHandlers<T> {
  const generations = new GenerationChanged();
  return {
    add: (obj) => {
      generations.accept(obj);
      enqueue(obj);
    },
    update: (obj) => {
      if (generations.accept(obj)) enqueue(obj);
    },
    delete: (obj) => {
      generations.forget(obj);
      enqueue(obj);
    },
  };
}

function everyEvent<T>(handle: (obj: T) => void): InformerHandlers<T> {
  return { add: handle, update: handle, delete: handle };
}
