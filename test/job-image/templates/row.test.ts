import { describe, expect, it } from "vitest";
import { isGikError } from "../../../job-image/src/api/errors.js";
import { rowsToTable } from "../../../job-image/src/tables/columns.js";
import { encodeParquet } from "../../../job-image/src/tables/parquet.js";
import {
  decodeTemplate,
  encodeTemplate,
  TEMPLATE_COLUMNS,
  type TemplateRow,
} from "../../../job-image/src/templates/row.js";

const row: TemplateRow = {
  attrs: "t:pl:500",
  varname: "t",
  typeOfLevel: "isobaricInhPa",
  stepType: "instant",
  name: "Temperature",
  level: 500,
  step: 24,
  time: 1735689600,
  valid_time: 1735776000,
  uri: "s3://ecmwf-forecasts/20250101/00z/ifs/0p25/enfo/20250101000000-24h-enfo-ef.grib2",
  offset: 5_000_000_123,
  length: 659210,
  inline_value: null,
  member: "ens07",
  number: 7,
  param: "t",
  levtype: "pl",
  levelist: "500",
  paramId: 130,
  shortName: "t",
  units: "K",
  stepRange: "24",
};

describe("template file", () => {
  it("round-trips rows through Parquet, keeping 64-bit offsets and nulls", () => {
    const second = { ...row, attrs: "t:pl:850", levelist: "850", level: 850, inline_value: "base64:AAAA" };
    expect(decodeTemplate(encodeTemplate([row, second]), "mem://t.parquet")).toEqual([row, second]);
  });

  it("reads templates written with the columns rows no longer carry (a field's attributes and grid)", () => {
    const written = { ...row, grib_attrs: '{"GRIB_paramId":130}', grid: '{"Ni":1440}' };
    const schema = { ...TEMPLATE_COLUMNS, grib_attrs: "utf8", grid: "utf8" } as const;
    expect(decodeTemplate(encodeParquet(rowsToTable(schema, [written])), "x")).toEqual([row]);
  });

  it("names the file and the missing column", () => {
    const partial = encodeParquet(rowsToTable({ attrs: "utf8" } as const, [{ attrs: "2t:sfc:" }]));
    expect(() => decodeTemplate(partial, "s3://b/t.parquet")).toThrow(
      /s3:\/\/b\/t\.parquet: column "varname" is missing/,
    );
  });

  it("refuses bytes that are not Parquet with a TemplateError", () => {
    let caught: unknown;
    try {
      decodeTemplate(new TextEncoder().encode("not parquet"), "file:///x.parquet");
    } catch (err) {
      caught = err;
    }
    expect(isGikError(caught, "TemplateError")).toBe(true);
    expect(String(caught)).toMatch(/file:\/\/\/x\.parquet: not a readable Parquet file/);
  });

  it("refuses a row with a negative offset", () => {
    expect(() => decodeTemplate(encodeTemplate([{ ...row, offset: -1 }]), "x")).toThrow(
      /row 0 \(t:pl:500\): bad byte range/,
    );
  });
});
