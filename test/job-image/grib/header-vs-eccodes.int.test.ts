import { describe, expect, inject, it } from "vitest";
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
