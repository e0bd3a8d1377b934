import { describe, expect, it } from "vitest";
import { DEFAULTS, parseRunOptions } from "../../../job-image/src/cli/run-options.js";

describe("parseRunOptions", () => {
  it("fills the local defaults a new user expects", () => {
    const { run, request, concurrency } = parseRunOptions({ date: "20250101" });
    expect(run).toEqual({ date: "20250101", cycle: 0 });
    expect(request).toEqual({
      members: expect.any(Array),
      source: DEFAULTS.source,
      templates: { store: DEFAULTS.templates },
      output: DEFAULTS.out,
      format: "parquet",
      layout: "members",
      onDrift: "fail",
    });
    expect(concurrency).toBe(16);
    expect(request.members).toHaveLength(51);
    expect(DEFAULTS).toEqual({
      source: "s3://ecmwf-forecasts",
      templates: "./gik-data/templates",
      out: "./gik-data/stores",
    });
  });

  it.each([
    [{}, /--date: expected a date as YYYYMMDD/],
    [{ date: "20250101", cycle: "5" }, /--cycle: expected one of 0, 6, 12, 18/],
    [{ date: "20250101", members: "ens01,ens99" }, /--members: unknown member "ens99"/],
    [{ date: "20250101", format: "zarr" }, /--format: expected parquet or json, got "zarr"/],
    [{ date: "20250101", "on-drift": "ignore" }, /--on-drift: expected fail or rebuild/],
    [{ date: "20250101", layout: "one" }, /--layout: expected members or ensemble or both, got "one"/],
    [{ date: "20250101", concurrency: "0" }, /--concurrency: expected a positive integer/],
    [{ date: "20250101", "reference-date": "2024" }, /--reference-date: expected a date/],
  ])("refuses %j naming the flag", (values, message) => {
    expect(() => parseRunOptions(values)).toThrow(message);
  });
});
