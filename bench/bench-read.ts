/**
 * Benchmark 4: reading. A member's store and the ensemble store opened in xarray with the
 * README's snippets (`read_store.py`), in both reader environments (zarr-python 2 and 3), one
 * variable read at one step; requests counted by the proxy. Each store is opened in both of the
 * README's forms: the field's group alone (`xr.open_dataset("reference://", engine="zarr",
 * group=…)`, for reading a field) and the whole tree (`xr.open_datatree`, for browsing). The same
 * member's store written as kerchunk JSON (`gik run --format json`) is opened as a tree: one
 * object where the reference-parquet layout has one per array. For the member stores, the GRIB
 * bytes fetched are compared with the length of that message in the run's index.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gikRunArgs, MEMBER } from "./bench-member.js";
import { RUN_PREFIX } from "./bench-run.js";
import { OUTPUT_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import type { TrafficSummary } from "./traffic.js";

/** Where the JSON member store is written for reading. */
const JSON_PREFIX = "json-stores";

export const READ = { group: "t2m/instant/heightAboveGround", variable: "t2m", param: "2t", step: 24 };
const GRID = [721, 1440];

export type ReaderEnv = "zarr-python 2" | "zarr-python 3";
export type StoreKind = "member" | "member (JSON)" | "ensemble";
/** The README's two ways to open a store: one field's group, or every group as a tree. */
export type OpenForm = "field" | "tree";

/** The forms each store is opened in: a JSON store is one object read whole either way. */
const FORMS: Record<StoreKind, OpenForm[]> = {
  member: ["field", "tree"],
  "member (JSON)": ["tree"],
  ensemble: ["field", "tree"],
};

export interface OpenResult {
  env: ReaderEnv;
  store: StoreKind;
  form: OpenForm;
  url: string;
  /** Members the store holds: what one read of the field returns along `number`. */
  members: number;
  measured: Measured;
  traffic: TrafficSummary;
  openSeconds: number;
  readSeconds: number;
}

/** `member, the field's group, zarr-python 2`: which store, opened how, by which reader. */
export function openLabel(o: Pick<OpenResult, "store" | "form" | "env">): string {
  return `${o.store}, ${o.form === "field" ? "the field's group" : "as a tree"}, ${o.env}`;
}

export interface ReadResult {
  opens: OpenResult[];
  /** Length of the member's message read, from the run's index. */
  messageLength: number;
}

export async function benchRead(
  ctx: BenchContext,
  pythons: Record<ReaderEnv, string>,
  ensembleUrl: string,
): Promise<ReadResult> {
  const stores: Record<StoreKind, { url: string; members: number }> = {
    member: {
      url: `s3://${OUTPUT_BUCKET}/${RUN_PREFIX}/${ctx.target}/00z/${MEMBER.name}.parquet`,
      members: 1,
    },
    "member (JSON)": { url: await writeJsonMemberStore(ctx), members: 1 },
    ensemble: { url: ensembleUrl, members: ctx.mirror.manifest.members },
  };
  const opens: OpenResult[] = [];
  for (const env of Object.keys(pythons) as ReaderEnv[]) {
    for (const store of Object.keys(stores) as StoreKind[]) {
      const { url, members } = stores[store];
      for (const form of FORMS[store]) {
        ctx.log(`reading (${env}, ${form}): ${READ.group}/${READ.variable} at ${READ.step}h from ${url}`);
        ctx.forgetTraffic();
        const peer = await readStore(ctx, pythons[env], { url, members, form });
        opens.push({
          env,
          store,
          form,
          url,
          members,
          measured: peer.measured,
          traffic: ctx.traffic(),
          openSeconds: peer.result.openSeconds,
          readSeconds: peer.result.readSeconds,
        });
      }
    }
  }
  return { opens, messageLength: messageLength(ctx) };
}

/** The member's store as kerchunk JSON, written for reading (not a timed benchmark). */
async function writeJsonMemberStore(ctx: BenchContext): Promise<string> {
  const url = `s3://${OUTPUT_BUCKET}/${JSON_PREFIX}/${ctx.target}/00z/${MEMBER.name}.json`;
  ctx.log(`reading: ${MEMBER.name}'s store written as kerchunk JSON (gik run --format json)`);
  const run = await ctx.gik(
    gikRunArgs(ctx, MEMBER.name, `s3://${OUTPUT_BUCKET}/${JSON_PREFIX}`, { extra: ["--format", "json"] }),
  );
  if (!run.stdout.includes(url)) throw new Error(`gik run --format json wrote no ${url}:\n${run.stdout}`);
  return url;
}

export interface OpenProfile {
  env: ReaderEnv;
  store: StoreKind;
  form: OpenForm;
  openSeconds: number;
  requests: number;
  /** Functions with the most self time under cProfile (the main thread only). */
  functions: { label: string; selfSeconds: number; calls: number }[];
}

/** The open of `slowest` again, under cProfile. */
export async function profileOpen(
  ctx: BenchContext,
  pythons: Record<ReaderEnv, string>,
  slowest: OpenResult,
): Promise<OpenProfile> {
  ctx.log(`profile: xarray open, ${openLabel(slowest)}, under cProfile`);
  ctx.forgetTraffic();
  const peer = await readStore(ctx, pythons[slowest.env], slowest, true);
  return {
    env: slowest.env,
    store: slowest.store,
    form: slowest.form,
    openSeconds: peer.result.openSeconds,
    requests: ctx.traffic().requests,
    functions: peer.result.profile ?? [],
  };
}

/** `read_store.py` on `url` in `form`; fails unless it read `members` × the grid of finite values. */
async function readStore(
  ctx: BenchContext,
  python: string,
  { url, members, form }: Pick<OpenResult, "url" | "members" | "form">,
  profile = false,
) {
  const peer = await ctx.python<{
    shape: number[];
    mean: number;
    openSeconds: number;
    readSeconds: number;
    profile?: OpenProfile["functions"];
  }>(python, "read_store.py", [
    "--store",
    url,
    "--group",
    READ.group,
    "--var",
    READ.variable,
    "--step",
    `${READ.step}h`,
    "--form",
    form,
    ...(profile ? ["--profile"] : []),
  ]);
  const { shape, mean } = peer.result;
  const values = shape.reduce((a, b) => a * b, 1);
  if (shape.slice(-2).join("x") !== GRID.join("x") || values !== members * GRID[0]! * GRID[1]!) {
    throw new Error(
      `${python} read ${shape.join("x")} values from ${url}, expected ${members} × ${GRID.join("x")}`,
    );
  }
  if (!Number.isFinite(mean)) throw new Error(`${python} read no finite value from ${url}`);
  return peer;
}

/** The length of the member's message of `READ.param` at `READ.step`, from the local copy of the index. */
function messageLength(ctx: BenchContext): number {
  const file = ctx.mirror.manifest.files.find(
    (f) => f.date === ctx.target && f.step === READ.step && f.file === "enfo-ef",
  );
  if (!file) throw new Error(`no enfo-ef file of ${ctx.target} at step ${READ.step} in the mirror`);
  const text = readFileSync(join(ctx.mirror.root, file.path.replace(/\.grib2$/, ".index")), "utf8");
  for (const line of text.split("\n")) {
    if (!line) continue;
    const entry = JSON.parse(line) as Record<string, string | number>;
    if (entry.param === READ.param && entry.number === String(MEMBER.number)) return Number(entry._length);
  }
  throw new Error(`no ${READ.param} line of member ${MEMBER.number} in ${file.path}`);
}
