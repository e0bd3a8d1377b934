/**
 * Generated ECMWF mirrors for tests and benchmarks: `test/fixtures/make_mirror.py` run once per
 * (generator, spec) into `~/.cache/gik-test/mirrors/<hash>` (or under `GIK_TEST_CACHE`).
 *
 * Invariants:
 * - A mirror directory exists only once complete: it is generated under the cache's `tmp/` and
 *   renamed into place, so a crash leaves no half mirror where a test looks.
 * - The hash covers the generator, the real index it takes its field catalog from, and the spec with
 *   its defaults filled in: editing the generator makes new mirrors, never stale ones.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { cachePaths } from "../infra/cache-paths.js";
import { pythonPath } from "./python.js";

const GENERATOR = fileURLToPath(new URL("../fixtures/make_mirror.py", import.meta.url));
const CLONER = fileURLToPath(new URL("../fixtures/clone_run.py", import.meta.url));
const CATALOG = fileURLToPath(
  new URL("../fixtures/real/ecmwf/20261001000000-24h-oper-fc.index", import.meta.url),
);

/**
 * The groups (`<var>/<stepType>/<typeOfLevel>`) of a store of the `mini` fields, each with its
 * levels (none for a single-level field), as the Python dataset checks take them.
 */
export const MINI_GROUPS: Readonly<Record<string, readonly number[]>> = {
  "t2m/instant/heightAboveGround": [],
  "tp/accum/surface": [],
  "msl/instant/meanSea": [],
  "mx2t3/max/heightAboveGround": [],
  "t/instant/isobaricInhPa": [500, 850],
  "vsw/instant/soilLayer": [1, 2],
};

/** What to generate; every field has the generator's default. */
export interface MirrorSpec {
  /** Run dates, `YYYYMMDD`; before 20240229 they use the `0p4-beta` path and 0.4° grid. */
  dates: string[];
  cycle?: 0 | 6 | 12 | 18;
  /** Control plus `members - 1` perturbed members (default 51). */
  members?: number;
  /** `mini` (the default), `all` (the default with `fullSize`), or `NAME[@L1/L2],…` of the real index. */
  fields?: string;
  /** `[latNorth, lonWest, nLat, nLon]` on the run's grid (default a 4×6 box at 1° N, 36° E). */
  box?: [number, number, number, number];
  /** The steps to write (default: all of the run's 85 or 49). */
  steps?: number[];
  seed?: number;
  /** `auto` (default): the control moves to `oper-fc` from 20260512 (IFS 50r1). */
  era?: "auto" | "pre50r1" | "post50r1";
  /** Every field of a real step on the whole global grid, constant values (0 bits per value). */
  fullSize?: boolean;
}

/** One step file written, as the manifest lists it. */
export interface MirrorFile {
  date: string;
  step: number;
  file: "enfo-ef" | "oper-fc";
  /** GRIB file path relative to the mirror root; its index is beside it (`.index`). */
  path: string;
  messages: number;
  bytes: number;
}

/** The generator's manifest: what was generated, for tests to check stores against. */
export interface MirrorManifest {
  generator: string;
  eccodes: string;
  seed: number;
  dates: string[];
  cycle: number;
  members: number;
  eras: Record<string, "pre50r1" | "post50r1">;
  fullSize: boolean;
  /** By parameter: MARS levtype, what ecCodes decodes (typeOfLevel, stepType) and the levels. */
  fields: Record<string, { levtype: string; typeOfLevel: string; stepType: string; levels: number[] }>;
  /** By date: the grid box. */
  box: Record<
    string,
    { lat_north: number; lon_west: number; nlat: number; nlon: number; resolution: number }
  >;
  steps: number[];
  files: MirrorFile[];
}

/**
 * The root of a mirror generated for `spec`, generating it unless the cache has it.
 *
 * @example
 * const root = await ensureMirror({ dates: ["20240529", "20250101"] });
 * // root/20250101/00z/ifs/0p25/enfo/20250101000000-24h-enfo-ef.{grib2,index}
 */
export async function ensureMirror(spec: MirrorSpec): Promise<string> {
  const args = generatorArgs(spec);
  const hash = createHash("sha256")
    .update(await readFile(GENERATOR))
    .update(await readFile(CATALOG))
    .update(JSON.stringify(args))
    .digest("hex")
    .slice(0, 16);
  return cachedMirror(hash, (out) => [GENERATOR, "--out", out, ...args]);
}

/**
 * The root of copies of run `from` of the mirror at `root` at each of `to`, with members
 * `0 … members - 1` only (`test/fixtures/clone_run.py`: patched dates, not generated runs), made
 * unless the cache has them. Its manifest lists the copies.
 */
export async function ensureRunCopies(
  root: string,
  copy: { from: string; to: readonly string[]; members: number },
): Promise<string> {
  const args = [
    "--from",
    copy.from,
    ...copy.to.flatMap((d) => ["--to", d]),
    "--members",
    String(copy.members),
  ];
  const hash = createHash("sha256")
    .update(await readFile(CLONER))
    .update(root)
    .update(JSON.stringify(args))
    .digest("hex")
    .slice(0, 16);
  return cachedMirror(`copies-${hash}`, (out) => [CLONER, "--mirror", root, "--out", out, ...args]);
}

/** `mirrors/<name>` of the cache, written by the Python script `argv(dir)` names unless it exists. */
async function cachedMirror(name: string, argv: (out: string) => string[]): Promise<string> {
  const paths = cachePaths();
  const root = join(paths.root, "mirrors", name);
  if (existsSync(root)) return root;
  const building = join(paths.tmp, `mirror-${name}-${process.pid}-${Date.now()}`);
  await mkdir(paths.tmp, { recursive: true });
  await mkdir(join(paths.root, "mirrors"), { recursive: true });
  try {
    await promisify(execFile)(pythonPath(), argv(building), {
      maxBuffer: 16 << 20,
      env: { ...process.env, PYTHONHASHSEED: "0" },
    });
    await rename(building, root);
  } catch (err) {
    // Another process may have published the same mirror first: theirs is as good as ours.
    if (!existsSync(root)) throw err;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return root;
}

/** The manifest of the mirror at `root` (one generator run per mirror, so one manifest). */
export async function readMirrorManifest(root: string): Promise<MirrorManifest> {
  const names = (await readdir(root)).filter((n) => n.startsWith("manifest-") && n.endsWith(".json"));
  if (names.length !== 1) throw new Error(`${root}: expected one manifest-*.json, found ${names.length}`);
  return JSON.parse(await readFile(join(root, names[0]!), "utf8")) as MirrorManifest;
}

/** The generator's command-line arguments for `spec`, defaults made explicit (they are part of the hash). */
export function generatorArgs(spec: MirrorSpec): string[] {
  if (spec.dates.length === 0) throw new Error("a mirror needs at least one date");
  const args = spec.dates.flatMap((d) => ["--date", d]);
  args.push("--cycle", String(spec.cycle ?? 0), "--members", String(spec.members ?? 51));
  args.push(
    "--fields",
    spec.fields ?? (spec.fullSize ? "all" : "mini"),
    "--seed",
    String(spec.seed ?? 1),
    "--era",
    spec.era ?? "auto",
  );
  args.push("--steps", spec.steps ? spec.steps.join(",") : "ens");
  if (spec.box) args.push("--box", spec.box.join(","));
  if (spec.fullSize) args.push("--full-size");
  return args;
}
