import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { ensureMirror, readMirrorManifest } from "../../helpers/mirror.js";
import { cachePaths } from "../../infra/cache-paths.js";
import { compareWithEccodes } from "./eccodes-oracle.js";
import { ALL_GRIB_FIXTURES } from "./fixtures.js";

describe("header reader against ecCodes, live", () => {
  it("agrees with ecCodes on every message of the GRIB fixtures", () => {
    const result = compareWithEccodes([...ALL_GRIB_FIXTURES], inject("infra").python);
    expect(result.mismatches).toEqual([]);
    expect(result.files).toBe(8);
    expect(result.messages).toBe(39 + 262);
  });
});

/** Steps where the structure of a run changes: first, first window, last 3-hourly, first 6-hourly, last. */
const EDGE_STEPS = new Set([0, 3, 144, 150, 360]);

describe("header reader against ecCodes on the generated mirror", () => {
  // ecCodes takes ~10 ms a message from Python: every message of the step files where the
  // structure changes, in three eras, rather than all 100,000 (the mirror's own test checks a
  // sample of every file against its index with ecCodes).
  it("agrees on every message of the edge step files of three eras", async () => {
    const files: string[] = [];
    let expected = 0;
    for (const spec of [
      { dates: ["20250101"] },
      { dates: ["20260601"] },
      { dates: ["20231201"], members: 3 },
    ]) {
      const root = await ensureMirror(spec);
      const manifest = await readMirrorManifest(root);
      for (const f of manifest.files.filter((f) => EDGE_STEPS.has(f.step))) {
        files.push(join(root, f.path));
        expected += f.messages;
      }
    }
    expect(files.length).toBe(5 + 10 + 5);
    // ecCodes' answer for the mirror's files is computed once per mirror and environment.
    const result = compareWithEccodes(files, inject("infra").python, cachePaths().oracles);
    expect(result.mismatches).toEqual([]);
    expect(result.files).toBe(files.length);
    expect(result.messages).toBe(expected);
  });
});
