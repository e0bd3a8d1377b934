/**
 * The EcmwfSchedule reconciler against a fake cluster that records API actions, with a fake clock:
 * runs made one per due cycle and never twice (a stale cache's second create answered 409), a
 * missed cycle skipped once across restarts, Forbid and Replace, history pruning, suspend, an
 * invalid spec. A "restart" is a new reconciler over the same cluster: nothing is kept in memory.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { EcmwfSchedule, EcmwfScheduleSpec, RunPhase } from "../../../../job-image/src/api/index.js";
import { findCondition } from "../../../../operator/src/reconcilers/common/conditions.js";
import type { ReconcilerDeps } from "../../../../operator/src/reconcilers/common/deps.js";
import { UNSEEN_REQUEUE_MS } from "../../../../operator/src/reconcilers/ecmwf-schedule/checks.js";
import { ecmwfScheduleReconciler } from "../../../../operator/src/reconcilers/ecmwf-schedule/reconcile.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { FakeCluster } from "../../helpers/fake-cluster.js";
import { defaults, run, schedule, scheduledRun } from "../../helpers/objects.js";

const key = { namespace: "gik", name: "ens" };
const HOUR = 3_600_000;

function setup(
  spec: Partial<EcmwfScheduleSpec> = {},
  start = "2025-01-01T05:00:00Z",
  status?: EcmwfSchedule["status"],
) {
  const cluster = new FakeCluster();
  const clock = new FakeClock(Date.parse(start));
  cluster.now = () => clock.now();
  const deps: ReconcilerDeps = {
    caches: cluster,
    api: cluster.api,
    events: cluster.sink,
    clock,
    defaults,
    log: pino({ level: "silent" }),
  };
  cluster.schedules.put(schedule(spec, {}, status));
  /** A fresh reconciler over the same cluster, as after an operator restart. */
  const restart = () => ecmwfScheduleReconciler(deps);
  return { cluster, clock, reconcile: restart(), restart };
}

const current = (cluster: FakeCluster): EcmwfSchedule => cluster.schedules.get("ens", "gik")!;
const runNames = (cluster: FakeCluster) =>
  [...cluster.runs.list(), ...cluster.lagging.list()].map((r) => r.metadata.name).sort();
const events = (cluster: FakeCluster, reason?: string) =>
  cluster.events.filter((e) => !reason || e.reason === reason).map((e) => `${e.reason}: ${e.message}`);
const condition = (cluster: FakeCluster, type: string) =>
  findCondition(current(cluster).status?.conditions, type);

/** Ends the run `name` as its own reconciler would record it. */
function end(cluster: FakeCluster, name: string, phase: RunPhase): void {
  const r = cluster.runs.get(name, "gik")!;
  cluster.runs.put({ ...r, status: { ...r.status, phase, completionTime: "2025-01-01T00:00:00Z" } });
}

describe("ecmwfScheduleReconciler", () => {
  it("over three cycles makes exactly one run per due cycle, requeuing until the next is due", async () => {
    const { cluster, clock, reconcile } = setup();

    expect(await reconcile(key)).toEqual({ requeueAfterMs: 1 * HOUR });
    expect(runNames(cluster)).toEqual([]);
    expect(condition(cluster, "Ready")).toMatchObject({
      status: "True",
      reason: "Scheduled",
      message: "next cycle 2025010100, due at 2025-01-01T06:00:00Z",
    });

    // 05:00 → 06:00, then from a minute past each due time to the next one.
    for (const [stamp, ms] of [
      ["2025010100", 1 * HOUR],
      ["2025010106", 6 * HOUR - 60_000],
      ["2025010112", 6 * HOUR - 60_000],
    ] as const) {
      clock.advance(ms);
      expect(await reconcile(key)).toEqual({ requeueAfterMs: 6 * HOUR });
      expect(runNames(cluster).at(-1)).toBe(`ens-${stamp}`);
      // Woken again (its run's ADDED event), a minute later: nothing more, not even a status write.
      clock.advance(60_000);
      const patches = cluster.of("patchStatus").length;
      expect(await reconcile(key)).toEqual({ requeueAfterMs: 6 * HOUR - 60_000 });
      expect(cluster.of("patchStatus")).toHaveLength(patches);
    }
    expect(runNames(cluster)).toEqual(["ens-2025010100", "ens-2025010106", "ens-2025010112"]);
    expect(cluster.of("createRun")).toEqual([
      { verb: "createRun", name: "ens-2025010100", created: true },
      { verb: "createRun", name: "ens-2025010106", created: true },
      { verb: "createRun", name: "ens-2025010112", created: true },
    ]);
    expect(events(cluster)).toEqual([
      "RunCreated: Created run ens-2025010100",
      "RunCreated: Created run ens-2025010106",
      "RunCreated: Created run ens-2025010112",
    ]);
    expect(current(cluster).status).toMatchObject({
      observedGeneration: 1,
      lastScheduleTime: "2025-01-01T12:00:00Z",
      lastScheduledRun: "ens-2025010112",
      active: ["ens-2025010100", "ens-2025010106", "ens-2025010112"],
      activeCount: 3,
    });
    const made = cluster.runs.get("ens-2025010106", "gik")!;
    expect(made.spec).toMatchObject({
      date: "20250101",
      cycle: 6,
      templates: { templateBuild: "tb-20240529" },
    });
    expect(made.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "EcmwfSchedule",
      uid: "uid-ens",
      controller: true,
    });
  });

  it("a stale cache (run and status not seen yet) re-creates a cycle: 409 counts as made, no duplicate, one RunCreated", async () => {
    const { cluster, restart } = setup({}, "2025-01-01T06:00:00Z");
    const before = structuredClone(current(cluster));
    cluster.cacheLag = true;
    await restart()(key);
    expect(cluster.lagging.list().map((r) => r.metadata.name)).toEqual(["ens-2025010100"]);
    expect(cluster.runs.list()).toEqual([]);

    // The cache still shows the schedule as it was before the status write, and no run.
    cluster.schedules.put(before);
    expect(await restart()(key)).toEqual({ requeueAfterMs: 6 * HOUR });
    expect(cluster.of("createRun")).toEqual([
      { verb: "createRun", name: "ens-2025010100", created: true },
      { verb: "createRun", name: "ens-2025010100", created: false },
    ]);
    expect(current(cluster).status).toMatchObject({
      lastScheduleTime: "2025-01-01T00:00:00Z",
      lastScheduledRun: "ens-2025010100",
      active: ["ens-2025010100"],
    });

    cluster.catchUp();
    await restart()(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100"]);
    expect(cluster.of("createRun")).toHaveLength(2);
    expect(events(cluster, "RunCreated")).toEqual(["RunCreated: Created run ens-2025010100"]);
  });

  it("a cycle whose deadline passed while the operator was down is skipped, with one Event across restarts", async () => {
    const { cluster, clock, reconcile, restart } = setup({ startingDeadlineSeconds: 3600 });
    clock.advance(1 * HOUR);
    await reconcile(key);
    // Down from 06:00 to 18:30: 06z was due at 12:00 (deadline 13:00), 12z at 18:00 (deadline 19:00).
    clock.advance(12.5 * HOUR);
    expect(await restart()(key)).toEqual({ requeueAfterMs: 5.5 * HOUR });
    expect(runNames(cluster)).toEqual(["ens-2025010100", "ens-2025010112"]);
    const skipped = [
      "RunSkipped: ens-2025010106 (cycle 2025010106) not made: due at 2025-01-01T12:00:00Z, its starting deadline passed at 2025-01-01T13:00:00Z",
    ];
    expect(events(cluster, "RunSkipped")).toEqual(skipped);
    expect(current(cluster).status?.lastScheduleTime).toBe("2025-01-01T12:00:00Z");

    // Restarted again, and again later: the skip is behind the cursor, never recorded again.
    await restart()(key);
    clock.advance(HOUR);
    await restart()(key);
    expect(events(cluster, "RunSkipped")).toEqual(skipped);
    expect(cluster.of("createRun")).toHaveLength(2);
  });

  it("cycles all missed while the operator was down: skipped once, however often it restarts", async () => {
    const { cluster, clock, reconcile, restart } = setup({ startingDeadlineSeconds: 3600 });
    clock.advance(1 * HOUR);
    await reconcile(key);
    clock.advance(13.5 * HOUR); // 19:30: 06z and 12z both past their deadlines
    expect(await restart()(key)).toEqual({ requeueAfterMs: 4.5 * HOUR });
    for (let i = 0; i < 3; i++) {
      clock.advance(HOUR);
      await restart()(key);
    }
    expect(events(cluster, "RunSkipped").map((e) => e.slice(0, 40))).toEqual([
      "RunSkipped: ens-2025010106 (cycle 202501",
      "RunSkipped: ens-2025010112 (cycle 202501",
    ]);
    expect(current(cluster).status?.lastScheduleTime).toBe("2025-01-01T12:00:00Z");
    clock.advance(1.5 * HOUR); // 00:00: 18z due
    await restart()(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100", "ens-2025010118"]);
  });

  it("a status lost (restored without it): the runs show how far the schedule got; nothing older is tried", async () => {
    const { cluster, reconcile } = setup({}, "2025-01-01T12:30:00Z");
    const es = current(cluster);
    cluster.runs.put(scheduledRun(es, "2025010100", "Succeeded"));
    cluster.runs.put(scheduledRun(es, "2025010106"));
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 5.5 * HOUR });
    expect(cluster.of("createRun")).toEqual([]);
    expect(current(cluster).status).toMatchObject({
      lastScheduleTime: "2025-01-01T06:00:00Z",
      lastScheduledRun: "ens-2025010106",
      lastSuccessfulRun: "ens-2025010100",
      active: ["ens-2025010106"],
    });
  });

  it("Forbid: no run while one is active; when it ends, the oldest due cycle", async () => {
    const { cluster, clock, reconcile } = setup({ concurrencyPolicy: "Forbid" }, "2025-01-01T06:00:00Z");
    await reconcile(key);
    clock.advance(6 * HOUR);
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 6 * HOUR });
    expect(runNames(cluster)).toEqual(["ens-2025010100"]);
    expect(condition(cluster, "Ready")).toMatchObject({
      status: "False",
      reason: "WaitingForActiveRun",
      message: "cycle 2025010106 is due; waiting for ens-2025010100 to end (concurrencyPolicy Forbid)",
    });
    expect(current(cluster).status?.lastScheduleTime).toBe("2025-01-01T00:00:00Z");

    // 12z comes due too; 00z still runs.
    clock.advance(6.5 * HOUR);
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100"]);

    // 00z ends: one run, the oldest due (06z), late but within no deadline.
    end(cluster, "ens-2025010100", "Succeeded");
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100", "ens-2025010106"]);
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100", "ens-2025010106"]);
    end(cluster, "ens-2025010106", "Failed");
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100", "ens-2025010106", "ens-2025010112"]);
    expect(current(cluster).status).toMatchObject({
      lastSuccessfulRun: "ens-2025010100",
      active: ["ens-2025010112"],
    });
    expect(condition(cluster, "LastRunSucceeded")).toMatchObject({ status: "False", reason: "RunFailed" });
    expect(events(cluster, "RunSkipped")).toEqual([]);
  });

  it("Forbid: a run the status lists but the cache does not show yet holds the next one back", async () => {
    const { cluster, clock, reconcile } = setup({ concurrencyPolicy: "Forbid" }, "2025-01-01T12:30:00Z", {
      lastScheduleTime: "2025-01-01T00:00:00Z",
      active: ["ens-2025010100"],
    });
    expect(await reconcile(key)).toEqual({ requeueAfterMs: UNSEEN_REQUEUE_MS });
    expect(cluster.of("createRun")).toEqual([]);
    // It was deleted meanwhile: the status written no longer lists it, and the next look goes on.
    clock.advance(UNSEEN_REQUEUE_MS);
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010106"]);
  });

  it("Replace: deletes the active run, makes the newest due cycle, passes over the older", async () => {
    const { cluster, clock, reconcile } = setup({ concurrencyPolicy: "Replace" }, "2025-01-01T06:00:00Z");
    await reconcile(key);
    clock.advance(12.5 * HOUR);
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010112"]);
    expect(cluster.of("deleteRun")).toEqual([{ verb: "deleteRun", name: "ens-2025010100", deleted: true }]);
    expect(events(cluster)).toEqual([
      "RunCreated: Created run ens-2025010100",
      "RunReplaced: Deleted active run ens-2025010100 for ens-2025010112 (concurrencyPolicy Replace)",
      "RunCreated: Created run ens-2025010112",
      "RunSkipped: ens-2025010106 (cycle 2025010106) not made: superseded by 2025010112 (concurrencyPolicy Replace)",
    ]);
    // An ended run is not active: it stays.
    end(cluster, "ens-2025010112", "Succeeded");
    clock.advance(6 * HOUR);
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010112", "ens-2025010118"]);
  });

  it("prunes the oldest ended runs beyond the history limits, with an Event each", async () => {
    const es = schedule({ successfulRunsHistoryLimit: 1, failedRunsHistoryLimit: 1 });
    const { cluster, reconcile } = setup(es.spec, "2025-01-02T01:00:00Z", {
      lastScheduleTime: "2025-01-01T18:00:00Z",
    });
    const phases: [string, RunPhase][] = [
      ["2025010100", "Succeeded"],
      ["2025010106", "Failed"],
      ["2025010112", "Succeeded"],
      ["2025010118", "PartiallySucceeded"],
    ];
    for (const [stamp, phase] of phases) cluster.runs.put(scheduledRun(es, stamp, phase));
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 5 * HOUR });
    expect(runNames(cluster)).toEqual(["ens-2025010112", "ens-2025010118"]);
    expect(events(cluster)).toEqual([
      "RunPruned: Deleted run ens-2025010100 (Succeeded): beyond the history limit",
      "RunPruned: Deleted run ens-2025010106 (Failed): beyond the history limit",
    ]);
    expect(current(cluster).status).toMatchObject({
      lastSuccessfulRun: "ens-2025010112",
      lastScheduledRun: "ens-2025010118",
      active: [],
      activeCount: 0,
    });
    expect(condition(cluster, "LastRunSucceeded")).toMatchObject({
      status: "False",
      message: "run ens-2025010118 partially succeeded",
    });
    // A pruned run is behind the cursor: never made again.
    await reconcile(key);
    expect(cluster.of("createRun")).toEqual([]);
    expect(events(cluster, "RunPruned")).toHaveLength(2);
  });

  it("suspended: makes nothing (the history is still pruned); resumed: the due cycles are made", async () => {
    const { cluster, clock, reconcile } = setup(
      { suspend: true, successfulRunsHistoryLimit: 0 },
      "2025-01-01T06:30:00Z",
    );
    const es = current(cluster);
    cluster.runs.put(scheduledRun(es, "2024123118", "Succeeded"));
    expect(await reconcile(key)).toEqual({});
    expect(runNames(cluster)).toEqual([]);
    expect(events(cluster)).toEqual([
      "RunPruned: Deleted run ens-2024123118 (Succeeded): beyond the history limit",
    ]);
    expect(condition(cluster, "Ready")).toMatchObject({ status: "False", reason: "Suspended" });

    clock.advance(HOUR);
    cluster.schedules.put({
      ...es,
      metadata: { ...current(cluster).metadata, generation: 2 },
      spec: { ...es.spec, suspend: false },
    });
    await reconcile(key);
    expect(runNames(cluster)).toEqual(["ens-2025010100"]);
    expect(condition(cluster, "Ready")).toMatchObject({ status: "True", reason: "Scheduled" });
  });

  it("an invalid spec: Stalled naming the field, an Event, no run", async () => {
    const { cluster, reconcile } = setup({ cycles: [0, 0] }, "2025-01-01T07:00:00Z");
    expect(await reconcile(key)).toEqual({});
    expect(cluster.of("createRun")).toEqual([]);
    expect(condition(cluster, "Stalled")).toMatchObject({
      status: "True",
      message: "spec.cycles[1]: cycle 0 is listed twice",
    });
    expect(events(cluster)).toEqual(["InvalidSpec: spec.cycles[1]: cycle 0 is listed twice"]);
    await reconcile(key);
    expect(events(cluster)).toHaveLength(1);
  });

  it("a run of the cycle's name that it does not own: skipped with an Event, left alone", async () => {
    const { cluster, reconcile } = setup({}, "2025-01-01T06:00:00Z");
    cluster.runs.put(run({}, { name: "ens-2025010100" }));
    await reconcile(key);
    expect(cluster.of("createRun")).toEqual([]);
    expect(events(cluster)).toEqual([
      "RunSkipped: ens-2025010100 (cycle 2025010100) not made: a run of that name exists that this schedule does not own",
    ]);
    expect(current(cluster).status?.lastScheduleTime).toBe("2025-01-01T00:00:00Z");
  });

  it("a deleted schedule: nothing", async () => {
    const { cluster, reconcile } = setup();
    cluster.schedules.delete("ens", "gik");
    expect(await reconcile(key)).toEqual({});
    expect(cluster.actions).toEqual([]);
  });
});
