/**
 * The concurrency chain of EcmwfSchedules (Allow, Forbid, Replace, and a run not yet in the cache)
 * and the history limits, as tables over plain inputs.
 */
import { describe, expect, it } from "vitest";
import type { ConcurrencyPolicy, RunPhase } from "../../../../job-image/src/api/index.js";
import {
  type ConcurrencyInput,
  decideConcurrency,
  UNSEEN_REQUEUE_MS,
} from "../../../../operator/src/reconcilers/ecmwf-schedule/checks.js";
import type { OwnedRun } from "../../../../operator/src/reconcilers/ecmwf-schedule/gather.js";
import { runsToPrune } from "../../../../operator/src/reconcilers/ecmwf-schedule/history.js";
import {
  runStamp,
  type ScheduledCycle,
  type ScheduleTimes,
  scheduledCycle,
} from "../../../../operator/src/reconcilers/ecmwf-schedule/schedule.js";
import { schedule, scheduledRun } from "../../helpers/objects.js";

const times: ScheduleTimes = {
  cycles: [0, 6, 12, 18],
  publicationDelaySeconds: 21_600,
  maxBackfill: 4,
  startingDeadlineSeconds: 3600,
};
const cycle = (stamp: string): ScheduledCycle =>
  scheduledCycle(
    Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8)),
    times,
  );
const es = schedule();
const owned = (stamp: string, phase?: RunPhase): OwnedRun => ({
  run: scheduledRun(es, stamp, phase),
  runTime: cycle(stamp).runTime,
});
const stamps = (list: readonly ScheduledCycle[]) => list.map((c) => runStamp(c.run));
const NOW = new Date("2025-01-01T18:30:00Z");

describe("decideConcurrency", () => {
  const due = [cycle("2025010106"), cycle("2025010112")];
  it.each<{
    name: string;
    policy: ConcurrencyPolicy;
    due?: ScheduledCycle[];
    active?: OwnedRun[];
    unseen?: string[];
    verdict: object;
    create?: string[];
    supersede?: string[];
    replace?: string[];
  }>([
    {
      name: "nothing due: go, naming the next cycle",
      policy: "Forbid",
      due: [],
      active: [owned("2025010100")],
      verdict: {
        kind: "go",
        reason: "Scheduled",
        message: "next cycle 2025010118, due at 2025-01-02T00:00:00Z",
      },
      create: [],
    },
    {
      name: "Allow: every due cycle, oldest first, active runs or not",
      policy: "Allow",
      active: [owned("2025010100")],
      unseen: ["ens-2025010100"],
      verdict: { kind: "go", reason: "Scheduled" },
      create: ["2025010106", "2025010112"],
    },
    {
      name: "Forbid, a run active: wait until the oldest due cycle's deadline",
      policy: "Forbid",
      active: [owned("2025010100")],
      verdict: {
        kind: "wait",
        reason: "WaitingForActiveRun",
        message: "cycle 2025010106 is due; waiting for ens-2025010100 to end (concurrencyPolicy Forbid)",
        // 2025010106 is due at 12:00 and missed after 13:00; 18:30 is past it: look again at once.
        requeueAfterMs: 1,
      },
    },
    {
      name: "Forbid, a run active, deadline ahead: wait for it, or for the next cycle",
      policy: "Forbid",
      due: [cycle("2025010112")],
      active: [owned("2025010100")],
      verdict: { kind: "wait", requeueAfterMs: 30 * 60_000 + 1 },
    },
    {
      name: "Forbid, nothing active: the oldest due cycle alone",
      policy: "Forbid",
      active: [],
      verdict: { kind: "go" },
      create: ["2025010106"],
    },
    {
      name: "Forbid, a run made but not in the cache yet: look again shortly",
      policy: "Forbid",
      unseen: ["ens-2025010100"],
      verdict: { kind: "wait", reason: "WaitingForActiveRun", requeueAfterMs: UNSEEN_REQUEUE_MS },
    },
    {
      name: "Replace: the newest due cycle in place of the active runs; older due ones superseded",
      policy: "Replace",
      active: [owned("2025010100"), owned("2024123118")],
      verdict: { kind: "go" },
      create: ["2025010112"],
      supersede: ["2025010106"],
      replace: ["ens-2025010100", "ens-2024123118"],
    },
    {
      name: "Replace, a run not in the cache yet: wait (it could not be deleted)",
      policy: "Replace",
      unseen: ["ens-2025010100"],
      verdict: { kind: "wait", requeueAfterMs: UNSEEN_REQUEUE_MS },
    },
  ])("$name", (c) => {
    const input: ConcurrencyInput = {
      policy: c.policy,
      due: c.due ?? due,
      active: c.active ?? [],
      unseen: c.unseen ?? [],
      next: cycle("2025010118"),
      now: NOW,
    };
    const verdict = decideConcurrency(input);
    expect(verdict).toMatchObject(c.verdict);
    if (verdict.kind === "go") {
      expect(stamps(verdict.value.create)).toEqual(c.create ?? []);
      expect(stamps(verdict.value.supersede)).toEqual(c.supersede ?? []);
      expect(verdict.value.replace.map((r) => r.run.metadata.name)).toEqual(c.replace ?? []);
    } else {
      expect(c.create).toBeUndefined();
    }
  });
});

describe("runsToPrune", () => {
  const runs = [
    owned("2025010100", "Succeeded"),
    owned("2025010106", "Failed"),
    owned("2025010112", "Succeeded"),
    owned("2025010118", "PartiallySucceeded"),
    owned("2025010200", "Succeeded"),
    owned("2025010206", "Running"),
    owned("2025010212"),
  ];
  const names = (list: OwnedRun[]) => list.map((r) => r.run.metadata.name);
  it.each([
    { successful: 3, failed: 1, prune: ["ens-2025010106"] },
    { successful: 1, failed: 1, prune: ["ens-2025010100", "ens-2025010106", "ens-2025010112"] },
    { successful: 2, failed: 2, prune: ["ens-2025010100"] },
    {
      successful: 0,
      failed: 0,
      prune: ["ens-2025010100", "ens-2025010106", "ens-2025010112", "ens-2025010118", "ens-2025010200"],
    },
    { successful: 100, failed: 100, prune: [] },
  ])("keeps $successful succeeded and $failed failed: prunes the oldest beyond, never an active run", (c) => {
    const pruned = runsToPrune(runs, {
      successfulRunsHistoryLimit: c.successful,
      failedRunsHistoryLimit: c.failed,
    });
    expect(names(pruned)).toEqual(c.prune);
  });

  it("leaves runs already being deleted alone", () => {
    const going = owned("2025010100", "Succeeded");
    going.run.metadata.deletionTimestamp = "2025-01-02T00:00:00Z";
    const pruned = runsToPrune([going, owned("2025010112", "Succeeded")], {
      successfulRunsHistoryLimit: 0,
      failedRunsHistoryLimit: 0,
    });
    expect(names(pruned)).toEqual(["ens-2025010112"]);
  });
});
