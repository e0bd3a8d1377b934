import { describe, expect, it } from "vitest";
import { buildTree, chunkKey, treeRefs } from "../../../job-image/src/stages/tree.js";
import type { FieldDescriptor } from "../../../job-image/src/templates/manifest.js";

const grid = {
  gridDefinitionTemplateNumber: 0,
  gridType: "regular_ll",
  Ni: 6,
  Nj: 4,
  latitudeOfFirstGridPointInDegrees: 1,
  longitudeOfFirstGridPointInDegrees: 36,
  latitudeOfLastGridPointInDegrees: 0.25,
  longitudeOfLastGridPointInDegrees: 37.25,
  iDirectionIncrementInDegrees: 0.25,
  jDirectionIncrementInDegrees: 0.25,
  iScansNegatively: 0,
  jScansPositively: 0,
  jPointsAreConsecutive: 0,
  numberOfPoints: 24,
  shapeOfTheEarth: 6,
} as FieldDescriptor["grid"];

function field(
  attrs: string,
  varname: string,
  stepType: string,
  typeOfLevel: string,
  level: number,
): FieldDescriptor {
  return {
    attrs,
    varname,
    stepType,
    typeOfLevel,
    level,
    name: `${varname} name`,
    attributes: { GRIB_shortName: varname },
    grid,
  };
}

const fields = [
  field("t:pl:850", "t", "instant", "isobaricInhPa", 850),
  field("t:pl:500", "t", "instant", "isobaricInhPa", 500),
  field("2t:sfc:", "t2m", "instant", "heightAboveGround", 2),
  field("mx2t3:sfc:", "mx2t3", "max", "heightAboveGround", 2),
];
const run = { date: "20250101", cycle: 0 };
const steps = [0, 3, 6];

function decode(ref: unknown, kind: "f8" | "i8"): number[] {
  const text = ref as string;
  expect(text.startsWith("base64:")).toBe(true);
  const bytes = Buffer.from(text.slice(7), "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) =>
    kind === "f8" ? view.getFloat64(i * 8, true) : Number(view.getBigInt64(i * 8, true)),
  );
}

describe("buildTree", () => {
  const tree = buildTree(fields, run, 7, steps);

  it("groups fields as grib_tree does, levels ascending", () => {
    expect(tree.groups.map((g) => `${g.path}@${g.levels.join(",")}`)).toEqual([
      "mx2t3/max/heightAboveGround@2",
      "t/instant/isobaricInhPa@500,850",
      "t2m/instant/heightAboveGround@2",
    ]);
  });

  it("places each field at its step and level", () => {
    expect(chunkKey(tree, "t:pl:850", 2)).toBe("t/instant/isobaricInhPa/t/0.2.1.0.0");
    expect(chunkKey(tree, "t:pl:500", 0)).toBe("t/instant/isobaricInhPa/t/0.0.0.0.0");
    expect(chunkKey(tree, "2t:sfc:", 1)).toBe("t2m/instant/heightAboveGround/t2m/0.1.0.0");
    expect(chunkKey(tree, "10u:sfc:", 1)).toBeUndefined();
  });

  it("refuses two fields on the same level of a group instead of overwriting", () => {
    const clash = [...fields, field("t:pl:850bis", "t", "instant", "isobaricInhPa", 850)];
    expect(() => buildTree(clash, run, 7, steps)).toThrow(/t:pl:850 and t:pl:850bis both map to level 850/);
  });

  it("writes zarr v2 metadata with NaN fill and the GRIB codec", () => {
    const refs = treeRefs(tree);
    const t = JSON.parse(refs["t/instant/isobaricInhPa/t/.zarray"] as string);
    expect(t).toMatchObject({
      shape: [1, 3, 2, 4, 6],
      chunks: [1, 1, 1, 4, 6],
      dtype: "<f8",
      fill_value: "NaN",
      compressor: null,
      filters: [{ id: "grib", var: "t", dtype: "float64" }],
      zarr_format: 2,
    });
    expect(JSON.parse(refs["t/instant/isobaricInhPa/t/.zattrs"] as string)._ARRAY_DIMENSIONS).toEqual([
      "time",
      "step",
      "isobaricInhPa",
      "latitude",
      "longitude",
    ]);
    expect(JSON.parse(refs["t2m/instant/heightAboveGround/t2m/.zattrs"] as string)._ARRAY_DIMENSIONS).toEqual(
      ["time", "step", "latitude", "longitude"],
    );
    expect(JSON.parse(refs["t/.zattrs"] as string)).toEqual({ name: "t name" });
    expect(JSON.parse(refs["t/instant/.zattrs"] as string)).toEqual({ stepType: "instant" });
    expect(JSON.parse(refs["t/instant/isobaricInhPa/.zattrs"] as string)).toEqual({
      typeOfLevel: "isobaricInhPa",
      coordinates: "isobaricInhPa latitude longitude number step time valid_time",
    });
  });

  it("inlines coordinates with the values a reader expects", () => {
    const refs = treeRefs(tree);
    const g = "t/instant/isobaricInhPa";
    expect(decode(refs[`${g}/isobaricInhPa/0`], "f8")).toEqual([500, 850]);
    expect(decode(refs[`${g}/latitude/0`], "f8")).toEqual([1, 0.75, 0.5, 0.25]);
    expect(decode(refs[`${g}/longitude/0`], "f8")).toEqual([36, 36.25, 36.5, 36.75, 37, 37.25]);
    expect(decode(refs[`${g}/step/0`], "i8")).toEqual([0, 3, 6]);
    expect(decode(refs[`${g}/time/0`], "i8")).toEqual([1735689600]);
    expect(decode(refs[`${g}/valid_time/0.0.0`], "i8")).toEqual([
      1735689600, 1735689600, 1735700400, 1735700400, 1735711200, 1735711200,
    ]);
    expect(decode(refs[`${g}/number/0.0.0`], "i8")).toEqual([7, 7, 7, 7, 7, 7]);
    expect(JSON.parse(refs[`${g}/number/.zattrs`] as string)).toEqual({
      units: "1",
      standard_name: "realization",
      long_name: "ensemble member numerical id",
      _ARRAY_DIMENSIONS: ["time", "step", "isobaricInhPa"],
    });
    // a single level is a scalar coordinate, not a dimension
    expect(
      JSON.parse(refs["t2m/instant/heightAboveGround/heightAboveGround/.zarray"] as string).shape,
    ).toEqual([]);
    expect(decode(refs["t2m/instant/heightAboveGround/heightAboveGround/0"], "f8")).toEqual([2]);
  });

  it("normalises longitudes of a grid that starts at 180° as ecCodes does", () => {
    const global = { ...grid };
    Object.assign(global, {
      Ni: 1440,
      Nj: 721,
      latitudeOfFirstGridPointInDegrees: 90,
      latitudeOfLastGridPointInDegrees: -90,
      longitudeOfFirstGridPointInDegrees: 180,
      longitudeOfLastGridPointInDegrees: 179.75,
    });
    const g = buildTree([{ ...fields[2]!, grid: global }], run, 0, [0]);
    const refs = treeRefs(g);
    const lon = decode(refs["t2m/instant/heightAboveGround/longitude/0"], "f8");
    const lat = decode(refs["t2m/instant/heightAboveGround/latitude/0"], "f8");
    expect([lon[0], lon[1], lon.at(-1), lon.length]).toEqual([-180, -179.75, 179.75, 1440]);
    expect([lat[0], lat.at(-1), lat.length]).toEqual([90, -90, 721]);
  });
});
