import type { V1JobStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { findCondition } from "../../../../operator/src/reconcilers/common/conditions.js";
import { checkTemplateBuild } from "../../../../operator/src/reconcilers/template-build/checks.js";
import { desiredTemplateBuildJob } from "../../../../operator/src/reconcilers/template-build/desired-job.js";
import { computeTemplateBuildStatus } from "../../../../operator/src/reconcilers/template-build/status.js";
import { defaults, templateBuild, withJobStatus } from "../../helpers/objects.js";

const tb = templateBuild({ shards: 3 });
const job = desiredTemplateBuildJob(tb, defaults);
const now = new Date("2025-01-01T07:00:00Z");
const go = checkTemplateBuild({ templateBuild: tb });

describe("computeTemplateBuildStatus", () => {
  it.each<{
    name: string;
    status?: V1JobStatus;
    phase: string;
    store?: string;
    done: number;
    failed: number;
  }>([
    { name: "no Job", status: undefined, phase: "Pending", done: 0, failed: 0 },
    {
      name: "running",
      status: { startTime: now, active: 3, completedIndexes: "1" },
      phase: "Running",
      done: 1,
      failed: 0,
    },
    {
      name: "complete: the store is ready",
      status: {
        startTime: now,
        completedIndexes: "0-2",
        conditions: [{ type: "Complete", status: "True" }] as never,
      },
      phase: "Succeeded",
      store: "s3://gik-templates/20240529",
      done: 3,
      failed: 0,
    },
    {
      name: "one shard failed: the build failed (partial templates are of no use)",
      status: {
        startTime: now,
        completedIndexes: "0-1",
        failedIndexes: "2",
        conditions: [{ type: "Failed", status: "True", reason: "FailedIndexes" }] as never,
      },
      phase: "Failed",
      done: 2,
      failed: 1,
    },
  ])("$name → $phase", ({ status, phase, store, done, failed }) => {
    const s = computeTemplateBuildStatus(tb, status ? withJobStatus(job, status) : undefined, go, now);
    expect(s).toMatchObject({ phase, completedShards: done, failedShards: failed, totalShards: 3 });
    expect(s.store).toBe(store);
  });

  it("an invalid spec stalls, naming the field", () => {
    const bad = templateBuild({ referenceDate: "20240230" });
    const s = computeTemplateBuildStatus(bad, undefined, checkTemplateBuild({ templateBuild: bad }), now);
    expect(findCondition(s.conditions, "Stalled")).toMatchObject({ status: "True", reason: "InvalidSpec" });
    expect(findCondition(s.conditions, "Stalled")?.message).toMatch(/^spec\.referenceDate: /);
  });
});
