import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import parameters from "../../../job-image/src/grib/tables/parameters.json" with { type: "json" };
import { compareFile } from "./eccodes-oracle.js";
import { ALL_GRIB_FIXTURES, COVERAGE, readBytes, readGolden } from "./fixtures.js";

describe("header reader against ecCodes' golden keys", () => {
  it.each(ALL_GRIB_FIXTURES.map((path) => [basename(path), path]))(
    "agrees on every message of %s",
    (_, path) => {
      const golden = readGolden(path);
      const result = compareFile(readBytes(path), path, golden);
      expect(result.mismatches).toEqual([]);
      expect(result.messages).toBe(golden.messages.length);
      expect(result.messages).toBeGreaterThan(0);
    },
  );

  it("has every wanted parameter of the tables in the ecCodes-encoded coverage file", () => {
    const read = new Set(readGolden(COVERAGE).messages.map((m) => `${m.keys.centre}:${m.keys.shortName}`));
    const wanted = Object.entries(parameters.wanted).flatMap(([centre, names]) =>
      names.map((n) => `${centre}:${n}`),
    );
    expect(wanted.filter((w) => !read.has(w))).toEqual([]);
    expect(wanted.length).toBe(76);
  });
});
