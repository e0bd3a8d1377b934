import { describe, expect, it } from "vitest";
import type { MemberResult } from "../../bench/bench-member.js";
import type { RunResult } from "../../bench/bench-run.js";
import type { TemplatesResult } from "../../bench/bench-templates.js";
import type { Measured } from "../../bench/measure-process.js";
import { checkTargets } from "../../bench/targets.js";
import type { TrafficSummary } from "../../bench/traffic.js";

const MiB = 2 ** 20;

function measured(wallMs: number, peakRssBytes = 100 * MiB): Measured {
  return { command: "gik", code: 0, wallMs, cpuMs: wallMs, peakRssBytes, stdout: "", stderr: "" };
}

function traffic(over: {
  index?: Partial<TrafficSummary["index"]>;
  grib?: Partial<TrafficSummary["grib"]>;
}): TrafficSummary {
  return {
    requests: 0,
    byMethod: {},
    bytesRead: 0,
    bytesWritten: 0,
    index: { gets: 170, bytes: 0, files: 170, maxGetsPerFile: 1, ...over.index },
    grib: {
      reads: 0,
      bytes: 0,
      files: 0,
      dataSectionBytes: 0,
      headerBytes: 0,
      maxRead: 0,
      misaligned: 0,
      ...over.grib,
    },
  };
}

function results(o: {
  templatesMs: number;
  memberMs: number;
  runMs: number;
  /** Peak RSS of the run under the bounded heap; the default heap's run is given 1.5 GiB. */
  rss: number;
  run?: TrafficSummary;
  headers?: TrafficSummary;
}) {
  const templates = {
    gik: { measured: measured(o.templatesMs), traffic: o.headers ?? traffic({}) },
  } as TemplatesResult;
  const member = { gik: { runs: [measured(o.memberMs)], median: measured(o.memberMs) } } as MemberResult;
  const run = {
    measured: measured(o.runMs, 1500 * MiB),
    bounded: measured(o.runMs, o.rss),
    traffic: o.run ?? traffic({}),
    minimum: { indexes: 170, bytes: 1 },
  } as RunResult;
  return [templates, member, run] as const;
}

const met = (checks: ReturnType<typeof checkTargets>) =>
  Object.fromEntries(checks.map((c) => [c.name, c.met]));

describe("checkTargets", () => {
  it("marks every target met when the figures are within them", () => {
    const checks = checkTargets(
      ...results({ templatesMs: 90_000, memberMs: 1_500, runMs: 25_000, rss: 400 * MiB }),
    );
    expect(met(checks)).toEqual({
      templates: true,
      templatesBytes: true,
      member: true,
      run: true,
      runBytes: true,
      memory: true,
    });
  });

  it("marks each target missed on its own figure", () => {
    const checks = checkTargets(
      ...results({
        templatesMs: 277_000,
        memberMs: 14_600,
        runMs: 143_000,
        rss: 1500 * MiB,
        run: traffic({ index: { maxGetsPerFile: 2 } }),
        headers: traffic({ grib: { reads: 10, maxRead: 4096 } }),
      }),
    );
    expect(met(checks)).toEqual({
      templates: false,
      templatesBytes: false,
      member: false,
      run: false,
      runBytes: false,
      memory: false,
    });
    expect(checks.find((c) => c.name === "run")?.measured).toBe("2 min 23 s wall (2 min 23 s CPU)");
  });

  it("judges memory on the run with a bounded heap, and shows both peaks", () => {
    const checks = checkTargets(...results({ templatesMs: 1, memberMs: 1, runMs: 1, rss: 400 * MiB }));
    const memory = checks.find((c) => c.name === "memory");
    expect(memory?.met).toBe(true);
    expect(memory?.measured).toBe(
      "400.0 MiB with a 256 MiB V8 heap (1.46 GiB with Node's default heap for this machine)",
    );
  });

  it.each([
    ["an index file not read", { index: { files: 169 } }],
    ["bytes of a data section", { grib: { dataSectionBytes: 11 } }],
  ])("misses the bytes target on %s", (_name, over) => {
    const checks = checkTargets(
      ...results({ templatesMs: 1, memberMs: 1, runMs: 1, rss: 1, run: traffic(over) }),
    );
    expect(met(checks).runBytes).toBe(false);
  });
});
