import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { templateBuildReconciler } from "../../../../operator/src/reconcilers/template-build/reconcile.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { FakeCluster } from "../../helpers/fake-cluster.js";
import { defaults, templateBuild, withJobStatus } from "../../helpers/objects.js";

const key = { namespace: "gik", name: "tb-20240529" };

describe("templateBuildReconciler", () => {
  it("makes one Job, follows it to Succeeded with the store, and records each transition once", async () => {
    const cluster = new FakeCluster();
    const clock = new FakeClock();
    const reconcile = templateBuildReconciler({
      caches: cluster,
      api: cluster.api,
      events: cluster.sink,
      clock,
      defaults,
      log: pino({ level: "silent" }),
    });
    cluster.templateBuilds.put(templateBuild({ shards: 2 }));
    expect(await reconcile(key)).toEqual({});
    await reconcile(key);
    expect(cluster.of("apply")).toEqual([{ verb: "apply", name: "tb-tb-20240529", parallelism: 2 }]);
    expect(cluster.events.map((e) => e.reason)).toEqual(["JobCreated"]);

    const job = cluster.jobs.get("tb-tb-20240529", "gik")!;
    cluster.jobs.put(withJobStatus(job, { startTime: clock.now(), active: 2 }));
    await reconcile(key);
    cluster.jobs.put(
      withJobStatus(job, {
        startTime: clock.now(),
        completionTime: clock.now(),
        completedIndexes: "0-1",
        conditions: [{ type: "Complete", status: "True" }] as never,
      }),
    );
    await reconcile(key);
    await reconcile(key);
    expect(cluster.templateBuilds.get(key.name, key.namespace)?.status).toMatchObject({
      phase: "Succeeded",
      store: "s3://gik-templates/20240529",
      completedShards: 2,
      jobName: "tb-tb-20240529",
    });
    expect(cluster.events.map((e) => e.reason)).toEqual(["JobCreated", "Running", "Succeeded"]);
    expect(cluster.of("apply")).toHaveLength(1);
  });
});
