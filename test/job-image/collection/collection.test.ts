import { describe, expect, it } from "vitest";
import { isGikError } from "../../../job-image/src/api/errors.js";
import { type AppendOptions, appendRun } from "../../../job-image/src/collection/append.js";
import { collectionInfo } from "../../../job-image/src/collection/info.js";
import { planAppend, recordOf } from "../../../job-image/src/collection/plan.js";
import { runAt, slotOf, slotTimes } from "../../../job-image/src/collection/time-axis.js";
import { slotFiles } from "../../../job-image/src/stages/slot-files.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import type { PutOptions, Store } from "../../../job-image/src/storage/types.js";
import { grid, syntheticRun } from "./fixtures.js";
import { readDataset } from "./read-dataset.js";

const day = (date: string, cycle = 0) => ({ date, cycle });
const SURFACE = ["2t:sfc:", "msl:sfc:"];
const LEVELS = ["t:pl:500", "t:pl:850"];
const options: AppendOptions = { lock: { holder: "test", ttlMs: 0, waitMs: 1000, sleep: async () => {} } };

describe("the time axis", () => {
  const axis = { origin: day("20260510", 12), cycles: [0, 12] };
  it.each([
    [day("20260510", 12), 0],
    [day("20260511", 0), 1],
    [day("20260511", 12), 2],
    [day("20260601", 0), 43],
    [day("20260510", 0), -1],
    [day("20260510", 6), undefined],
  ])("%j is slot %s", (run, slot) => {
    expect(slotOf(axis, run)).toBe(slot);
    if (slot !== undefined && slot >= 0) expect(runAt(axis, slot)).toEqual(run);
  });

  it("gives the slots' reference times, 12 h apart", () => {
    expect(slotTimes(axis, 3).map((t) => new Date(t * 1000).toISOString())).toEqual([
      "2026-05-10T12:00:00.000Z",
      "2026-05-11T00:00:00.000Z",
      "2026-05-11T12:00:00.000Z",
    ]);
  });
});

describe("planning an append", () => {
  const first = syntheticRun(day("20260510"), [...SURFACE, ...LEVELS]).run;
  const created = planAppend(undefined, first, "mem://c");

  it("creates a collection at the first run, on its cycle, with the longest step axis", () => {
    expect(created.record.axis).toEqual({ origin: day("20260510"), cycles: [0] });
    expect(created.record.steps).toHaveLength(85);
    expect(created).toMatchObject({ slot: 0, unchanged: false, relevelled: [] });
    expect(created.newCoordinates.sort()).toEqual([
      "msl/instant/heightAboveGround",
      "t/instant/isobaricInhPa",
      "t2m/instant/heightAboveGround",
    ]);
  });

  it("puts a late run in its slot, and leaves nothing to do for a run that is there as it is", () => {
    const later = planAppend(created.record, syntheticRun(day("20260513"), SURFACE).run, "mem://c");
    expect(later).toMatchObject({ slot: 3, newCoordinates: [], relevelled: [] });
    expect(later.record.slots).toBe(4);
    expect(planAppend(later.record, first, "mem://c").unchanged).toBe(true);
    // A run held with a failed member is tried again, whatever its inputs.
    const partial = { ...syntheticRun(day("20260511"), SURFACE).run, failed: ["ens07"] };
    const held = planAppend(later.record, partial, "mem://c").record;
    expect(planAppend(held, syntheticRun(day("20260511"), SURFACE).run, "mem://c").unchanged).toBe(false);
  });

  it("takes the union of fields, and re-levels an array whose level axis grows", () => {
    const more = syntheticRun(day("20260511"), [
      ...SURFACE,
      "t:pl:500",
      "t:pl:700",
      "t:pl:850",
      "2d:sfc:",
    ]).run;
    const plan = planAppend(created.record, more, "mem://c");
    expect(plan.relevelled).toEqual([
      { path: "t/instant/isobaricInhPa/t", from: [500, 850], to: [500, 700, 850] },
    ]);
    expect(plan.newCoordinates.sort()).toEqual(["2d/instant/heightAboveGround", "t/instant/isobaricInhPa"]);
    expect(plan.record.rewrites).toEqual([
      { run: "2026051100", array: "t/instant/isobaricInhPa/t", from: [500, 850], to: [500, 700, 850] },
    ]);
    expect(Object.keys(plan.record.fields)).toHaveLength(6);
  });

  it.each([
    ["a run before the first slot", day("20260509"), {}, /starts at 20260510 00z; it grows forward/],
    ["a cycle not on the axis", day("20260511", 12), {}, /holds the cycles 0z, not 12z/],
    ["another grid", day("20260511"), { Ni: 7 }, /its grid \(7×4 .*\) is not the collection's \(6×4/],
  ])("refuses %s, naming both sides", (_name, run, gridChange, message) => {
    const r = syntheticRun(run, SURFACE).run;
    const other = { ...r, fields: r.fields.map((f) => ({ ...f, grid: { ...grid, ...gridChange } })) };
    expect(() => planAppend(created.record, other, "mem://c")).toThrow(message);
    try {
      planAppend(created.record, other, "mem://c");
    } catch (err) {
      expect(isGikError(err, "CollectionError")).toBe(true);
    }
  });

  it("accepts a 06 UTC run in a collection of 00 and 06 UTC runs, on the first 49 of its 85 steps", () => {
    const both = planAppend(undefined, first, "mem://c", [0, 6]);
    const six = planAppend(both.record, syntheticRun(day("20260510", 6), SURFACE).run, "mem://c");
    expect(six.slot).toBe(1);
    expect(six.record.steps).toHaveLength(85);
  });
});

/** A store that dies (every later write throws) after `writes` puts and deletes. */
function dyingAfter(store: Store, writes: number): Store {
  let left = writes;
  const kill = () => {
    if (left-- <= 0) throw new Error("killed");
  };
  return {
    ...store,
    url: store.url,
    get: store.get,
    getRange: store.getRange,
    head: store.head,
    getVersioned: store.getVersioned,
    list: store.list,
    async put(key: string, data: Uint8Array, opts?: PutOptions) {
      kill();
      return store.put(key, data, opts);
    },
    async delete(key: string) {
      kill();
      return store.delete(key);
    },
  };
}

async function copyOf(store: Store): Promise<Store> {
  const copy = memoryStore("copy");
  for await (const { key } of store.list("")) await copy.put(key, (await store.get(key))!);
  return copy;
}

describe("appending", () => {
  async function collection(): Promise<Store> {
    const store = memoryStore("collection");
    for (const date of ["20260510", "20260512"]) {
      const { run, data } = syntheticRun(day(date), [...SURFACE, ...LEVELS]);
      await appendRun(store, run, data, options);
    }
    return store;
  }

  it("writes the run's own files, the time coordinates and the metadata: the same count whatever the runs already there", async () => {
    const store = memoryStore("counts");
    const results = [];
    for (const date of ["20260510", "20260511", "20260515", "20260520"]) {
      const { run, data } = syntheticRun(day(date), [...SURFACE, ...LEVELS]);
      results.push(await appendRun(store, run, data, options));
    }
    const [, second, third, fourth] = results;
    // 5 data files (2t, msl, t at 2 levels... one per level), 2 × 3 groups' time files, intent and .zmetadata.
    expect(second).toMatchObject({ status: "appended", slot: 1, objectsWritten: 4 + 6 + 2 });
    expect(third!.objectsWritten).toBe(second!.objectsWritten);
    expect(fourth!.objectsWritten).toBe(second!.objectsWritten);
    console.log(
      results.map((r) => `slot ${r.slot}: ${r.objectsWritten} objects, ${r.bytesWritten} bytes`).join("\n"),
    );
    expect(fourth!.slots).toBe(11);
    const again = await appendRun(
      store,
      syntheticRun(day("20260515"), [...SURFACE, ...LEVELS]).run,
      slotFiles([]),
      options,
    );
    expect(again).toMatchObject({ status: "unchanged", objectsWritten: 0 });
  });

  /** Appends `late` to copies of `before`, killed after each write in turn, then appended again. */
  async function killAtEveryWrite(
    before: Store,
    late: ReturnType<typeof syntheticRun>,
    check: (store: Store, n: number) => Promise<void>,
  ): Promise<number> {
    const clean = await copyOf(before);
    const done = await appendRun(clean, late.run, late.data, options);
    const seenAfter = await readDataset(clean);
    const writes = done.objectsWritten + done.objectsDeleted;
    for (let n = 0; n < writes; n++) {
      const store = await copyOf(before);
      await expect(appendRun(dyingAfter(store, n), late.run, late.data, options)).rejects.toThrow("killed");
      await check(store, n);
      await appendRun(store, late.run, late.data, options);
      expect(await readDataset(store), `repaired after a kill at write ${n}`).toEqual(seenAfter);
    }
    return writes;
  }

  it("a kill at every write of an append leaves the previous version readable, and the next append repairs it", async () => {
    const before = await collection();
    const seenBefore = await readDataset(before);
    const late = syntheticRun(day("20260514"), [...SURFACE, ...LEVELS]);
    const writes = await killAtEveryWrite(before, late, async (store, n) => {
      expect(await readDataset(store), `killed after ${n} writes`).toEqual(seenBefore);
    });
    expect(writes).toBeGreaterThan(10);
  });

  it("what a killed append left never shows: a later run's append clears the dead one's slot", async () => {
    const store = await collection();
    const dead = syntheticRun(day("20260514"), [...SURFACE, ...LEVELS]);
    // Killed once its data files are written, before the commit.
    await expect(appendRun(dyingAfter(store, 6), dead.run, dead.data, options)).rejects.toThrow("killed");
    expect(await store.get("t2m/instant/heightAboveGround/t2m/refs.4.parq")).toBeDefined();
    const next = syntheticRun(day("20260516"), [...SURFACE, ...LEVELS]);
    await appendRun(store, next.run, next.data, options);
    const seen = await readDataset(store);
    expect(Object.keys(seen).filter((k) => /\/t2m\/4\./.test(k))).toEqual([]);
    expect(Object.keys(seen).filter((k) => /\/t2m\/6\./.test(k))).toHaveLength(51 * 3);
  });

  it("a kill at every write of a re-levelling append: the next append finishes it from the copies set aside", async () => {
    const before = await collection();
    const wider = syntheticRun(day("20260514"), [...SURFACE, "t:pl:500", "t:pl:700", "t:pl:850"]);
    const writes = await killAtEveryWrite(before, wider, async () => {});
    expect(writes).toBeGreaterThan(20);
  });

  it("re-levels an array whose level axis grows: the older runs' references move to their new chunks", async () => {
    const store = await collection();
    const before = await readDataset(store);
    const wider = syntheticRun(day("20260513"), [...SURFACE, "t:pl:500", "t:pl:700", "t:pl:850"]);
    const result = await appendRun(store, wider.run, wider.data, options);
    expect(result.relevelled).toEqual([
      { path: "t/instant/isobaricInhPa/t", from: [500, 850], to: [500, 700, 850] },
    ]);
    const after = await readDataset(store);
    // Slot 0, member 7, step index 1: level 850 was chunk level 1, is now level 2; 700 is new (NaN).
    expect(after["t/instant/isobaricInhPa/t/0.7.1.2.0.0"]).toEqual(
      before["t/instant/isobaricInhPa/t/0.7.1.1.0.0"],
    );
    expect(after["t/instant/isobaricInhPa/t/0.7.1.0.0.0"]).toEqual(
      before["t/instant/isobaricInhPa/t/0.7.1.0.0.0"],
    );
    expect(after["t/instant/isobaricInhPa/t/0.7.1.1.0.0"]).toBeUndefined();
    expect(after["t/instant/isobaricInhPa/t/3.7.1.1.0.0"]).toEqual([
      "s3://src/20260513/3h.grib2",
      (7 * 5 + 3) * 100,
      100,
    ]);
    // No other array was rewritten.
    expect(after["t2m/instant/heightAboveGround/t2m/0.7.1.0.0"]).toEqual(
      before["t2m/instant/heightAboveGround/t2m/0.7.1.0.0"],
    );
    const info = collectionInfo(
      recordOf(JSON.parse(new TextDecoder().decode((await store.get(".zmetadata"))!)), "c"),
      "c",
    );
    expect(info).toContain(
      "rewritten: t/instant/isobaricInhPa/t when run 2026051300 came (levels 500, 850 → 500, 700, 850)",
    );
    expect(info.slice(1, 5)).toEqual([
      "   0  20260510 00z  51 members",
      "   1  20260511 00z  gap",
      "   2  20260512 00z  51 members",
      "   3  20260513 00z  51 members",
    ]);
  });

  it("two appenders at once: both runs land, one after the other", async () => {
    const store = await collection();
    const a = syntheticRun(day("20260511"), [...SURFACE, ...LEVELS]);
    const b = syntheticRun(day("20260513"), [...SURFACE, ...LEVELS]);
    const wait = {
      ...options,
      lock: {
        ...options.lock,
        ttlMs: 60_000,
        sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms / 10)),
      },
    };
    const results = await Promise.all([
      appendRun(store, a.run, a.data, { ...wait, lock: { ...wait.lock, holder: "a" } }),
      appendRun(store, b.run, b.data, { ...wait, lock: { ...wait.lock, holder: "b" } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["appended", "appended"]);
    const record = recordOf(JSON.parse(new TextDecoder().decode((await store.get(".zmetadata"))!)), "c");
    expect(Object.keys(record.runs)).toEqual(["2026051000", "2026051100", "2026051200", "2026051300"]);
    expect(await store.get(".gik-append-lock")).toBeUndefined();
  });
});
