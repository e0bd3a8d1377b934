/**
 * The operator's metrics, on a prom-client registry (the ecosystem's well-kept implementation of
 * the Prometheus text format, with the process metrics platform engineers expect: CPU, memory,
 * event-loop lag, GC). Counts of reconciles are recorded as they happen; everything about runs (by
 * phase, members done and failed, member durations) is read from the informer caches at scrape
 * time, so it is right after a restart and never double-counts.
 *
 * @module
 */
import type { ObjectCache } from "@kubernetes/client-node";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EcmwfRun, TemplateBuild } from "../../../job-image/src/api/index.js";
import type { OutcomeKind, ReconcileMetrics } from "../controller/controller.js";

export interface MetricSources {
  runs: ObjectCache<EcmwfRun>;
  templateBuilds: ObjectCache<TemplateBuild>;
  /** Keys waiting in each controller's queue. */
  queueDepth: () => Array<{ controller: string; depth: number }>;
  isLeader: () => boolean;
}

const RUN_PHASES = ["Pending", "Queued", "Running", "Succeeded", "PartiallySucceeded", "Failed"];
const BUILD_PHASES = ["Pending", "Running", "Succeeded", "Failed"];
const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

/** The registry of the operator plus the {@link ReconcileMetrics} the controllers report to. */
export function operatorMetrics(sources: MetricSources): {
  registry: Registry;
  reconciles: ReconcileMetrics;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const total = new Counter({
    name: "gik_reconcile_total",
    help: "Reconciles by controller and outcome.",
    labelNames: ["controller", "outcome"],
    registers,
  });
  const errors = new Counter({
    name: "gik_reconcile_errors_total",
    help: "Reconciles that failed (retried or terminal).",
    labelNames: ["controller"],
    registers,
  });
  const durations = new Histogram({
    name: "gik_reconcile_duration_seconds",
    help: "Time spent in one reconcile.",
    labelNames: ["controller"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });
  new Gauge({
    name: "gik_workqueue_depth",
    help: "Keys waiting in a controller's queue.",
    labelNames: ["controller"],
    registers,
    collect() {
      for (const { controller, depth } of sources.queueDepth()) this.set({ controller }, depth);
    },
  });
  new Gauge({
    name: "gik_ecmwfruns",
    help: "EcmwfRuns by phase.",
    labelNames: ["phase"],
    registers,
    collect() {
      setByPhase(this, sources.runs.list(), RUN_PHASES);
    },
  });
  new Gauge({
    name: "gik_templatebuilds",
    help: "TemplateBuilds by phase.",
    labelNames: ["phase"],
    registers,
    collect() {
      setByPhase(this, sources.templateBuilds.list(), BUILD_PHASES);
    },
  });
  new Gauge({
    name: "gik_members",
    help: "Members of all EcmwfRuns, by state (completed, failed, total).",
    labelNames: ["state"],
    registers,
    collect() {
      const sum = (f: (r: EcmwfRun) => number | undefined) =>
        sources.runs.list().reduce((acc, r) => acc + (f(r) ?? 0), 0);
      this.set(
        { state: "completed" },
        sum((r) => r.status?.completedMembers),
      );
      this.set(
        { state: "failed" },
        sum((r) => r.status?.failedMembers),
      );
      this.set(
        { state: "total" },
        sum((r) => r.status?.totalMembers),
      );
    },
  });
  new Histogram({
    name: "gik_member_duration_seconds",
    help: "Wall time of members that succeeded, from their reported start and completion times.",
    buckets: DURATION_BUCKETS,
    registers,
    collect() {
      // Derived from the caches at each scrape, not accumulated: the runs' status is the record.
      this.reset();
      for (const seconds of memberDurations(sources.runs.list())) this.observe(seconds);
    },
  });
  new Gauge({
    name: "gik_leader",
    help: "1 while this replica holds the Lease.",
    registers,
    collect() {
      this.set(sources.isLeader() ? 1 : 0);
    },
  });
  const reconciles: ReconcileMetrics = {
    reconciled(controller: string, outcome: OutcomeKind, seconds: number) {
      total.inc({ controller, outcome });
      if (outcome === "error" || outcome === "terminal") errors.inc({ controller });
      durations.observe({ controller }, seconds);
    },
  };
  return { registry, reconciles };
}

function setByPhase(
  gauge: Gauge<"phase">,
  objects: ReadonlyArray<{ status?: { phase?: string } }>,
  phases: readonly string[],
): void {
  for (const phase of phases) {
    gauge.set({ phase }, objects.filter((o) => (o.status?.phase ?? "Pending") === phase).length);
  }
}

function memberDurations(runs: readonly EcmwfRun[]): number[] {
  return runs.flatMap((run) =>
    Object.values(run.status?.members ?? {})
      .filter((m) => m.phase === "Succeeded" && m.startTime && m.completionTime)
      .map((m) => (Date.parse(m.completionTime!) - Date.parse(m.startTime!)) / 1000)
      .filter((s) => Number.isFinite(s) && s >= 0),
  );
}
