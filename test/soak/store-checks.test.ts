import { describe, expect, it } from "vitest";
import { wholeStoreProblems } from "./store-checks.js";

/** `.zmetadata` of a store with array `a` of 5 chunks (record_size 2: 3 record files) and `b` of 1. */
const zmetadata = new TextEncoder().encode(
  JSON.stringify({
    metadata: {
      ".zgroup": { zarr_format: 2 },
      "a/.zarray": { shape: [5, 4], chunks: [1, 4] },
      "b/.zarray": { shape: [3], chunks: [3] },
    },
    record_size: 2,
  }),
);
const whole = [".zmetadata", "a/refs.0.parq", "a/refs.1.parq", "a/refs.2.parq", "b/refs.0.parq"];

describe("wholeStoreProblems", () => {
  it("finds nothing wrong with every record file there, and gik's own bookkeeping beside them", () => {
    expect(wholeStoreProblems(whole, zmetadata)).toEqual([]);
    expect(wholeStoreProblems([...whole, ".gik-append-intent"], zmetadata)).toEqual([]);
  });

  it("names a missing .zmetadata, a missing record file, one beyond its array and a stray file", () => {
    expect(wholeStoreProblems(whole.slice(1), undefined)).toEqual([".zmetadata is missing"]);
    expect(wholeStoreProblems(whole, new TextEncoder().encode("{"))).toEqual([".zmetadata is not JSON"]);
    expect(
      wholeStoreProblems(
        whole.filter((k) => k !== "a/refs.1.parq"),
        zmetadata,
      ),
    ).toEqual(["a/refs.1.parq is missing"]);
    expect(wholeStoreProblems([...whole, "a/refs.3.parq", "a/tmp"], zmetadata)).toEqual([
      "a/refs.3.parq is beyond its array",
      "a/tmp is unexpected",
    ]);
  });

  it("needs no record file of members a run did not have, along number", () => {
    // 4 members × 3 steps, one chunk each, record_size 3: member 0 in record 0, member 1 in
    // records 1, members 2 and 3 in records 2 and 3.
    const ensemble = new TextEncoder().encode(
      JSON.stringify({
        metadata: {
          "e/.zarray": { shape: [4, 3], chunks: [1, 1] },
          "e/.zattrs": { _ARRAY_DIMENSIONS: ["number", "step"] },
        },
        record_size: 3,
      }),
    );
    expect(wholeStoreProblems([".zmetadata", "e/refs.0.parq", "e/refs.1.parq"], ensemble, 2)).toEqual([]);
    expect(wholeStoreProblems([".zmetadata", "e/refs.0.parq"], ensemble, 2)).toEqual([
      "e/refs.1.parq is missing",
    ]);
    expect(wholeStoreProblems([".zmetadata", "e/refs.0.parq", "e/refs.1.parq"], ensemble)).toEqual([
      "e/refs.2.parq is missing",
      "e/refs.3.parq is missing",
    ]);
  });
});
