import { describe, expect, it } from "vitest";
import { isGikError } from "../../../job-image/src/api/errors.js";
import { refsFromJson, refsToJson } from "../../../job-image/src/refs/json.js";
import { DEFAULT_RECORD_SIZE, parquetToRefs, refsToParquet } from "../../../job-image/src/refs/parquet.js";
import type { Refs } from "../../../job-image/src/refs/types.js";
import { decodeParquet } from "../../../job-image/src/tables/parquet.js";
import { dataKey, syntheticRefs } from "./synthetic-refs.js";

const URL = "s3://ecmwf-forecasts/20250101/00z/ifs/0p25/enfo/20250101000000-0h-enfo-ef.grib2";
const RANGES = [
  [0, 100],
  [100, 120],
  [220, 90],
  [310, 1000],
  [1310, 7],
  [1317, 64],
] as const;
const DATA = "t2m/instant/heightAboveGround/t2m";

function refs(): Refs {
  const r = syntheticRefs({ url: URL, ranges: RANGES });
  // A whole-object reference, which the parquet layout keeps as offset 0, size 0.
  r.refs["t2m/instant/heightAboveGround/latitude/0"] = ["s3://bucket/latitudes.bin"];
  return r;
}

function metadataKeys(): string[] {
  return Object.keys(refs().refs)
    .filter((k) => /(^|\/)\.z(group|attrs|array)$/.test(k))
    .sort();
}

function rejects(run: () => unknown, fragment: string): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(isGikError(caught, "RefsError"), String(caught)).toBe(true);
  expect((caught as Error).message).toContain(fragment);
}

describe("kerchunk JSON", () => {
  it("round-trips refs and keeps extra top-level keys beside them", () => {
    const bytes = refsToJson(refs(), { gik: { digest: "sha256:00" } });
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    expect(doc.version).toBe(1);
    expect(doc.gik).toEqual({ digest: "sha256:00" });
    expect(refsFromJson(bytes)).toEqual(refs());
  });

  it("carries consolidated metadata of every metadata key under .zmetadata", () => {
    const doc = JSON.parse(new TextDecoder().decode(refsToJson(refs())));
    const consolidated = JSON.parse(doc.refs[".zmetadata"]);
    expect(consolidated.zarr_consolidated_format).toBe(1);
    expect(Object.keys(consolidated.metadata).sort()).toEqual(metadataKeys());
    expect(consolidated.metadata[`${DATA}/.zattrs`]).toEqual(
      JSON.parse(refs().refs[`${DATA}/.zattrs`] as string),
    );
  });

  it.each([
    ["a reserved extra key", () => refsToJson(refs(), { templates: {} }), "reserved"],
    ["bytes that are not JSON", () => refsFromJson(new TextEncoder().encode("{")), "not UTF-8 JSON"],
    ["another version", () => refsFromJson(new TextEncoder().encode('{"version":2,"refs":{}}')), "version-1"],
    [
      "a malformed reference",
      () => refsFromJson(new TextEncoder().encode('{"version":1,"refs":{"a/0":["u",1]}}')),
      "a/0: not a reference",
    ],
  ])("refuses %s", (_name, run, fragment) => rejects(run, fragment));
});

describe("fsspec reference-parquet", () => {
  it.each([DEFAULT_RECORD_SIZE, 3, 1])("round-trips refs with record_size %i", (recordSize) => {
    expect(parquetToRefs(refsToParquet(refs(), { recordSize }))).toEqual(refs());
  });

  it("writes .zmetadata with every metadata key, record_size and the extra keys", () => {
    const files = refsToParquet(refs(), { recordSize: 3, extra: { gik: { digest: "x" } } });
    const zmetadata = JSON.parse(new TextDecoder().decode(files.get(".zmetadata")));
    expect(Object.keys(zmetadata.metadata).sort()).toEqual(metadataKeys());
    expect(zmetadata.metadata[`${DATA}/.zarray`].shape).toEqual([1, 4, 2, 2, 3]);
    expect(zmetadata.record_size).toBe(3);
    expect(zmetadata.zarr_consolidated_format).toBe(1);
    expect(zmetadata.gik).toEqual({ digest: "x" });
    // 8 data chunks in records of 3; one chunk each for step, latitude and the 0-d number.
    expect([...files.keys()].sort()).toEqual(
      [
        ".zmetadata",
        `${DATA}/refs.0.parq`,
        `${DATA}/refs.1.parq`,
        `${DATA}/refs.2.parq`,
        "t2m/instant/heightAboveGround/latitude/refs.0.parq",
        "t2m/instant/heightAboveGround/number/refs.0.parq",
        "t2m/instant/heightAboveGround/step/refs.0.parq",
      ].sort(),
    );
  });

  it("lays rows out in C-order chunk numbers: inline, range, missing", () => {
    const files = refsToParquet(refs());
    const table = decodeParquet(files.get(`${DATA}/refs.0.parq`)!);
    const rows = table.toArray().map((r) => ({
      path: r.path as string | null,
      offset: Number(r.offset),
      size: Number(r.size),
      raw: r.raw ? (r.raw as Uint8Array).length : null,
    }));
    expect(rows).toHaveLength(8);
    // (step 0, level 0) inline 6 float64 values; (0, 1) the first range; (3, 1) missing.
    expect(rows[0]).toEqual({ path: null, offset: 0, size: 0, raw: 48 });
    expect(rows[1]).toEqual({ path: URL, offset: 0, size: 100, raw: null });
    expect(rows[6]).toEqual({ path: URL, offset: 1317, size: 64, raw: null });
    expect(rows[7]).toEqual({ path: null, offset: 0, size: 0, raw: null });
    expect(Object.keys(parquetToRefs(files).refs)).not.toContain(dataKey(3, 1));
  });

  it("keys a 0-d array's only chunk `0`", () => {
    const back = parquetToRefs(refsToParquet(refs()));
    expect(back.refs["t2m/instant/heightAboveGround/number/0"]).toBe(
      refs().refs["t2m/instant/heightAboveGround/number/0"],
    );
  });

  const withRef = (key: string, value: Refs["refs"][string]): Refs => {
    const r = refs();
    r.refs[key] = value;
    return r;
  };
  const files = () => refsToParquet(refs(), { recordSize: 3 });
  it.each([
    [
      "a chunk of an array without .zarray",
      () => refsToParquet(withRef("nowhere/0", "x")),
      "nowhere/.zarray",
    ],
    ["a chunk outside the grid", () => refsToParquet(withRef(`${DATA}/0.4.0.0.0`, "x")), "outside 0..3"],
    ["a chunk key of the wrong rank", () => refsToParquet(withRef(`${DATA}/0.1`, "x")), "has 2 indices"],
    ["a chunk at the top level", () => refsToParquet(withRef("0", "x")), "needs an array path"],
    ["a metadata reference", () => refsToParquet(withRef(".zattrs", ["s3://x"])), ".zattrs: metadata"],
    [
      "the '/' dimension separator",
      () =>
        refsToParquet(
          withRef(`${DATA}/.zarray`, JSON.stringify({ shape: [1], chunks: [1], dimension_separator: "/" })),
        ),
      "dimension_separator",
    ],
    ["a reserved extra key", () => refsToParquet(refs(), { extra: { record_size: 1 } }), "reserved"],
    [
      "a store without .zmetadata",
      () => parquetToRefs(new Map([...files()].filter(([k]) => k !== ".zmetadata"))),
      "missing",
    ],
    [
      "a stray file",
      () => parquetToRefs(new Map([...files(), ["t2m/notes.txt", new Uint8Array(1)]])),
      "t2m/notes.txt",
    ],
    [
      "a record beyond the array",
      () =>
        parquetToRefs(new Map([...files(), [`${DATA}/refs.3.parq`, files().get(`${DATA}/refs.0.parq`)!]])),
      "beyond the array",
    ],
    [
      "a record file that is not Parquet",
      () => parquetToRefs(new Map([...files(), [`${DATA}/refs.0.parq`, new Uint8Array(8)]])),
      "not a Parquet file",
    ],
  ])("refuses %s", (_name, run, fragment) => rejects(run, fragment));
});
