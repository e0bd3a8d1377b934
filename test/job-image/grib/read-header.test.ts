import { describe, expect, it } from "vitest";
import { GribFormatError, NotFoundError } from "../../../job-image/src/api/errors.js";
import { parseGribHeader, readGribHeader, scanMessages } from "../../../job-image/src/grib/index.js";
import type { RangeQuery, ReadableStore } from "../../../job-image/src/storage/types.js";
import { REAL, readBytes } from "./fixtures.js";

/** A store over in-memory files that records every range it is asked for. */
function memoryStore(files: Record<string, Uint8Array>) {
  const requests: { key: string; offset: number; length: number }[] = [];
  const store: ReadableStore = {
    url: (key) => `mem://${key}`,
    get: async (key) => files[key],
    head: async (key) => (files[key] ? { size: files[key].length } : undefined),
    getRange: async (key, range: RangeQuery) => {
      if (!("offset" in range)) throw new Error("the header reader reads from the message start");
      requests.push({ key, ...range });
      return files[key]?.subarray(range.offset, range.offset + range.length);
    },
  };
  return { store, requests };
}

const wave = readBytes(REAL.gfsWave);
const third = scanMessages(wave, REAL.gfsWave)[2]!;

describe("readGribHeader", () => {
  it("reads a header with one short range read at the message start", async () => {
    const { store, requests } = memoryStore({ "wave.grib2": wave });
    const header = await readGribHeader(store, "wave.grib2", third.offset, third.length);
    expect(header).toEqual(
      parseGribHeader(wave.subarray(third.offset), { path: "mem://wave.grib2", offset: third.offset }),
    );
    expect(requests).toEqual([{ key: "wave.grib2", offset: third.offset, length: 1024 }]);
  });

  it("reads longer ranges when a short first read does not hold sections 0–5", async () => {
    const { store, requests } = memoryStore({ "wave.grib2": wave });
    const header = await readGribHeader(store, "wave.grib2", third.offset, third.length, { prefixBytes: 20 });
    const section5 = header.sections.at(-1)!;
    expect(header.keys.shortName).toBe("u");
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.length).toBeLessThanOrEqual(5);
    expect(requests.every((r) => r.offset === third.offset)).toBe(true);
    expect(requests.at(-1)!.length).toBeGreaterThanOrEqual(section5.offset + section5.length);
    expect(requests.at(-1)!.length).toBeLessThan(2 * (section5.offset + section5.length));
  });

  it("names a missing file", async () => {
    const { store } = memoryStore({});
    await expect(readGribHeader(store, "gone.grib2", 0, 1000)).rejects.toThrow(NotFoundError);
  });

  it("refuses a file that ends inside the header", async () => {
    const { store } = memoryStore({ "cut.grib2": wave.subarray(0, 60) });
    await expect(readGribHeader(store, "cut.grib2", 0, 19685)).rejects.toThrow(
      /mem:\/\/cut.grib2 @ byte 0: truncated: the file ends 60 bytes into the message/,
    );
  });

  it("refuses a message length too short for its header", async () => {
    const { store } = memoryStore({ "wave.grib2": wave });
    const err = await readGribHeader(store, "wave.grib2", third.offset, 60).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GribFormatError);
    expect((err as Error).message).toMatch(
      /sections 0–5 need \d+ bytes, more than the 60 bytes given for the message/,
    );
  });
});
