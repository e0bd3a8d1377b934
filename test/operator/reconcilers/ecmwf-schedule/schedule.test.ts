/**
 * The pure schedule of EcmwfSchedules: which cycles are due, missed or beyond the backfill bound
 * at a given instant, across days, after a cursor, from `startFrom`, and when the next is due.
 * Cycles are written `YYYYMMDDHH` (their run time); instants are UTC.
 */
import { describe, expect, it } from "vitest";
import {
  msUntilDue,
  type PlanInput,
  planSchedule,
  runStamp,
  type ScheduledCycle,
  type ScheduleTimes,
} from "../../../../operator/src/reconcilers/ecmwf-schedule/schedule.js";

const at = (iso: string) => new Date(`${iso}Z`);
const stamps = (list: readonly ScheduledCycle[]) => list.map((c) => runStamp(c.run));
const ALL: ScheduleTimes = { cycles: [0, 6, 12, 18], publicationDelaySeconds: 21_600, maxBackfill: 4 };

interface Case {
  name: string;
  times?: Partial<ScheduleTimes>;
  now: string;
  createdAt?: string;
  cursor?: string;
  existing?: string[];
  due: string[];
  missed?: string[];
  beyond?: { count: number; first: string; last: string };
  next: string;
  nextDue: string;
}

const cases: Case[] = [
  {
    name: "made before its first cycle is due: nothing yet",
    createdAt: "2025-01-01T05:00:00",
    now: "2025-01-01T05:30:00",
    due: [],
    next: "2025010100",
    nextDue: "2025-01-01T06:00:00",
  },
  {
    name: "a cycle is due publicationDelaySeconds after its run time, to the millisecond",
    createdAt: "2025-01-01T05:00:00",
    now: "2025-01-01T06:00:00",
    due: ["2025010100"],
    next: "2025010106",
    nextDue: "2025-01-01T12:00:00",
  },
  {
    name: "a cycle due before the schedule was made is not made (as a CronJob)",
    createdAt: "2025-01-01T07:00:00",
    now: "2025-01-01T07:00:00",
    due: [],
    next: "2025010106",
    nextDue: "2025-01-01T12:00:00",
  },
  {
    name: "after the cursor only",
    cursor: "2025-01-01T00:00:00",
    now: "2025-01-01T12:30:00",
    due: ["2025010106"],
    next: "2025010112",
    nextDue: "2025-01-01T18:00:00",
  },
  {
    name: "across midnight",
    cursor: "2025-01-01T18:00:00",
    now: "2025-01-02T06:10:00",
    due: ["2025010200"],
    next: "2025010206",
    nextDue: "2025-01-02T12:00:00",
  },
  {
    name: "two cycles a day, two due at once (operator down a day): both, oldest first",
    times: { cycles: [12, 0] },
    cursor: "2025-01-01T00:00:00",
    now: "2025-01-02T07:00:00",
    due: ["2025010112", "2025010200"],
    next: "2025010212",
    nextDue: "2025-01-02T18:00:00",
  },
  {
    name: "one cycle a day",
    times: { cycles: [18] },
    cursor: "2025-01-01T18:00:00",
    now: "2025-01-02T23:59:59",
    due: [],
    next: "2025010218",
    nextDue: "2025-01-03T00:00:00",
  },
  {
    name: "backfill from startFrom, oldest first, within maxBackfill",
    times: { startFrom: "20250101", maxBackfill: 10 },
    createdAt: "2025-01-03T09:00:00",
    now: "2025-01-03T09:00:00",
    due: [
      "2025010100",
      "2025010106",
      "2025010112",
      "2025010118",
      "2025010200",
      "2025010206",
      "2025010212",
      "2025010218",
      "2025010300",
    ],
    next: "2025010306",
    nextDue: "2025-01-03T12:00:00",
  },
  {
    name: "backfill beyond maxBackfill: the newest 4 made, the 5 older skipped as one block",
    times: { startFrom: "20250101" },
    createdAt: "2025-01-03T09:00:00",
    now: "2025-01-03T09:00:00",
    due: ["2025010206", "2025010212", "2025010218", "2025010300"],
    beyond: { count: 5, first: "2025010100", last: "2025010200" },
    next: "2025010306",
    nextDue: "2025-01-03T12:00:00",
  },
  {
    name: "a startFrom decades back is counted, not walked",
    times: { startFrom: "20000101" },
    now: "2025-01-01T06:00:00",
    due: ["2024123106", "2024123112", "2024123118", "2025010100"],
    beyond: { count: 9132 * 4 + 1 - 4, first: "2000010100", last: "2024123100" },
    next: "2025010106",
    nextDue: "2025-01-01T12:00:00",
  },
  {
    name: "startFrom in the future: nothing until then",
    times: { startFrom: "20250105" },
    createdAt: "2025-01-01T00:00:00",
    now: "2025-01-03T00:00:00",
    due: [],
    next: "2025010500",
    nextDue: "2025-01-05T06:00:00",
  },
  {
    name: "past the starting deadline: missed; within it: due",
    times: { startingDeadlineSeconds: 3600 },
    cursor: "2025-01-01T00:00:00",
    now: "2025-01-01T18:30:00",
    due: ["2025010112"],
    missed: ["2025010106"],
    next: "2025010118",
    nextDue: "2025-01-02T00:00:00",
  },
  {
    name: "every due cycle missed",
    times: { startingDeadlineSeconds: 3600 },
    cursor: "2025-01-01T00:00:00",
    now: "2025-01-01T19:30:00",
    due: [],
    missed: ["2025010106", "2025010112"],
    next: "2025010118",
    nextDue: "2025-01-02T00:00:00",
  },
  {
    name: "deadline 0: due at the due instant, missed a millisecond later",
    times: { startingDeadlineSeconds: 0 },
    cursor: "2025-01-01T00:00:00",
    now: "2025-01-01T12:00:00.001",
    due: [],
    missed: ["2025010106"],
    next: "2025010112",
    nextDue: "2025-01-01T18:00:00",
  },
  {
    name: "maxBackfill applies before the deadline: older cycles are one block, not each an Event",
    times: { startingDeadlineSeconds: 3600, maxBackfill: 2 },
    cursor: "2025-01-01T00:00:00",
    now: "2025-01-02T06:30:00",
    due: ["2025010200"],
    missed: ["2025010118"],
    beyond: { count: 2, first: "2025010106", last: "2025010112" },
    next: "2025010206",
    nextDue: "2025-01-02T12:00:00",
  },
  {
    name: "no status, but a run exists: the cursor is found again from the world",
    times: { startFrom: "20250101" },
    existing: ["2025-01-01T00:00:00", "2025-01-01T06:00:00"],
    now: "2025-01-01T12:30:00",
    due: [],
    next: "2025010112",
    nextDue: "2025-01-01T18:00:00",
  },
  {
    name: "a stale cursor behind an existing run: the run wins",
    cursor: "2025-01-01T00:00:00",
    existing: ["2025-01-01T06:00:00"],
    now: "2025-01-01T18:00:00",
    due: ["2025010112"],
    next: "2025010118",
    nextDue: "2025-01-02T00:00:00",
  },
  {
    name: "a shorter publication delay neither skips nor repeats a cycle (the cursor is a run time)",
    times: { publicationDelaySeconds: 3600 },
    cursor: "2025-01-01T06:00:00",
    now: "2025-01-01T13:30:00",
    due: ["2025010112"],
    next: "2025010118",
    nextDue: "2025-01-01T19:00:00",
  },
];

describe("planSchedule", () => {
  it.each(cases)("$name", (c) => {
    const input: PlanInput = {
      times: { ...ALL, ...c.times },
      now: at(c.now),
      createdAt: at(c.createdAt ?? "2024-12-01T00:00:00"),
      lastScheduleTime: c.cursor ? at(c.cursor) : undefined,
      existing: (c.existing ?? []).map(at),
    };
    const plan = planSchedule(input);
    expect(stamps(plan.due)).toEqual(c.due);
    expect(stamps(plan.missed)).toEqual(c.missed ?? []);
    expect(
      plan.beyondBackfill && {
        count: plan.beyondBackfill.count,
        first: runStamp(plan.beyondBackfill.first.run),
        last: runStamp(plan.beyondBackfill.last.run),
      },
    ).toEqual(c.beyond);
    expect(runStamp(plan.next.run)).toBe(c.next);
    expect(plan.next.dueTime).toEqual(at(c.nextDue));
    expect(msUntilDue(plan.next, input.now)).toBe(at(c.nextDue).getTime() - input.now.getTime());
    // Order: beyond < missed < due, each oldest first, all after the cursor.
    const order = [plan.beyondBackfill?.last, ...plan.missed, ...plan.due].filter((x) => x !== undefined);
    const times = order.map((x) => x.runTime.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const t of times) expect(t).toBeGreaterThan(plan.after.getTime());
  });

  it("gives each cycle its due time and deadline", () => {
    const plan = planSchedule({
      times: { ...ALL, startingDeadlineSeconds: 600 },
      now: at("2025-01-01T06:05:00"),
      createdAt: at("2025-01-01T05:00:00"),
      existing: [],
    });
    expect(plan.due).toEqual([
      {
        run: { date: "20250101", cycle: 0 },
        runTime: at("2025-01-01T00:00:00"),
        dueTime: at("2025-01-01T06:00:00"),
        deadline: at("2025-01-01T06:10:00"),
      },
    ]);
  });

  it("walks at most maxBackfill cycles whatever the gap", () => {
    const started = performance.now();
    const plan = planSchedule({
      times: { ...ALL, startFrom: "20000101", maxBackfill: 100 },
      now: at("2099-12-31T23:00:00"),
      createdAt: at("2099-12-31T23:00:00"),
      existing: [],
    });
    expect(plan.due).toHaveLength(100);
    expect(plan.beyondBackfill?.count).toBeGreaterThan(140_000);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
