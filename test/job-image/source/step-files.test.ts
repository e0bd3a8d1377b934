/**
 * A run's first look at its step files: one LIST of each folder gives what two HEADs a step gave,
 * and a source that cannot list (an HTTP mirror) is HEADed as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, StorageError } from "../../../job-image/src/api/errors.js";
import { type RunId, stepsOf } from "../../../job-image/src/api/run-id.js";
import { indexKeyOf, type StepFileKind, stepFileKey } from "../../../job-image/src/source/layout.js";
import {
  listStepFiles,
  type StepFiles,
  statStep,
  statStepFile,
  stepKinds,
} from "../../../job-image/src/source/step-files.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import { createStoreStats, withStats } from "../../../job-image/src/storage/stats.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import { type FaultServer, startFaultServer } from "../storage/fault-server.js";

const RUN: RunId = { date: "20260601", cycle: 0 };
const KINDS: StepFileKind[] = ["enfo-ef", "oper-fc"];

/** Every step file of `RUN` with its index, each of a size of its own. */
function stepObjects(): Map<string, Uint8Array> {
  const objects = new Map<string, Uint8Array>();
  for (const kind of KINDS) {
    for (const step of stepsOf(RUN.cycle)) {
      const grib = stepFileKey(RUN, step, kind, "0p25");
      objects.set(grib, new Uint8Array(1000 + step));
      objects.set(indexKeyOf(grib), new Uint8Array(10 + step));
    }
  }
  return objects;
}

async function filled(objects: Map<string, Uint8Array>): Promise<Store> {
  const store = memoryStore("source");
  for (const [key, bytes] of objects) await store.put(key, bytes);
  return store;
}

const lookAll = (source: Store, look: Parameters<typeof statStep>[5]) =>
  Promise.all(stepsOf(RUN.cycle).map((step) => statStep(source, RUN, step, "0p25", true, look)));

describe("the first look at a run's step files", () => {
  it("takes from one LIST a folder what two HEADs a step give, and sends no HEAD", async () => {
    const source = await filled(stepObjects());
    const headed = await lookAll(source, {});

    const stats = createStoreStats();
    const counted = withStats(source, stats);
    const listing = await listStepFiles(counted, RUN, stepKinds(true), "0p25");
    const listed: StepFiles[] = await lookAll(counted, listing ? { listing } : {});

    expect(listing?.size).toBe(4 * stepsOf(RUN.cycle).length);
    expect(listed).toEqual(headed);
    expect(listed[1]?.enfo).toMatchObject({ gribSize: 1003, index: { size: 13 } });
    expect(listed[1]?.enfo.index.etag).toBeTypeOf("string");
    expect(stats.byKind.list.requests).toBe(2);
    expect(stats.byKind.head.requests).toBe(0);
  });

  it("lists only the ensemble's folder when the control is not wanted", async () => {
    const stats = createStoreStats();
    const listing = await listStepFiles(
      withStats(await filled(stepObjects()), stats),
      RUN,
      stepKinds(false),
      "0p25",
    );
    expect(listing?.size).toBe(2 * stepsOf(RUN.cycle).length);
    expect(stats.byKind.list.requests).toBe(1);
  });

  it("names a step file the listing lacks, as a HEAD that found nothing does", async () => {
    const objects = stepObjects();
    const missing = indexKeyOf(stepFileKey(RUN, 90, "enfo-ef", "0p25"));
    objects.delete(missing);
    const source = await filled(objects);
    const listing = await listStepFiles(source, RUN, ["enfo-ef"], "0p25");
    const fromListing = statStepFile(source, RUN, 90, "enfo-ef", "0p25", listing);
    await expect(fromListing).rejects.toBeInstanceOf(NotFoundError);
    await expect(fromListing).rejects.toThrow(source.url(missing));
    await expect(statStepFile(source, RUN, 90, "enfo-ef", "0p25")).rejects.toThrow(source.url(missing));
  });

  it("records the control's missing file, not thrown, as a HEAD that found nothing does", async () => {
    const objects = stepObjects();
    const missing = indexKeyOf(stepFileKey(RUN, 90, "oper-fc", "0p25"));
    objects.delete(missing);
    const source = await filled(objects);
    const listing = await listStepFiles(source, RUN, KINDS, "0p25");
    for (const look of [{ listing }, {}]) {
      const files = await statStep(source, RUN, 90, "0p25", true, look);
      expect(files.enfo.step).toBe(90);
      expect(files.oper).toBeUndefined();
      expect(files.operMissing?.message).toContain(source.url(missing));
    }
  });

  it("HEADs each file where the bucket refuses to list (403), and fails on any other fault of the LIST", async () => {
    const source = await filled(stepObjects());
    const refusing = (status: number): Store => ({
      ...source,
      // biome-ignore lint/correctness/useYield: a listing refused before its first page
      async *list() {
        throw new StorageError(source.url(""), status, `LIST answered ${status}`);
      },
    });
    expect(await listStepFiles(refusing(403), RUN, KINDS, "0p25")).toBeUndefined();
    const looked = await statStep(refusing(403), RUN, 6, "0p25", true, {});
    expect(looked).toMatchObject({ enfo: { gribSize: 1006 }, oper: { gribSize: 1006 } });
    await expect(listStepFiles(refusing(503), RUN, KINDS, "0p25")).rejects.toThrow("LIST answered 503");
  });

  describe("from an HTTP mirror, which cannot list", () => {
    let server: FaultServer;
    beforeAll(async () => {
      server = await startFaultServer();
      for (const [key, bytes] of stepObjects()) server.objects.set(`/mirror/${key}`, bytes);
    });
    afterAll(() => server.close());

    it("HEADs each file instead", async () => {
      const source = openStore(`${server.url}/mirror`);
      const listing = await listStepFiles(source, RUN, stepKinds(true), "0p25");
      expect(listing).toBeUndefined();
      expect(server.requests).toHaveLength(0);
      const looked = await statStep(source, RUN, 6, "0p25", true, {});
      expect(looked).toMatchObject({
        enfo: { gribSize: 1006, index: { size: 16 } },
        oper: { gribSize: 1006 },
      });
      expect(server.requests.map((r) => r.method)).toEqual(["HEAD", "HEAD", "HEAD", "HEAD"]);
    });
  });
});
