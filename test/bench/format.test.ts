import { describe, expect, it } from "vitest";
import { extrapolate } from "../../bench/bench-templates.js";
import { bytes, ratio, seconds } from "../../bench/format.js";
import { parseMemoryStatus } from "../../bench/measure-process.js";

describe("format", () => {
  it.each([
    [0.842, "0.84 s"],
    [14.64, "14.6 s"],
    [277, "4 min 37 s"],
    [91800, "25.5 h"],
  ])("seconds(%s)", (s, text) => expect(seconds(s)).toBe(text));

  it.each([
    [812, "812 B"],
    [14_540, "14.2 KiB"],
    [184_857_395, "176.3 MiB"],
    [1_524_713_390, "1.42 GiB"],
  ])("bytes(%s)", (n, text) => expect(bytes(n)).toBe(text));

  it.each([
    [37, 1, "37×"],
    [2.5, 1, "2.5×"],
    [91800, 277, "331×"],
    [12345, 1, "12,345×"],
  ])("ratio(%s, %s)", (peer, gik, text) => expect(ratio(peer, gik)).toBe(text));
});

describe("extrapolate", () => {
  it("scales the sample's cost per message and per index to the run", () => {
    const sample = {
      steps: [0, 360],
      messages: 80,
      matched: 80,
      indexLines: 18_100,
      indexes: 2,
      seconds: { index: 1, scan_grib: 6, extract: 1.8, merge: 0.2 },
    };
    // 0.1 s per message, 0.5 s per index.
    expect(extrapolate(sample, { messages: 1000, indexes: 10 })).toBeCloseTo(105);
  });
});

describe("parseMemoryStatus", () => {
  it("reads VmRSS and VmHWM in bytes", () => {
    const text = "Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  262144 kB\nThreads:\t11\n";
    expect(parseMemoryStatus(text)).toEqual({ rss: 256 * 2 ** 20, hwm: 512 * 2 ** 20 });
  });
});
