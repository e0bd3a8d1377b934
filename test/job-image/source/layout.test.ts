import { describe, expect, it } from "vitest";
import { isGikError } from "../../../job-image/src/api/errors.js";
import { ALL_MEMBERS, memberName, memberNumber, parseMembers } from "../../../job-image/src/api/members.js";
import { parseCycle, parseDate, runEpochSeconds, stepsOf } from "../../../job-image/src/api/run-id.js";
import { storeKey } from "../../../job-image/src/api/store-layout.js";
import { indexKeyOf, resolutionOf, stepFileKey } from "../../../job-image/src/source/layout.js";
import { templateKey, templateRunPart } from "../../../job-image/src/templates/layout.js";

describe("steps of a run", () => {
  it.each([
    [0, 85, 360],
    [12, 85, 360],
    [6, 49, 144],
    [18, 49, 144],
  ])("cycle %i has %i steps up to %i h", (cycle, count, last) => {
    const steps = stepsOf(cycle);
    expect(steps).toHaveLength(count);
    expect(steps.at(-1)).toBe(last);
    expect(steps.slice(0, 3)).toEqual([0, 3, 6]);
  });

  it("switches from 3-hourly to 6-hourly after 144 h", () => {
    expect(stepsOf(0).filter((s) => s >= 141 && s <= 162)).toEqual([141, 144, 150, 156, 162]);
  });
});

describe("dates and cycles", () => {
  it.each(["20250101", "20240229"])("accepts %s", (d) => expect(parseDate(d, "--date")).toBe(d));
  it.each([
    ["2025011", /--date: expected a date as YYYYMMDD/],
    ["20250230", /--date: 20250230 is not a calendar date/],
    ["2025-01-01", /expected a date/],
  ])("refuses %s", (d, message) => expect(() => parseDate(d, "--date")).toThrow(message));
  it.each([
    ["0", 0],
    ["00", 0],
    ["6", 6],
    ["12", 12],
    ["18", 18],
  ])("cycle %s is %i", (text, cycle) => expect(parseCycle(text)).toBe(cycle));
  it.each(["5", "24", "x", "-6"])("refuses cycle %s naming the flag", (text) =>
    expect(() => parseCycle(text, "--cycle")).toThrow(/--cycle: expected one of 0, 6, 12, 18/),
  );
  it("computes the reference time", () => {
    expect(runEpochSeconds({ date: "20250101", cycle: 0 })).toBe(1735689600);
    expect(runEpochSeconds({ date: "20250101", cycle: 12 })).toBe(1735689600 + 12 * 3600);
  });
});

describe("members", () => {
  it("names 51 members, control first", () => {
    expect(ALL_MEMBERS).toHaveLength(51);
    expect(ALL_MEMBERS.slice(0, 3)).toEqual(["control", "ens01", "ens02"]);
    expect(ALL_MEMBERS.at(-1)).toBe("ens50");
  });
  it.each([
    ["control", 0],
    ["ens01", 1],
    ["ens50", 50],
  ])("%s is number %i and back", (name, n) => {
    expect(memberNumber(name)).toBe(n);
    expect(memberName(n)).toBe(name);
  });
  it.each(["ens51", "ens00", "ens1", "member3"])("refuses %s as a UsageError", (name) => {
    let caught: unknown;
    try {
      memberNumber(name);
    } catch (err) {
      caught = err;
    }
    expect(isGikError(caught, "UsageError")).toBe(true);
    expect(String(caught)).toMatch(new RegExp(`unknown member "${name}"`));
  });
  it("parses lists, keeps order and refuses duplicates", () => {
    expect(parseMembers("all")).toHaveLength(51);
    expect(parseMembers(undefined)).toHaveLength(51);
    expect(parseMembers("ens02, control")).toEqual(["ens02", "control"]);
    expect(() => parseMembers("ens02,ens02")).toThrow(/listed twice/);
  });
});

describe("layout", () => {
  const run = { date: "20250101", cycle: 0 };
  it("puts step files where ECMWF does", () => {
    expect(stepFileKey(run, 24, "enfo-ef", "0p25")).toBe(
      "20250101/00z/ifs/0p25/enfo/20250101000000-24h-enfo-ef.grib2",
    );
    expect(stepFileKey({ date: "20260601", cycle: 12 }, 0, "oper-fc", "0p25")).toBe(
      "20260601/12z/ifs/0p25/oper/20260601120000-0h-oper-fc.grib2",
    );
    expect(stepFileKey({ date: "20231201", cycle: 0 }, 360, "enfo-ef", "0p4-beta")).toBe(
      "20231201/00z/0p4-beta/enfo/20231201000000-360h-enfo-ef.grib2",
    );
    expect(indexKeyOf("a/b-0h-enfo-ef.grib2")).toBe("a/b-0h-enfo-ef.index");
  });
  it.each([
    ["20240228", "0p4-beta"],
    ["20240229", "0p25"],
    ["20260601", "0p25"],
  ])("date %s is under %s", (date, resolution) => expect(resolutionOf(date)).toBe(resolution));
  it("names templates as users already have them", () => {
    expect(templateKey({ date: "20240529", cycle: 0 }, "ens07", 3)).toBe(
      "ecmwf/ens07/ecmwf-time-20240529-ens07-rt003.parquet",
    );
    expect(templateRunPart({ date: "20240529", cycle: 12 })).toBe("2024052912");
    expect(templateKey({ date: "20240529", cycle: 12 }, "control", 360)).toBe(
      "ecmwf/control/ecmwf-time-2024052912-control-rt360.parquet",
    );
  });
  it("names stores by run and member", () => {
    expect(storeKey(run, "ens01", "parquet")).toBe("20250101/00z/ens01.parquet");
    expect(storeKey({ date: "20250101", cycle: 6 }, "control", "json")).toBe("20250101/06z/control.json");
  });
});
