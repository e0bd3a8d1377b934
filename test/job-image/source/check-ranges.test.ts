import { describe, expect, it } from "vitest";
import type { IndexEntry } from "../../../job-image/src/index/types.js";
import { classifyRanges } from "../../../job-image/src/source/check-ranges.js";

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
  it("finds nothing but the first message to probe when messages tile the file", () => {
    const entries = [entry(2, 100, 50), entry(1, 0, 100), entry(3, 150, 10)];
    const { faults, suspects } = classifyRanges(entries, 160, "g.grib2", "g.index");
    expect(faults).toEqual([]);
    expect(suspects.map((e) => e.line)).toEqual([1]);
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
