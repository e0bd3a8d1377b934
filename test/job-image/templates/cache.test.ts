import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stepsOf } from "../../../job-image/src/api/run-id.js";
import { createLogger } from "../../../job-image/src/log/logger.js";
import type { Logger } from "../../../job-image/src/log/types.js";
import { fsStore } from "../../../job-image/src/storage/fs.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { createStoreStats, type StoreStats, withStats } from "../../../job-image/src/storage/stats.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import {
  cachesTemplates,
  checkEntry,
  encodeEntry,
  withTemplateCache,
} from "../../../job-image/src/templates/cache.js";
import { manifestPartKey, templateKey } from "../../../job-image/src/templates/layout.js";
import type { ManifestPart } from "../../../job-image/src/templates/manifest.js";
import { findManifest } from "../../../job-image/src/templates/read.js";

const run = { date: "20240529", cycle: 0 };
const KEY = manifestPartKey(run, 0, 1);
const encode = (text: string) => new TextEncoder().encode(text);

/** A whole manifest of one part: one field of both kinds of member at every step of a 00 UTC run. */
function manifestPart(name = "2 metre temperature"): Uint8Array {
  const steps = stepsOf(0);
  const grid = {
    gridDefinitionTemplateNumber: 0,
    gridType: "regular_ll",
    Ni: 2,
    Nj: 2,
    latitudeOfFirstGridPointInDegrees: 1,
    longitudeOfFirstGridPointInDegrees: 36,
    latitudeOfLastGridPointInDegrees: 0.75,
    longitudeOfLastGridPointInDegrees: 36.25,
    iDirectionIncrementInDegrees: 0.25,
    jDirectionIncrementInDegrees: 0.25,
    iScansNegatively: 0,
    jScansPositively: 0,
    jPointsAreConsecutive: 0,
    uvRelativeToGrid: 0,
    numberOfPoints: 4,
    shapeOfTheEarth: 6,
  } as const;
  const part: ManifestPart = {
    kind: "gik-templates",
    version: 2,
    referenceRun: run,
    shard: { index: 0, count: 1 },
    members: ["control", "ens01"],
    steps,
    controlFile: "enfo-ef",
    grid,
    fields: {
      "2t:sfc:": {
        varname: "t2m",
        typeOfLevel: "heightAboveGround",
        stepType: "instant",
        level: 2,
        paramId: 167,
        name,
        grid,
        kinds: {
          control: { steps, attributes: { GRIB_dataType: "cf" } },
          perturbed: { steps, attributes: { GRIB_dataType: "pf" } },
        },
      },
    },
    absent: {},
    sources: steps.map((s) => ({ key: `i-${s}`, size: 1 })),
  };
  return encode(JSON.stringify(part));
}

let dir: string;
let remote: Store;
let stats: StoreStats;
let warnings: Record<string, unknown>[];
let log: Logger;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gik-template-cache-"));
  stats = createStoreStats();
  remote = withStats(memoryStore("templates"), stats);
  warnings = [];
  log = createLogger({
    format: "json",
    level: "warn",
    write: (line) => warnings.push(JSON.parse(line) as Record<string, unknown>),
  });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cached = (store: Store = remote) => withTemplateCache(store, { cache: fsStore(dir), log });

/** Paths of the files under the cache directory. */
async function cacheFiles(): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("the template cache", () => {
  it("reads a manifest part over the network once: a second run sends one LIST, no HEAD, no GET", async () => {
    await remote.put(KEY, manifestPart());
    const first = await findManifest(cached(), run);
    expect(stats.byKind.get.requests).toBe(1);
    // The listing gave the part's version; one HEAD after the GET checks it did not change meanwhile.
    expect(stats.byKind.head.requests).toBe(1);
    // A second run: a new process, a new wrapper over the same cache directory.
    const second = await findManifest(cached(), run);
    expect(stats.byKind.get.requests).toBe(1);
    expect(stats.byKind.head.requests).toBe(1);
    expect(stats.byKind.list.requests).toBe(2);
    expect(second).toEqual(first);
    expect(second?.fingerprint).toMatch(/^sha256:/);
  });

  it("takes a listed version for one read only, and HEADs a part read without a listing", async () => {
    await remote.put(KEY, manifestPart());
    const store = cached();
    await findManifest(store, run);
    const heads = stats.byKind.head.requests;
    // Rebuilt after the listing: a read that follows no listing of its own asks the store again.
    await remote.put(KEY, manifestPart("2 metre temperature, rebuilt"));
    expect(new TextDecoder().decode(await store.get(KEY))).toContain("rebuilt");
    expect(stats.byKind.head.requests).toBeGreaterThan(heads);
    expect(stats.byKind.get.requests).toBe(2);
  });

  it("serves the version listed, from the cache, when the part is rebuilt between the listing and the read", async () => {
    await remote.put(KEY, manifestPart());
    await findManifest(cached(), run);
    const rebuiltAfterListing: Store = {
      ...remote,
      async *list(prefix, options) {
        yield* remote.list(prefix, options);
        await remote.put(KEY, manifestPart("rebuilt meanwhile"));
      },
    };
    const manifest = await findManifest(cached(rebuiltAfterListing), run);
    expect(manifest?.fields["2t:sfc:"]?.name).toBe("2 metre temperature");
    expect(stats.byKind.get.requests).toBe(1);
    // The next run lists the new build and reads it.
    expect((await findManifest(cached(), run))?.fields["2t:sfc:"]?.name).toBe("rebuilt meanwhile");
    expect(stats.byKind.get.requests).toBe(2);
  });

  it("refetches a part whose ETag changed (a new build), then serves the new one", async () => {
    await remote.put(KEY, manifestPart());
    await findManifest(cached(), run);
    await remote.put(KEY, manifestPart("2 metre temperature, rebuilt"));
    const rebuilt = await findManifest(cached(), run);
    expect(rebuilt?.fields["2t:sfc:"]?.name).toBe("2 metre temperature, rebuilt");
    expect(stats.byKind.get.requests).toBe(2);
    expect((await findManifest(cached(), run))?.fields["2t:sfc:"]?.name).toBe("2 metre temperature, rebuilt");
    expect(stats.byKind.get.requests).toBe(2);
    expect(warnings).toEqual([]);
  });

  it("detects a truncated cache file, warns naming it, refetches, and rewrites it whole", async () => {
    const bytes = manifestPart();
    await remote.put(KEY, bytes);
    await cached().get(KEY);
    const [file, ...others] = await cacheFiles();
    expect(others).toEqual([]);
    const whole = await readFile(file!);
    await truncate(file!, whole.length - 100);

    const again = await cached().get(KEY);
    expect(again).toEqual(bytes);
    expect(stats.byKind.get.requests).toBe(2);
    expect(warnings).toMatchObject([
      {
        msg: "template cache: corrupt entry, refetching it",
        file,
        reason: expect.stringMatching(/expected/),
      },
    ]);
    const rewritten = new Uint8Array(await readFile(file!));
    expect(rewritten).toEqual(new Uint8Array(whole));
    const info = await remote.head(KEY);
    expect(checkEntry(rewritten, { url: remote.url(KEY), etag: info!.etag!, size: info!.size })).toEqual({
      status: "hit",
      bytes,
    });
    await cached().get(KEY);
    expect(stats.byKind.get.requests).toBe(2);
  });

  it("never uses an entry whose bytes were altered in place, same length", async () => {
    await remote.put(KEY, manifestPart());
    await cached().get(KEY);
    const [file] = await cacheFiles();
    const text = await readFile(file!, "utf8");
    await writeFile(file!, text.replace("2 metre temperature", "2 metre temperaturX"));
    expect(new TextDecoder().decode(await cached().get(KEY))).toContain('"2 metre temperature"');
    expect(warnings).toMatchObject([{ file, reason: "SHA-256 of the bytes differs" }]);
  });

  it("caches only manifest parts: other objects pass through", async () => {
    const template = templateKey(run, "ens01", 0);
    await remote.put(template, encode("parquet"));
    expect(await cached().get(template)).toEqual(encode("parquet"));
    expect(stats.byKind.head.requests).toBe(0);
    expect(await cacheFiles()).toEqual([]);
  });

  it("does not file an object rewritten between its HEAD and its GET", async () => {
    await remote.put(KEY, manifestPart());
    const racing: Store = {
      ...remote,
      get: async (key) => {
        const bytes = await remote.get(key);
        await remote.put(key, manifestPart("rebuilt meanwhile"));
        return bytes;
      },
    };
    expect(await cached(racing).get(KEY)).toEqual(manifestPart());
    expect(await cacheFiles()).toEqual([]);
  });

  it("reads through a store that gives no ETag", async () => {
    await remote.put(KEY, manifestPart());
    const untagged: Store = {
      ...remote,
      head: async (key) => {
        const info = await remote.head(key);
        return info && { size: info.size };
      },
    };
    expect(await cached(untagged).get(KEY)).toEqual(manifestPart());
    expect(await cacheFiles()).toEqual([]);
  });

  it("warns and reads the store when the cache cannot be written", async () => {
    await remote.put(KEY, manifestPart());
    const blocked = join(dir, "a-file");
    await writeFile(blocked, "not a directory");
    const store = withTemplateCache(remote, { cache: fsStore(blocked), log });
    expect(await store.get(KEY)).toEqual(manifestPart());
    expect(await store.get(KEY)).toEqual(manifestPart());
    expect(stats.byKind.get.requests).toBe(2);
    expect(warnings[0]).toMatchObject({ msg: "template cache: cannot write the entry" });
  });

  it("reads a missing part as missing, filing nothing", async () => {
    expect(await cached().get(KEY)).toBeUndefined();
    expect(await findManifest(cached(), run)).toBeUndefined();
    expect(await cacheFiles()).toEqual([]);
  });
});

describe("cache entries", () => {
  const now = { url: "s3://b/t/ecmwf/manifests/20240529/part-0-of-1.json", etag: '"e1"', size: 5 };
  const entry = encodeEntry(now, encode("hello"));

  it("hit only for the object's current version", () => {
    expect(checkEntry(entry, now)).toEqual({ status: "hit", bytes: encode("hello") });
    expect(checkEntry(entry, { ...now, etag: '"e2"' })).toEqual({ status: "stale" });
    expect(checkEntry(entry, { ...now, size: 6 })).toEqual({ status: "stale" });
    expect(checkEntry(entry, { ...now, url: "s3://other/x.json" })).toEqual({ status: "stale" });
  });

  it.each([
    ["empty", new Uint8Array(0), "no header line"],
    ["a header cut short", entry.subarray(0, 20), "no header line"],
    ["a foreign header", encode('{"kind":"x"}\nhello'), "not a template cache header"],
    ["bytes cut short", entry.subarray(0, entry.length - 1), "4 bytes after the header, 5 expected"],
  ])("corrupt when %s", (_name, bytes, reason) => {
    expect(checkEntry(bytes, now)).toEqual({ status: "corrupt", reason });
  });
});

describe("which stores are cached", () => {
  it.each([
    ["s3://bucket/templates", true],
    ["gs://bucket/templates", true],
    ["https://example.org/templates", true],
    ["file:///data/templates", false],
    ["./gik-data/templates", false],
    ["/data/templates", false],
  ])("%s: %s", (url, expected) => {
    expect(cachesTemplates(url)).toBe(expected);
  });
});
