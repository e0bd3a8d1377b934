/**
 * The options of `gik run`, declared once: the flags and their help here, the request they make in
 * `api/job-spec.ts` ({@link RunRequest}, the same type a Job pod runs with).
 *
 * @module
 */
import { UsageError } from "../api/errors.js";
import type { RunRequest } from "../api/job-spec.js";
import { parseMembers } from "../api/members.js";
import { parseCycle, parseDate } from "../api/run-id.js";
import { LAYOUTS, STORE_FORMATS } from "../api/store-layout.js";
import type { OptionSpec, OptionValues } from "./command.js";

/** Where things go when nobody says: ECMWF's public bucket in, a local folder out. */
export const DEFAULTS = {
  source: "s3://ecmwf-forecasts",
  templates: "./gik-data/templates",
  out: "./gik-data/stores",
} as const;

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  date: { type: "string", value: "YYYYMMDD", description: "date of the run" },
  cycle: { type: "string", value: "HH", description: "run hour: 0, 6, 12 or 18", default: "0" },
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
  source: { type: "string", value: "URL", description: "root of the ECMWF tree", default: DEFAULTS.source },
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
  concurrency: { type: "string", value: "N", description: "step files worked on at once", default: "16" },
  "on-drift": {
    type: "string",
    value: "fail|rebuild",
    description: "when the run's fields differ from the templates: fail, or rebuild templates from the run",
    default: "fail",
  },
};

/** A run as the flags ask for it, where it is appended, and how much of it to do at once. */
export interface RunOptions {
  request: RunRequest;
  collection?: { url: string; cycles?: number[] };
  concurrency: number;
}

/** Validates the options of a run; every fault names its flag. */
export function parseRunOptions(values: OptionValues): RunOptions {
  const text = (name: string) => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const reference = text("reference-date");
  return {
    request: {
      run: { date: parseDate(text("date"), "--date"), cycle: parseCycle(text("cycle"), "--cycle") },
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
    },
    ...collectionOption(text("collection"), text("collection-cycles")),
    concurrency: positiveInt(text("concurrency") ?? "16", "--concurrency"),
  };
}

function collectionOption(
  url: string | undefined,
  cycles: string | undefined,
): Pick<RunOptions, "collection"> {
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
