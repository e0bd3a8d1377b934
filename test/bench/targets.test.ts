import { describe, expect, it } from "vitest";
import type { CollectionResult } from "../../bench/bench-collection.js";
import type { EnsembleResult } from "../../bench/bench-ensemble.js";
import type { MemberResult, PodMemoryResult } from "../../bench/bench-member.js";
import type { ReadResult } from "../../bench/bench-read.js";
import type { RunResult } from "../../bench/bench-run.js";
import type { SharesResult } from "../../bench/bench-shares.js";
import type { TemplateCacheResult } from "../../bench/bench-template-cache.js";
import type { TemplatesResult } from "../../bench/bench-templates.js";
import type { Measured } from "../../bench/measure-process.js";
import { classify } from "../../bench/store-objects.js";
import { type BenchResults, checkTargets, type TargetName } from "../../bench/targets.js";
import type { TrafficSummary } from "../../bench/traffic.js";

const MiB = 2 ** 20;
const INDEX_BYTES = 170 * MiB;

function measured(wallMs: number, peakRssBytes = 100 * MiB): Measured {
  return { command: "gik", code: 0, wallMs, cpuMs: wallMs, peakRssBytes, stdout: "", stderr: "" };
}

function traffic(over: {
  requests?: number;
  index?: Partial<TrafficSummary["index"]>;
  grib?: Partial<TrafficSummary["grib"]>;
}): TrafficSummary {
  return {
    records: [],
    requests: over.requests ?? 0,
    byMethod: {},
    bytesRead: 0,
    bytesWritten: 0,
    index: { gets: 170, bytes: INDEX_BYTES, files: 170, maxGetsPerFile: 1, ...over.index },
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

/** A member store of two groups, each with its field and seven coordinates. */
const STORE = classify(
  "s3://b/ens01.parquet",
  [".zmetadata"]
    .concat(
      ...["t2m/instant/heightAboveGround", "msl/instant/meanSea"].map((g) =>
        [
          g.split("/")[0]!,
          "latitude",
          "longitude",
          "number",
          "step",
          "time",
          "valid_time",
          g.split("/")[2]!,
        ].map((a) => `${g}/${a}/refs.0.parq`),
      ),
    )
    .map((key) => ({ key, size: 10 })),
);

interface Figures {
  templatesMs: number;
  memberMs: number;
  /** The same member written as kerchunk JSON. */
  memberJsonMs: number;
  kerchunkS: number;
  runMs: number;
  runJsonMs: number;
  ensembleMs: number;
  appendMs: number;
  /** Objects written by the append to the large collection; the small one's are 20. */
  appendPuts: number;
  rss: number;
  podRss: number;
  /** The ensemble store, its field's group opened. */
  openS: number;
  /** The ensemble store opened as a tree. */
  openTreeS: number;
  /** The member store written as kerchunk JSON. */
  openJsonS: number;
  cachedGets: number;
  /** Index bytes one member pod reads. */
  podIndexBytes: number;
  /** Index bytes each pod of a run of 26 members per pod reads, and its peak. */
  shareIndexBytes: number[];
  shareRss: number;
  run?: TrafficSummary;
  headers?: TrafficSummary;
}

const GOOD: Figures = {
  templatesMs: 20_000,
  memberMs: 1_500,
  memberJsonMs: 1_200,
  kerchunkS: 30,
  runMs: 15_000,
  runJsonMs: 8_000,
  ensembleMs: 8_000,
  appendMs: 9_000,
  appendPuts: 20,
  rss: 400 * MiB,
  podRss: 300 * MiB,
  openS: 1.5,
  openTreeS: 1.8,
  openJsonS: 1.1,
  cachedGets: 0,
  podIndexBytes: INDEX_BYTES,
  shareIndexBytes: [INDEX_BYTES, INDEX_BYTES - 3 * MiB],
  shareRss: 300 * MiB,
};

function results(f: Figures): BenchResults {
  const append = (before: number, wallMs: number, puts: number) => ({
    before,
    measured: measured(wallMs),
    puts,
    bytesWritten: puts * 1000,
    line: "collection appended",
  });
  return {
    templates: {
      gik: { measured: measured(f.templatesMs), traffic: f.headers ?? traffic({}) },
    } as TemplatesResult,
    member: {
      gik: {
        runs: [measured(f.memberMs)],
        median: measured(f.memberMs),
        traffic: traffic({ index: { bytes: f.podIndexBytes } }),
      },
      json: { runs: [measured(f.memberJsonMs)], median: measured(f.memberJsonMs), traffic: traffic({}) },
      kerchunk: { seconds: { index: f.kerchunkS / 2, templates: f.kerchunkS / 2, map_from_index: 0 } },
    } as MemberResult,
    pod: { limitBytes: 1024 * MiB, heapMib: 768, measured: measured(1, f.podRss) } as PodMemoryResult,
    shares: {
      membersPerPod: 26,
      limitBytes: 1024 * MiB,
      pods: f.shareIndexBytes.map((bytes, i) => ({
        members: 26 - i,
        measured: measured(1, f.shareRss),
        traffic: traffic({ index: { bytes } }),
      })),
    } as SharesResult,
    run: {
      measured: measured(f.runMs, f.rss),
      bounded: measured(f.runMs, 300 * MiB),
      json: { measured: measured(f.runJsonMs), requests: 785 },
      traffic: f.run ?? traffic({}),
      minimum: { indexes: 170, bytes: INDEX_BYTES },
      stores: 51,
      objects: STORE,
    } as RunResult,
    ensemble: { measured: measured(f.ensembleMs) } as EnsembleResult,
    collection: {
      small: append(1, 5_000, 20),
      large: append(29, f.appendMs, f.appendPuts),
    } as CollectionResult,
    read: {
      opens: (
        [
          ["member", "field", 0.5],
          ["member", "tree", 0.6],
          ["member (JSON)", "tree", f.openJsonS],
          ["ensemble", "field", f.openS],
          ["ensemble", "tree", f.openTreeS],
        ] as const
      ).map(([store, form, openSeconds]) => ({
        env: "zarr-python 2" as const,
        store,
        form,
        url: "s3://b/x",
        measured: measured(1),
        traffic: traffic({ requests: 50 }),
        openSeconds,
        readSeconds: 0.1,
      })),
      messageLength: 200,
    } as ReadResult,
    cache: {
      first: { measured: measured(1), gets: 170, heads: 2, bytesRead: MiB },
      second: { measured: measured(1), gets: f.cachedGets, heads: 2, bytesRead: 0 },
    } as TemplateCacheResult,
  };
}

const met = (checks: ReturnType<typeof checkTargets>) =>
  Object.fromEntries(checks.map((c) => [c.name, c.met])) as Record<TargetName, boolean>;

describe("checkTargets", () => {
  it("marks every target met when the figures are within them", () => {
    expect(Object.values(met(checkTargets(results(GOOD)))).every(Boolean)).toBe(true);
  });

  it.each<[TargetName, Partial<Figures>]>([
    ["templates", { templatesMs: 31_000 }],
    ["templatesBytes", { headers: traffic({ grib: { reads: 10, maxRead: 4096 } }) }],
    ["member", { memberMs: 2_100 }],
    ["member", { kerchunkS: 14 }],
    ["memberJson", { memberJsonMs: 2_100 }],
    ["run", { runMs: 20_500 }],
    ["runJson", { runJsonMs: 20_500 }],
    ["runBytes", { run: traffic({ index: { maxGetsPerFile: 2 } }) }],
    ["runBytes", { run: traffic({ index: { files: 169 } }) }],
    ["runBytes", { run: traffic({ grib: { dataSectionBytes: 11 } }) }],
    ["ensemble", { ensembleMs: 10_500 }],
    ["append", { appendMs: 10_500 }],
    ["append", { appendPuts: 21 }],
    ["memory", { rss: 600 * MiB }],
    ["podMemory", { podRss: 1100 * MiB }],
    ["open", { openS: 2.5 }],
    ["openTree", { openTreeS: 2.5 }],
    ["openJson", { openJsonS: 2.1 }],
    ["templateCache", { cachedGets: 1 }],
    ["kubernetesBytes", { shareIndexBytes: [INDEX_BYTES, INDEX_BYTES, INDEX_BYTES] }],
    ["kubernetesBytes", { shareRss: 1100 * MiB }],
  ])("misses %s on its own figure (%o), and only it", (name, over) => {
    const checks = met(checkTargets(results({ ...GOOD, ...over })));
    expect(Object.entries(checks).filter(([, ok]) => !ok)).toEqual([[name, false]]);
  });

  it("states the objects of a member store and misses the target on an unexplained one", () => {
    const r = results(GOOD);
    const store = checkTargets(r).find((c) => c.name === "storeObjects");
    expect(store?.measured).toBe(
      "17: 1 .zmetadata + 2 groups × 8 (the field's references, latitude, longitude, number, step, time, valid_time, level)",
    );
    r.run.objects = { ...STORE, total: STORE.total + 1, metadata: 2 };
    expect(met(checkTargets(r)).storeObjects).toBe(false);
  });

  it("gives the servers' CPU and the machine's load beside a time, when the run measured them", () => {
    const r = results(GOOD);
    expect(checkTargets(r).find((c) => c.name === "run")?.measured).toBe("15.0 s wall (15.0 s CPU)");
    r.run.measured.servers = { minioMs: 9000, toxiproxyMs: 3000, benchMs: 2500, machineMs: 27_000, cores: 2 };
    expect(checkTargets(r).find((c) => c.name === "run")?.measured).toBe(
      "15.0 s wall (15.0 s CPU; servers 14.5 s CPU, machine 90% busy)",
    );
  });

  it("states what the pods of a run in shares read, beside a member per pod", () => {
    expect(checkTargets(results(GOOD)).find((c) => c.name === "kubernetesBytes")?.measured).toBe(
      "membersPerPod 26: 2 pods read 170.0 MiB + 167.0 MiB = 337.0 MiB, 1.98× the index files (peaks 300.0 MiB, 300.0 MiB under the chart's 1.00 GiB); " +
        "one member per pod (the default): 51 pods × 170.0 MiB = 8.47 GiB, 51.0× (docs/reading-on-kubernetes.md)",
    );
  });

  it("reports the memory of the default heap, the bounded one beside it", () => {
    const memory = checkTargets(results(GOOD)).find((c) => c.name === "memory");
    expect(memory?.measured).toBe("400.0 MiB (300.0 MiB under a 256 MiB V8 heap)");
  });
});
