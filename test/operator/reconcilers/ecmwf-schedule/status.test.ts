/**
 * The status of an EcmwfSchedule (fields that only move forward, active runs, conditions) and the
 * Events of its transitions (RunSkipped once per cursor move, InvalidSpec).
 */
import { describe, expect, it } from "vitest";
import type { EcmwfScheduleStatus, RunPhase } from "../../../../job-image/src/api/index.js";
import { findCondition } from "../../../../operator/src/reconcilers/common/conditions.js";
import type { OwnedRun } from "../../../../operator/src/reconcilers/ecmwf-schedule/gather.js";
import { scheduledCycle } from "../../../../operator/src/reconcilers/ecmwf-schedule/schedule.js";
import { computeScheduleStatus } from "../../../../operator/src/reconcilers/ecmwf-schedule/status.js";
import {
  describeSkips,
  scheduleTransitions,
} from "../../../../operator/src/reconcilers/ecmwf-schedule/transitions.js";
import { schedule, scheduledRun } from "../../helpers/objects.js";

const NOW = new Date("2025-01-02T01:00:00Z");
const times = {
  cycles: [0, 6, 12, 18] as const,
  publicationDelaySeconds: 21_600,
  maxBackfill: 4,
  startingDeadlineSeconds: 3600,
};
const t = (stamp: string) =>
  Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8));
const cycle = (stamp: string) => scheduledCycle(t(stamp), { ...times, cycles: [...times.cycles] });
const ready = { status: "True" as const, reason: "Scheduled", message: "next cycle 2025010206" };

function owned(stamp: string, phase?: RunPhase): OwnedRun {
  return { run: scheduledRun(schedule(), stamp, phase), runTime: new Date(t(stamp)) };
}

describe("computeScheduleStatus", () => {
  it("from the runs and what was made: cursor, last runs, active (oldest first), conditions", () => {
    const status = computeScheduleStatus({
      schedule: schedule({}, { generation: 3 }),
      runs: [owned("2025010100", "Succeeded"), owned("2025010106", "Failed"), owned("2025010112", "Running")],
      scheduled: ["ens-2025010118"],
      handled: new Date(t("2025010118")),
      ready,
      now: NOW,
    });
    expect(status).toMatchObject({
      observedGeneration: 3,
      lastScheduleTime: "2025-01-01T18:00:00Z",
      lastScheduledRun: "ens-2025010118",
      lastSuccessfulRun: "ens-2025010100",
      active: ["ens-2025010112", "ens-2025010118"],
      activeCount: 2,
    });
    const conditions = Object.fromEntries(
      (status.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]),
    );
    expect(conditions).toEqual({
      Ready: ["True", "Scheduled"],
      Stalled: ["False", "SpecValid"],
      LastRunSucceeded: ["False", "RunFailed"],
    });
    expect(findCondition(status.conditions, "LastRunSucceeded")?.message).toBe("run ens-2025010106 failed");
  });

  it("only moves forward: a pruned run or a stale world does not take the cursor or the last runs back", () => {
    const old: EcmwfScheduleStatus = {
      lastScheduleTime: "2025-01-01T18:00:00Z",
      lastScheduledRun: "ens-2025010118",
      lastSuccessfulRun: "ens-2025010112",
    };
    const status = computeScheduleStatus({
      schedule: schedule({}, {}, old),
      runs: [owned("2025010100", "Succeeded")],
      scheduled: [],
      ready,
      now: NOW,
    });
    expect(status).toMatchObject(old);
    expect(status.active).toEqual([]);
    expect(findCondition(status.conditions, "LastRunSucceeded")).toMatchObject({
      status: "True",
      reason: "RunSucceeded",
    });
  });

  it("a lost status is found again from the runs", () => {
    const status = computeScheduleStatus({
      schedule: schedule(),
      runs: [owned("2025010100", "Succeeded"), owned("2025010106")],
      scheduled: [],
      ready,
      now: NOW,
    });
    expect(status).toMatchObject({
      lastScheduleTime: "2025-01-01T06:00:00Z",
      lastScheduledRun: "ens-2025010106",
      lastSuccessfulRun: "ens-2025010100",
      active: ["ens-2025010106"],
    });
    expect(findCondition(status.conditions, "LastRunSucceeded")?.reason).toBe("RunSucceeded");
  });

  it("no run ended: LastRunSucceeded Unknown; an invalid spec: Stalled, naming the field", () => {
    const status = computeScheduleStatus({
      schedule: schedule(),
      runs: [],
      scheduled: [],
      ready: { status: "False", reason: "InvalidSpec", message: "the spec cannot be acted on" },
      problem: { field: "spec.cycles[1]", message: "cycle 0 is listed twice" },
      now: NOW,
    });
    expect(findCondition(status.conditions, "LastRunSucceeded")).toMatchObject({
      status: "Unknown",
      reason: "NoRunEnded",
    });
    expect(findCondition(status.conditions, "Stalled")).toMatchObject({
      status: "True",
      message: "spec.cycles[1]: cycle 0 is listed twice",
    });
  });
});

describe("scheduleTransitions", () => {
  const name = (r: { date: string; cycle: number }) => `ens-${r.date}${String(r.cycle).padStart(2, "0")}`;
  const skips = describeSkips(
    {
      beyondBackfill: { count: 3, first: cycle("2024123100"), last: cycle("2024123112") },
      missed: [cycle("2024123118")],
      superseded: [cycle("2025010100")],
      taken: [],
      maxBackfill: 4,
      newestDue: cycle("2025010106"),
    },
    name,
  );

  it("describes each skip, oldest first", () => {
    expect(skips.map((s) => s.message)).toEqual([
      "3 cycle(s) from 2024123100 to 2024123112 not made: more than maxBackfill (4) cycles were due",
      "ens-2024123118 (cycle 2024123118) not made: due at 2025-01-01T00:00:00Z, its starting deadline passed at 2025-01-01T01:00:00Z",
      "ens-2025010100 (cycle 2025010100) not made: superseded by 2025010106 (concurrencyPolicy Replace)",
    ]);
  });

  it.each([
    ["the cursor moved over every skip", undefined, "2025-01-01T06:00:00Z", 3],
    ["the cursor moved over the newest only", "2024-12-31T18:00:00Z", "2025-01-01T06:00:00Z", 1],
    [
      "the cursor did not move (the skips were recorded before)",
      "2025-01-01T06:00:00Z",
      "2025-01-01T06:00:00Z",
      0,
    ],
  ])("RunSkipped for the skips the cursor moved over: %s", (_name, from, to, count) => {
    const events = scheduleTransitions({ lastScheduleTime: from }, { lastScheduleTime: to }, skips);
    expect(events).toHaveLength(count);
    for (const e of events) expect(e).toMatchObject({ type: "Warning", reason: "RunSkipped" });
  });

  it("InvalidSpec once, when the spec becomes one that cannot be acted on", () => {
    const stalled = {
      type: "Stalled",
      status: "True" as const,
      reason: "InvalidSpec",
      message: "spec.maxBackfill: expected an integer from 1 to 100, got 0",
      lastTransitionTime: "2025-01-01T00:00:00Z",
    };
    expect(scheduleTransitions({}, { conditions: [stalled] }, [])).toEqual([
      { type: "Warning", reason: "InvalidSpec", message: stalled.message },
    ]);
    expect(scheduleTransitions({ conditions: [stalled] }, { conditions: [stalled] }, [])).toEqual([]);
  });
});
