import { describe, expect, it } from "vitest";
import type { IndexEntry } from "../../../job-image/src/index/types.js";
import { checkRanges, classifyRanges } from "../../../job-image/src/source/check-ranges.js";
import type { StepIndex } from "../../../job-image/src/source/step-files.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";

function entry(line: number, offset: number, length: number, number = line): IndexEntry {
  return {
    attrs: "2t:sfc:",
    param: "2t",
    levtype: "sfc",
    levelist: "",
    step: "0",
    stepEnd: 0,
    number,
    type: number ? "pf" : "cf",
    stream: "enfo",
    class: "od",
    expver: "0001",
    date: "20250101",
    time: "0000",
    domain: "g",
    offset,
    length,
    line,
  };
}

describe("classifyRanges", () => {
  it("finds nothing to probe but where the first two messages meet when messages tile the file", () => {
    const entries = [entry(2, 100, 50), entry(1, 0, 100), entry(3, 150, 10)];
    const { faults, suspects, junction } = classifyRanges(entries, 160, "g.grib2", "g.index");
    expect(faults).toEqual([]);
    expect(suspects).toEqual([]);
    expect(junction?.map((e) => e.line)).toEqual([1, 2]);
  });

  it("probes the first message at both ends when it is alone, or when it or the second is a suspect", () => {
    const alone = classifyRanges([entry(1, 0, 160)], 160, "g", "i");
    expect([alone.suspects.map((e) => e.line), alone.junction]).toEqual([[1], undefined]);
    const later = classifyRanges([entry(1, 0, 100), entry(2, 100, 40), entry(3, 150, 10)], 160, "g", "i");
    expect([later.suspects.map((e) => e.line).sort(), later.junction]).toEqual([[1, 2, 3], undefined]);
  });

  it("faults an entry past the end of the file, naming index line and member", () => {
    const entries = [entry(1, 0, 100), entry(2, 100, 80, 7)];
    const { faults } = classifyRanges(entries, 160, "s3://b/g.grib2", "s3://b/g.index");
    expect(faults).toHaveLength(1);
    expect(faults[0]?.entry.number).toBe(7);
    expect(faults[0]?.error.message).toMatch(
      /s3:\/\/b\/g\.index:2 \(2t:sfc:, member 7\) reaches past the end of the file \(160 bytes\)/,
    );
  });

  it("checks the spans of lines read for other members too, naming them by line and member", () => {
    const spans = [entry(1, 0, 100), { offset: 100, length: 80, number: 9, line: 2 }];
    const { faults, suspects } = classifyRanges(spans, 160, "g.grib2", "g.index");
    expect(faults.map((f) => f.error.message)).toEqual([
      expect.stringMatching(/g\.index:2 \(member 9\) reaches past the end of the file \(160 bytes\)/),
    ]);
    expect(suspects.map((e) => e.line)).toEqual([1]);
  });

  it("suspects both neighbours of a gap or an overlap", () => {
    const gap = classifyRanges([entry(1, 0, 90), entry(2, 100, 60)], 160, "g", "i").suspects.map(
      (e) => e.line,
    );
    expect(gap.sort()).toEqual([1, 2]);
    const overlap = classifyRanges([entry(1, 0, 110), entry(2, 100, 60), entry(3, 160, 40)], 200, "g", "i");
    expect(overlap.suspects.map((e) => e.line).sort()).toEqual([1, 2]);
  });

  it("suspects a last message that stops short of the end of the file", () => {
    const { suspects } = classifyRanges([entry(1, 0, 100), entry(2, 100, 50)], 160, "g", "i");
    expect(suspects.map((e) => e.line).sort()).toEqual([1, 2]);
  });
});

describe("checkRanges", () => {
  /** Three messages of 100, 50 and 10 bytes, each `GRIB` … `7777`, the index's step file. */
  async function stepFile(edit: (bytes: Uint8Array) => void = () => {}) {
    const bytes = new Uint8Array(160);
    for (const [offset, length] of [
      [0, 100],
      [100, 50],
      [150, 10],
    ] as const) {
      bytes.set(new TextEncoder().encode("GRIB"), offset);
      bytes.set(new TextEncoder().encode("7777"), offset + length - 4);
    }
    edit(bytes);
    const source = memoryStore();
    await source.put("s.grib2", bytes);
    const reads: string[] = [];
    const getRange = source.getRange.bind(source);
    source.getRange = (key, range, options) => {
      reads.push(JSON.stringify(range));
      return getRange(key, range, options);
    };
    const entries = [entry(1, 0, 100), entry(2, 100, 50), entry(3, 150, 10)];
    const step = {
      gribKey: "s.grib2",
      gribUrl: source.url("s.grib2"),
      gribSize: 160,
      index: { key: "s.index", size: 1 },
      entries,
      spans: entries,
    } as unknown as StepIndex;
    return { source, step, reads };
  }

  it("reads the eight bytes where the first two messages meet, and nothing else, when they tile the file", async () => {
    const { source, step, reads } = await stepFile();
    expect(await checkRanges(source, step)).toEqual([]);
    expect(reads).toEqual([JSON.stringify({ offset: 96, length: 8 })]);
  });

  it.each([
    ["the first message's end", 96, 1, /:1 \(2t:sfc:, member 1\) does not end with 7777/],
    ["the second message's start", 100, 2, /:2 \(2t:sfc:, member 2\) does not start with GRIB/],
  ])("faults the member whose range is off at %s", async (_what, at, member, message) => {
    const { source, step } = await stepFile((b) => b.set([0, 0, 0, 0], at));
    const faults = await checkRanges(source, step);
    expect(faults.map((f) => [f.entry.number, f.error.message])).toEqual([
      [member, expect.stringMatching(message)],
    ]);
  });
});
