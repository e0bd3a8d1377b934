import { describe, expect, it } from "vitest";
import { type CpuProfile, hotFunctions, timeByCategory } from "../../bench/cpu-profile.js";

// A sample's time is the delta to the next sample: node 2 runs 3 + 1 ms, node 3 1 ms, the GC 5 ms.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 3, 4] },
    {
      id: 2,
      callFrame: {
        functionName: "parseEcmwfIndexLine",
        url: "file:///repo/dist/job-image/src/index/ecmwf.js",
        lineNumber: 70,
      },
    },
    {
      id: 3,
      callFrame: {
        functionName: "signer",
        url: "file:///repo/node_modules/@aws-sdk/core/dist-cjs/index.js",
        lineNumber: 9,
      },
    },
    { id: 4, callFrame: { functionName: "(garbage collector)", url: "", lineNumber: -1 } },
  ],
  samples: [2, 3, 2, 4, 1],
  timeDeltas: [0, 3000, 1000, 1000, 5000],
};

describe("hotFunctions", () => {
  it("sums self time per function, largest first, with repository-relative places", () => {
    const { totalMs, functions } = hotFunctions(profile, 2, "/repo");
    expect(totalMs).toBe(10);
    expect(functions).toEqual([
      { label: "(garbage collector)", selfMs: 5, share: 0.5 },
      { label: "parseEcmwfIndexLine (dist/job-image/src/index/ecmwf.js:71)", selfMs: 4, share: 0.4 },
    ]);
  });
});

describe("timeByCategory", () => {
  it("groups self time by owner", () => {
    expect(timeByCategory(profile, "/repo")).toEqual([
      { category: "garbage collector", ms: 5, share: 0.5 },
      { category: "gik: index parsing", ms: 4, share: 0.4 },
      { category: "AWS SDK (request building, signing, parsing)", ms: 1, share: 0.1 },
    ]);
  });
});
