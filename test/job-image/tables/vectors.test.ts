import { describe, expect, it } from "vitest";
import { Binary, Table, Utf8, vectorFromArray } from "../../../job-image/src/tables/arrow.js";
import { decodeParquet, encodeParquet } from "../../../job-image/src/tables/parquet.js";
import { binaryVector, utf8Vector } from "../../../job-image/src/tables/vectors.js";

// Values that exercise the buffers: nulls across several validity bytes, repeats, empty and multi-byte text.
const text = [
  "s3://a/0h.grib2",
  null,
  "",
  "s3://a/0h.grib2",
  "t·2m ✓",
  null,
  "s3://a/6h.grib2",
  "x",
  "y",
  null,
  "é",
];
const bytes = text.map((t) => (t === null ? null : new TextEncoder().encode(t)));

describe("Arrow columns built from their buffers", () => {
  it("hold what Arrow's own builder holds, nulls included", () => {
    expect(utf8Vector(text).toArray()).toEqual(vectorFromArray(text, new Utf8()).toArray());
    expect(utf8Vector(text).nullCount).toBe(3);
    const built = [...binaryVector(bytes)];
    expect(built).toEqual([...vectorFromArray(bytes, new Binary())]);
    expect(built[1]).toBeNull();
  });

  it("round-trip through Parquet", () => {
    const table = decodeParquet(
      encodeParquet(new Table({ path: utf8Vector(text), raw: binaryVector(bytes) })),
    );
    expect([...table.getChild("path")!]).toEqual(text);
    expect([...table.getChild("raw")!].map((b) => (b === null ? null : new TextDecoder().decode(b)))).toEqual(
      text,
    );
  });

  it("hold columns without nulls, and empty ones", () => {
    expect([...utf8Vector(["a", "b"])]).toEqual(["a", "b"]);
    expect(utf8Vector(["a", "b"]).nullCount).toBe(0);
    expect(utf8Vector([]).length).toBe(0);
    expect(binaryVector([]).length).toBe(0);
  });
});
