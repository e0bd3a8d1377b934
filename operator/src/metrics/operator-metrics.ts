/**
 * The operator's metrics. Counts of reconciles are recorded as they happen; everything about runs
 * (by phase, members done and failed, member durations) is read from the informer caches at scrape
 * time, so it is right after a restart and never double-counts.
 *
 * @module
 */
import type { ObjectCache } from "@kubernetes/client-node";
import type { EcmwfRun, TemplateBuild } from "../api/types.js";
import type { OutcomeKind, ReconcileMetrics } from "../controller/controller.js";
import { Counter, Gauge, Histogram, type Labels, Registry } from "./registry.js";

export interface MetricSources {
  runs: ObjectCache<EcmwfRun>;
  templateBuilds: ObjectCache<TemplateBuild>;
  /** Keys waiting in each controller's queue. */
  queueDepth: () => Array<{ controller: string; depth: number }>;
  isLeader: () => boolean;
}

const RUN_PHASES = ["Pending", "Running", "Succeeded", "PartiallySucceeded", "Failed"];
const BUILD_PHASES = ["Pending", "Running", "Succeeded", "Failed"];
const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

/** The registry of the operator plus the {@link ReconcileMetrics} the controllers report to. */
export function operatorMetrics(sources: MetricSources): {
  registry: Registry;
  reconciles: ReconcileMetrics;
} {
  const registry = new Registry();
  const total = registry.register(
    new Counter("gik_reconcile_total", "Reconciles by controller and outcome."),
  );
  const errors = registry.register(
    new Counter("gik_reconcile_errors_total", "Reconciles that failed (retried or terminal)."),
  );
  const durations = registry.register(
    new Histogram(
      "gik_reconcile_duration_seconds",
      "Time spent in one reconcile.",
      [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
  );
  registry.register(
    new Gauge("gik_workqueue_depth", "Keys waiting in a controller's queue.", () =>
      sources.queueDepth().map(({ controller, depth }) => ({ labels: { controller }, value: depth })),
    ),
  );
  registry.register(
    new Gauge("gik_ecmwfruns", "EcmwfRuns by phase.", () => byPhase(sources.runs.list(), RUN_PHASES)),
  );
  registry.register(
    new Gauge("gik_templatebuilds", "TemplateBuilds by phase.", () =>
      byPhase(sources.templateBuilds.list(), BUILD_PHASES),
    ),
  );
  registry.register(
    new Gauge("gik_members", "Members of all EcmwfRuns, by state (completed, failed, total).", () => {
      const sum = (f: (r: EcmwfRun) => number | undefined) =>
        sources.runs.list().reduce((acc, r) => acc + (f(r) ?? 0), 0);
      return [
        { labels: { state: "completed" }, value: sum((r) => r.status?.completedMembers) },
        { labels: { state: "failed" }, value: sum((r) => r.status?.failedMembers) },
        { labels: { state: "total" }, value: sum((r) => r.status?.totalMembers) },
      ];
    }),
  );
  registry.register(
    new Histogram(
      "gik_member_duration_seconds",
      "Wall time of members that succeeded, from their reported start and completion times.",
      DURATION_BUCKETS,
      () => [{ labels: {}, values: memberDurations(sources.runs.list()) }],
    ),
  );
  registry.register(
    new Gauge("gik_leader", "1 while this replica holds the Lease.", () => [
      { labels: {}, value: sources.isLeader() ? 1 : 0 },
    ]),
  );
  const reconciles: ReconcileMetrics = {
    reconciled(controller: string, outcome: OutcomeKind, seconds: number) {
      const labels: Labels = { controller };
      total.inc({ controller, outcome });
      if (outcome === "error" || outcome === "terminal") errors.inc(labels);
      durations.observe(labels, seconds);
    },
  };
  return { registry, reconciles };
}

function byPhase(objects: ReadonlyArray<{ status?: { phase?: string } }>, phases: readonly string[]) {
  return phases.map((phase) => ({
    labels: { phase },
    value: objects.filter((o) => (o.status?.phase ?? "Pending") === phase).length,
  }));
}

function memberDurations(runs: readonly EcmwfRun[]): number[] {
  return runs.flatMap((run) =>
    Object.values(run.status?.members ?? {})
      .filter((m) => m.phase === "Succeeded" && m.startTime && m.completionTime)
      .map((m) => (Date.parse(m.completionTime!) - Date.parse(m.startTime!)) / 1000)
      .filter((s) => Number.isFinite(s) && s >= 0),
  );
}
