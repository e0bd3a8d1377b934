/**
 * The options of `gik run`, declared once: the flags and their help here, the request they make in
 * `api/job-spec.ts` ({@link RunRequest}, the same type a Job pod runs with).
 *
 * @module
 */

import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { parseDuration } from "../api/duration.js";
import { UsageError } from "../api/errors.js";
import type { RunRequest } from "../api/job-spec.js";
import { parseMembers } from "../api/members.js";
import { CYCLES, parseCycle, parseDate, type RunId } from "../api/run-id.js";
import { LAYOUTS, STORE_FORMATS } from "../api/store-layout.js";
import type { Logger } from "../log/types.js";
import { fsStore } from "../storage/fs.js";
import { openStore } from "../storage/open.js";
import type { Store } from "../storage/types.js";
import { cachesTemplates, withTemplateCache } from "../templates/cache.js";
import type { OptionSpec, OptionValues } from "./command.js";

/** Where things go when nobody says: ECMWF's public bucket in, a local folder out. */
export const DEFAULTS = {
  source: "s3://ecmwf-forecasts",
  templates: "./gik-data/templates",
  out: "./gik-data/stores",
} as const;

/** Where ECMWF's tree is read, for every command that reads it. */
export const SOURCE_OPTIONS: Record<string, OptionSpec> = {
  source: { type: "string", value: "URL", description: "root of the ECMWF tree", default: DEFAULTS.source },
  anonymous: {
    type: "boolean",
    description: "read the source unsigned (a public bucket gik does not know; ECMWF's needs no flag)",
  },
};

/** The source store the flags name, unsigned when `--anonymous` says so. */
export function openSource(values: OptionValues): Store {
  const url = typeof values.source === "string" ? values.source : DEFAULTS.source;
  return values.anonymous === true ? openStore(url, { s3: { anonymous: true } }) : openStore(url);
}

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  date: {
    type: "string",
    value: "YYYYMMDD|latest",
    description: "date of the run, or latest: the newest run the source holds complete",
  },
  cycle: {
    type: "string",
    value: "HH|any",
    description: "run hour: 0, 6, 12 or 18; with --date latest also any",
    default: "0",
  },
  members: {
    type: "string",
    value: "LIST",
    description: "all, or names: control,ens01,…,ens50",
    default: "all",
  },
  "reference-date": {
    type: "string",
    value: "YYYYMMDD",
    description: "reference run of the templates",
    default: "newest templates of this cycle and grid in --templates, else the run itself",
  },
  templates: { type: "string", value: "URL", description: "templates store", default: DEFAULTS.templates },
  cache: {
    type: "string",
    value: "DIR|none",
    description: "where templates read from a remote store (s3://, gs://) are cached; none: no cache",
    default: "$XDG_CACHE_HOME/gik/templates, else ~/.cache/gik/templates",
  },
  "no-cache": { type: "boolean", description: "read remote templates without the cache (as --cache none)" },
  ...SOURCE_OPTIONS,
  out: { type: "string", value: "URL", description: "root of the stores", default: DEFAULTS.out },
  format: {
    type: "string",
    value: "parquet|json",
    description: "reference-parquet directory or kerchunk JSON",
    default: "parquet",
  },
  layout: {
    type: "string",
    value: "members|ensemble|both",
    description: "one store per member, one store of the whole ensemble, or both",
    default: "members",
  },
  collection: {
    type: "string",
    value: "URL",
    description: "also append the run to this forecast collection (made by the first run appended)",
  },
  "collection-cycles": {
    type: "string",
    value: "LIST",
    description: "cycles a new collection holds, e.g. 0,12",
    default: "the run's own cycle",
  },
  wait: {
    type: "string",
    value: "DURATION",
    description: "wait this long for step files ECMWF has not published yet (e.g. 3h)",
    default: "0: absent files fail at once",
  },
  poll: {
    type: "string",
    value: "DURATION",
    description: "longest pause between two looks at a file not published yet",
    default: "10s",
  },
  concurrency: { type: "string", value: "N", description: "step files worked on at once", default: "16" },
  "on-drift": {
    type: "string",
    value: "fail|rebuild",
    description: "when the run's fields differ from the templates: fail, or rebuild templates from the run",
    default: "fail",
  },
};

/**
 * A run as the flags ask for it (the run itself, or the newest complete run of some cycles, which
 * the source says), and how much of it to do at once.
 */
export interface RunOptions {
  run: RunId | { latest: number[] };
  request: Omit<RunRequest, "run">;
  concurrency: number;
  /**
   * The directory of the template cache, or undefined for none. Not part of the request: a Job's
   * pods run without one (`job/entrypoint.ts`).
   */
  cache: string | undefined;
}

/**
 * Validates the options of a run; every fault names its flag. `now` starts `--wait`; `env` gives
 * the cache's default place.
 */
export function parseRunOptions(
  values: OptionValues,
  now: Date = new Date(),
  env: NodeJS.ProcessEnv = process.env,
): RunOptions {
  const text = (name: string) => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const reference = text("reference-date");
  const waitMs = parseDuration(text("wait") ?? "0", "--wait");
  const pollMs = parseDuration(text("poll") ?? "10s", "--poll");
  return {
    run: runOption(text("date"), text("cycle")),
    request: {
      members: withFlag("--members", () => parseMembers(text("members"))),
      templates: {
        store: text("templates") ?? DEFAULTS.templates,
        ...(reference === undefined ? {} : { referenceDate: parseDate(reference, "--reference-date") }),
      },
      source: text("source") ?? DEFAULTS.source,
      output: text("out") ?? DEFAULTS.out,
      format: oneOf(text("format") ?? "parquet", STORE_FORMATS, "--format"),
      layout: oneOf(text("layout") ?? "members", LAYOUTS, "--layout"),
      onDrift: oneOf(text("on-drift") ?? "fail", ["fail", "rebuild"] as const, "--on-drift"),
      ...collectionOption(text("collection"), text("collection-cycles")),
      ...(waitMs > 0
        ? {
            wait: {
              deadline: new Date(now.getTime() + waitMs).toISOString(),
              pollSeconds: Math.max(1, Math.round(pollMs / 1000)),
            },
          }
        : {}),
    },
    concurrency: positiveInt(text("concurrency") ?? "16", "--concurrency"),
    cache: cacheOption(text("cache"), values["no-cache"] === true, env),
  };
}

/** Where the template cache of a user lives: under `$XDG_CACHE_HOME`, else `~/.cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".cache");
  return join(base, "gik", "templates");
}

function cacheOption(dir: string | undefined, off: boolean, env: NodeJS.ProcessEnv): string | undefined {
  if (off) {
    if (dir !== undefined && dir !== "none") throw new UsageError("--no-cache", "goes without --cache DIR");
    return undefined;
  }
  if (dir === "none") return undefined;
  if (dir === "") throw new UsageError("--cache", "expected a directory or none");
  return dir ?? defaultCacheDir(env);
}

/**
 * The templates store at `url`, its manifest read through the cache in `cacheDir` when the store is
 * remote and a cache is asked for.
 */
export function openTemplates(url: string, cacheDir: string | undefined, log: Logger): Store {
  const store = openStore(url);
  if (cacheDir === undefined || !cachesTemplates(url)) return store;
  return withTemplateCache(store, { cache: fsStore(cacheDir), log });
}

function runOption(date: string | undefined, cycle: string | undefined): RunOptions["run"] {
  if (date === "latest") return { latest: cycle === "any" ? [...CYCLES] : [parseCycle(cycle, "--cycle")] };
  if (cycle === "any") throw new UsageError("--cycle", "any goes with --date latest");
  return { date: parseDate(date, "--date"), cycle: parseCycle(cycle, "--cycle") };
}

function collectionOption(
  url: string | undefined,
  cycles: string | undefined,
): Pick<RunRequest, "collection"> {
  if (url === undefined) {
    if (cycles !== undefined) throw new UsageError("--collection-cycles", "goes with --collection");
    return {};
  }
  if (cycles === undefined) return { collection: { url } };
  const list = cycles.split(",").map((c) => parseCycle(c.trim(), "--collection-cycles"));
  return { collection: { url, cycles: list } };
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(flag, `expected ${allowed.join(" or ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new UsageError(flag, `expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function withFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(flag, err.reason, { cause: err });
    throw err;
  }
}
