import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULTS,
  defaultCacheDir,
  openTemplates,
  parseRunOptions,
} from "../../../job-image/src/cli/run-options.js";
import { createLogger } from "../../../job-image/src/log/logger.js";
import { fsStore } from "../../../job-image/src/storage/fs.js";
import { manifestPartKey } from "../../../job-image/src/templates/layout.js";

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
    [{ date: "20250101", cache: "" }, /--cache: expected a directory or none/],
    [{ date: "20250101", cache: "/tmp/c", "no-cache": true }, /--no-cache: goes without --cache DIR/],
  ])("refuses %j naming the flag", (values, message) => {
    expect(() => parseRunOptions(values)).toThrow(message);
  });
});

describe("the template cache's options", () => {
  const cacheOf = (values: Record<string, string | boolean>, env: NodeJS.ProcessEnv = {}) =>
    parseRunOptions({ date: "20250101", ...values }, new Date(), env).cache;

  it("defaults to the user's cache directory, XDG_CACHE_HOME first", () => {
    expect(cacheOf({}, { HOME: "/home/ana" })).toBe("/home/ana/.cache/gik/templates");
    expect(cacheOf({}, { HOME: "/home/ana", XDG_CACHE_HOME: "/var/cache/ana" })).toBe(
      "/var/cache/ana/gik/templates",
    );
    // A relative XDG_CACHE_HOME is invalid by the spec, and ignored.
    expect(defaultCacheDir({ HOME: "/home/ana", XDG_CACHE_HOME: "cache" })).toBe(
      "/home/ana/.cache/gik/templates",
    );
  });

  it("takes a directory, or none", () => {
    expect(cacheOf({ cache: "/tmp/c" })).toBe("/tmp/c");
    expect(cacheOf({ cache: "none" })).toBeUndefined();
    expect(cacheOf({ "no-cache": true })).toBeUndefined();
    expect(cacheOf({ cache: "none", "no-cache": true })).toBeUndefined();
  });

  it("leaves a local templates store uncached", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gik-run-options-"));
    try {
      const templates = join(dir, "templates");
      const key = manifestPartKey({ date: "20240529", cycle: 0 }, 0, 1);
      await fsStore(templates).put(key, new TextEncoder().encode("{}"));
      const log = createLogger({ format: "json", level: "error", write: () => {} });
      for (const url of [templates, `file://${templates}`]) {
        expect(await openTemplates(url, join(dir, "cache"), log).get(key)).toEqual(
          new TextEncoder().encode("{}"),
        );
      }
      expect(await readdir(dir)).toEqual(["templates"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
