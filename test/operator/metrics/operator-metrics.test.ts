import { describe, expect, it } from "vitest";
import { operatorMetrics } from "../../../operator/src/metrics/operator-metrics.js";
import { MapCache } from "../helpers/fake-cluster.js";
import { run, templateBuild } from "../helpers/objects.js";

describe("operatorMetrics", () => {
  it("reads runs by phase, members and member durations from the caches, and counts reconciles", async () => {
    const runs = new MapCache<ReturnType<typeof run>>();
    runs.put({
      ...run({}, { name: "a" }),
      status: {
        phase: "Running",
        completedMembers: 2,
        failedMembers: 1,
        totalMembers: 51,
        members: {
          control: {
            phase: "Succeeded",
            startTime: "2025-01-01T06:00:00Z",
            completionTime: "2025-01-01T06:00:03Z",
          },
        },
      },
    });
    runs.put({
      ...run({}, { name: "b" }),
      status: { phase: "Succeeded", completedMembers: 3, totalMembers: 3 },
    });
    const builds = new MapCache<ReturnType<typeof templateBuild>>();
    builds.put(templateBuild({}, { phase: "Succeeded" }));
    const { registry, reconciles } = operatorMetrics({
      runs,
      templateBuilds: builds,
      queueDepth: () => [{ controller: "ecmwfrun", depth: 4 }],
      isLeader: () => true,
    });
    reconciles.reconciled("ecmwfrun", "success", 0.01);
    reconciles.reconciled("ecmwfrun", "error", 0.02);
    const text = await registry.metrics();
    for (const line of [
      'gik_ecmwfruns{phase="Running"} 1',
      'gik_ecmwfruns{phase="Succeeded"} 1',
      'gik_ecmwfruns{phase="Failed"} 0',
      'gik_templatebuilds{phase="Succeeded"} 1',
      'gik_members{state="completed"} 5',
      'gik_members{state="failed"} 1',
      'gik_members{state="total"} 54',
      'gik_member_duration_seconds_bucket{le="5"} 1',
      "gik_member_duration_seconds_sum 3",
      'gik_reconcile_total{controller="ecmwfrun",outcome="success"} 1',
      'gik_reconcile_errors_total{controller="ecmwfrun"} 1',
      'gik_workqueue_depth{controller="ecmwfrun"} 4',
      "gik_leader 1",
      "# TYPE process_cpu_user_seconds_total counter",
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });
});
