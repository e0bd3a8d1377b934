import { describe, expect, it } from "vitest";
import { isGikError } from "../../../job-image/src/api/errors.js";
import { indexKeyOf, stepFileKey } from "../../../job-image/src/source/layout.js";
import { awaitStepFile, type Waiting } from "../../../job-image/src/source/publication.js";
import { latestRun, runAvailability, runsBetween } from "../../../job-image/src/source/runs.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import type { Store } from "../../../job-image/src/storage/types.js";

const run = { date: "20250101", cycle: 0 };
const LAST = 360;

async function publish(
  store: Store,
  r: { date: string; cycle: number },
  step: number,
  kind: "enfo-ef" | "oper-fc" = "enfo-ef",
) {
  const grib = stepFileKey(r, step, kind, "0p25");
  await store.put(grib, new Uint8Array(10));
  await store.put(indexKeyOf(grib), new Uint8Array(5));
}

/** A clock that the waiting code's sleeps move forward, publishing `step` once `at` is reached. */
function fakeTime(store: Store, publishAt?: { ms: number; step: number }): Waiting & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    deadline: new Date(60_000),
    pollMs: 5000,
    now: () => new Date(t),
    random: () => 0.5,
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
      if (publishAt && t >= publishAt.ms) await publish(store, run, publishAt.step);
    },
  };
}

describe("waiting for a step file", () => {
  it("finds a published file at once", async () => {
    const store = memoryStore("src");
    await publish(store, run, 24);
    const waiting = fakeTime(store);
    const file = await awaitStepFile(store, run, 24, "enfo-ef", "0p25", waiting);
    expect(file.step).toBe(24);
    expect(waiting.slept).toEqual([]);
  });

  it("waits for a file not published yet, with growing pauses up to the poll interval", async () => {
    const store = memoryStore("src");
    const waiting = fakeTime(store, { ms: 20_000, step: 24 });
    const file = await awaitStepFile(store, run, 24, "enfo-ef", "0p25", waiting);
    expect(file.gribSize).toBe(10);
    expect(waiting.slept.slice(0, 5)).toEqual([250, 500, 1000, 2000, 2500]);
    expect(Math.max(...waiting.slept)).toBe(2500);
  });

  it("fails after the deadline as SourceNotPublishedError naming the file", async () => {
    const store = memoryStore("src");
    const waiting = fakeTime(store);
    const err = await awaitStepFile(store, run, 24, "enfo-ef", "0p25", waiting).catch((e) => e);
    expect(isGikError(err, "SourceNotPublishedError")).toBe(true);
    expect(err.badInput).toBe(true);
    expect(err.message).toMatch(
      /not published by the deadline 1970-01-01T00:01:00.000Z: mem:\/\/src\/20250101\/00z\/ifs\/0p25\/enfo\/20250101000000-24h-enfo-ef.index/,
    );
  });

  it("does not wait for a file that will not come: the run's last step is published", async () => {
    const store = memoryStore("src");
    await publish(store, run, LAST);
    const waiting = fakeTime(store);
    const err = await awaitStepFile(store, run, 24, "enfo-ef", "0p25", waiting).catch((e) => e);
    expect(isGikError(err, "NotFoundError")).toBe(true);
    expect(waiting.slept).toEqual([]);
  });

  it("does not wait at all without a deadline", async () => {
    const err = await awaitStepFile(memoryStore("src"), run, 24, "enfo-ef", "0p25").catch((e) => e);
    expect(isGikError(err, "NotFoundError")).toBe(true);
  });
});

describe("runs a source holds", () => {
  const steps85 = [
    ...Array.from({ length: 49 }, (_, i) => 3 * i),
    ...Array.from({ length: 36 }, (_, i) => 150 + 6 * i),
  ];

  it("lists the runs of some cycles from a date to now, newest first, only those already begun", () => {
    expect(runsBetween("20251119", new Date("2025-11-20T07:00:00Z"), [0, 12])).toEqual([
      { date: "20251120", cycle: 0 },
      { date: "20251119", cycle: 12 },
      { date: "20251119", cycle: 0 },
    ]);
  });

  it("finds the newest complete run with one LIST per run (two after 50r1), skipping one still publishing", async () => {
    const store = memoryStore("src");
    const today = { date: "20261206", cycle: 0 };
    const yesterday = { date: "20261205", cycle: 12 };
    for (const s of steps85.slice(0, 40)) await publish(store, today, s);
    for (const s of steps85) {
      await publish(store, yesterday, s);
      await publish(store, yesterday, s, "oper-fc");
    }
    expect(await runAvailability(store, today)).toMatchObject({
      published: 40,
      total: 170,
      complete: false,
      lists: 1,
    });
    const { run: latest, requests } = await latestRun(store, new Date("2026-12-06T09:00:00Z"), [0, 12]);
    expect(latest).toEqual(yesterday);
    expect(requests).toBe(3);
  });

  it("says a run after 50r1 without its control's files is not complete", async () => {
    const store = memoryStore("src");
    const r = { date: "20261205", cycle: 0 };
    for (const s of steps85) await publish(store, r, s);
    expect(await runAvailability(store, r)).toMatchObject({
      published: 85,
      total: 170,
      complete: false,
      lists: 2,
    });
  });
});
