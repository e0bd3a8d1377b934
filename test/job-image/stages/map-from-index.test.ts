import { describe, expect, it } from "vitest";
import type { IndexEntry } from "../../../job-image/src/index/types.js";
import { joinIndex, mapFromIndex } from "../../../job-image/src/stages/map-from-index.js";
import type { FieldStructure } from "../../../job-image/src/templates/manifest.js";

function field(varname: string, level: number): FieldStructure {
  return {
    varname,
    typeOfLevel: "isobaricInhPa",
    stepType: "instant",
    level,
    paramId: 130,
    name: varname,
    grid: {} as FieldStructure["grid"],
    kinds: { perturbed: { steps: [24], attributes: {} } },
  };
}

function entry(attrs: string, offset: number, length: number): IndexEntry {
  const [param, levtype, levelist] = attrs.split(":") as [string, string, string];
  return {
    attrs,
    param,
    levtype,
    levelist,
    step: "24",
    stepEnd: 24,
    number: 3,
    type: "pf",
    stream: "enfo",
    class: "od",
    expver: "0001",
    date: "20250101",
    time: "0000",
    domain: "g",
    offset,
    length,
    line: 1,
  };
}

describe("mapFromIndex", () => {
  const fields = { "t:pl:500": field("t", 500), "t:pl:850": field("t", 850), "q:pl:700": field("q", 700) };
  const expected = new Set(["t:pl:500", "t:pl:850"]);
  const time = 1735689600;

  it("takes the target run's byte ranges and the templates' meaning", () => {
    const { mapped, unknown, missing } = mapFromIndex(
      fields,
      expected,
      "ens03",
      [entry("t:pl:850", 9000, 300), entry("t:pl:500", 100, 250)],
      "s3://new/run.grib2",
      time,
    );
    expect(unknown).toEqual([]);
    expect(missing).toEqual([]);
    expect(mapped).toEqual([
      expect.objectContaining({
        attrs: "t:pl:850",
        level: 850,
        offset: 9000,
        length: 300,
        uri: "s3://new/run.grib2",
      }),
      expect.objectContaining({ attrs: "t:pl:500", level: 500, offset: 100, length: 250, member: "ens03" }),
    ]);
    expect(mapped[0]).toMatchObject({ time, valid_time: time + 24 * 3600, step: 24 });
  });

  it("reports drift both ways, by name: a field the templates know but not at this step is unknown here", () => {
    const entries = [entry("t:pl:500", 0, 10), entry("q:pl:700", 10, 10)];
    const result = mapFromIndex(fields, expected, "ens03", entries, "u", time);
    expect(result.unknown).toEqual(["q:pl:700"]);
    expect(result.missing).toEqual(["t:pl:850"]);
    expect(result.mapped.map((m) => m.attrs)).toEqual(["t:pl:500"]);
  });

  it("joins without building rows: the matched entries themselves, the same drift", () => {
    const entries = [entry("t:pl:500", 0, 10), entry("q:pl:700", 10, 10), entry("t:pl:850", 20, 10)];
    const join = joinIndex(fields, expected, entries);
    expect(join.matched).toEqual([entries[0], entries[2]]);
    expect(join.unknown).toEqual(["q:pl:700"]);
    expect(join.missing).toEqual([]);
  });
});
