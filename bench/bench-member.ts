/**
 * Benchmark 2: one member, 85 steps, templates ready. gik (`gik run --members ens01`, a store
 * written) against kerchunk's map_from_index path and VirtualiZarr's GRIB parser reading index
 * files (both without writing a store: see the peer scripts).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { nodeOptions, parseQuantity } from "../test/infra/pod-launch.js";
import { TEMPLATES_PREFIX } from "./bench-templates.js";
import { OUTPUT_BUCKET, SOURCE_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import { bytes } from "./format.js";
import type { Measured } from "./measure-process.js";
import type { TrafficSummary } from "./traffic.js";
import type { VirtualizarrEnv } from "./virtualizarr-env.js";

export const MEMBER = { name: "ens01", number: 1 };
/** gik's one-member run is short: the median of this many runs is reported. */
export const MEMBER_RUNS = 3;
/** Fields gribberish 1.9.0 cannot place (ECMWF's soil layers), dropped from its run. */
export const VIRTUALIZARR_DROP = ["tsoil", "vsw"];

/** gik's runs of one member: each measured, the median, and the first run's traffic. */
export interface GikMemberRuns {
  runs: Measured[];
  median: Measured;
  traffic: TrafficSummary;
  refs: number;
}

export interface MemberResult {
  gik: GikMemberRuns;
  /** The same runs writing kerchunk JSON (`--format json`): one object per store. */
  json: GikMemberRuns;
  kerchunk: {
    measured: Measured;
    traffic: TrafficSummary;
    rows: number;
    seconds: Record<"index" | "templates" | "map_from_index", number>;
  };
  virtualizarr:
    | { measured: Measured; traffic: TrafficSummary; seconds: number; variables: number }
    | { missing: string };
}

/**
 * The command line of one gik run of `members` writing under `out`: of the target run unless
 * `options.date` names another; `options.cache` a template cache directory (default: none).
 */
export function gikRunArgs(
  ctx: BenchContext,
  members: string,
  out: string,
  options: { date?: string; cache?: string; extra?: string[] } = {},
): string[] {
  return [
    "run",
    "--date",
    options.date ?? ctx.target,
    "--members",
    members,
    "--reference-date",
    ctx.reference,
    "--source",
    `s3://${SOURCE_BUCKET}`,
    "--templates",
    `s3://${OUTPUT_BUCKET}/${TEMPLATES_PREFIX}`,
    "--out",
    out,
    // The machine's template cache would make a bench run depend on the runs before it.
    "--cache",
    options.cache ?? "none",
    ...(options.extra ?? []),
  ];
}

export async function benchMember(
  ctx: BenchContext,
  peersPython: string,
  virtualizarr: VirtualizarrEnv,
): Promise<MemberResult> {
  const gik = await memberRuns(ctx, "parquet");
  const json = await memberRuns(ctx, "json");

  ctx.log("one member: kerchunk map_from_index path");
  ctx.forgetTraffic();
  const kerchunk = await ctx.python<{
    rows: number;
    indexRows: number;
    seconds: MemberResult["kerchunk"]["seconds"];
  }>(peersPython, "kerchunk_member.py", [
    "--root",
    `s3://${SOURCE_BUCKET}`,
    "--templates",
    `s3://${OUTPUT_BUCKET}/${TEMPLATES_PREFIX}`,
    "--date",
    ctx.target,
    "--reference",
    ctx.reference,
    "--member",
    MEMBER.name,
    "--steps",
    ctx.steps.join(","),
  ]);
  const k = kerchunk.result;
  if (k.rows === 0 || k.rows !== k.indexRows) {
    throw new Error(`kerchunk map_from_index mapped ${k.rows} of the member's ${k.indexRows} index rows`);
  }
  const kerchunkTraffic = ctx.traffic();

  return {
    gik,
    json,
    kerchunk: { measured: kerchunk.measured, traffic: kerchunkTraffic, rows: k.rows, seconds: k.seconds },
    virtualizarr: await benchVirtualizarr(ctx, virtualizarr),
  };
}

/** {@link MEMBER_RUNS} runs of `gik run --members ens01` writing `format`. */
async function memberRuns(ctx: BenchContext, format: "parquet" | "json"): Promise<GikMemberRuns> {
  ctx.log(`one member: gik run --members ${MEMBER.name} --format ${format}, ${MEMBER_RUNS} runs`);
  const runs: Measured[] = [];
  let traffic: TrafficSummary | undefined;
  let refs = 0;
  for (let i = 0; i < MEMBER_RUNS; i++) {
    ctx.forgetTraffic();
    const out = `s3://${OUTPUT_BUCKET}/member-${format}-${i}`;
    const m = await ctx.gik(gikRunArgs(ctx, MEMBER.name, out, { extra: ["--format", format] }));
    traffic ??= ctx.traffic();
    const written = new RegExp(`^${MEMBER.name}\\s+written\\s+(\\d+) refs`, "m").exec(m.stdout);
    if (!written) throw new Error(`gik run --members ${MEMBER.name} wrote no store:\n${m.stdout}`);
    refs = Number(written[1]);
    runs.push(m);
  }
  const median = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
  return { runs, median, traffic: traffic!, refs };
}

export interface PodMemoryResult {
  /** The chart's default memory limit of a Job pod (`jobs.resources.limits.memory`). */
  limitBytes: number;
  /** The V8 heap the test pod runner gives a pod of that limit. */
  heapMib: number;
  measured: Measured;
}

/** The chart's default memory limit of a Job pod, and the Node option the test pod runner gives such a pod. */
export function chartPodLimit(ctx: BenchContext): { limitBytes: number; option: string; heapMib: number } {
  const values = parse(readFileSync(join(ctx.repo, "helm", "gik-operator", "values.yaml"), "utf8")) as {
    jobs: { resources: { limits: { memory: string } } };
  };
  const limitBytes = parseQuantity(values.jobs.resources.limits.memory);
  const option = nodeOptions(undefined, limitBytes);
  return { limitBytes, option, heapMib: Number(/=(\d+)/.exec(option)?.[1]) };
}

/**
 * One member's work (what `gik job` does for one completion index) under the memory bound a Job
 * pod with the chart's default limit gets from the test pod runner (`test/infra/pod-launch.ts`).
 */
export async function benchPodMemory(ctx: BenchContext): Promise<PodMemoryResult> {
  const { limitBytes, option, heapMib } = chartPodLimit(ctx);
  ctx.log(`one member pod: gik run --members ${MEMBER.name} under ${option} (limit ${bytes(limitBytes)})`);
  const measured = await ctx.gik(gikRunArgs(ctx, MEMBER.name, `s3://${OUTPUT_BUCKET}/pod-member`), [option]);
  ctx.forgetTraffic();
  return { limitBytes, heapMib, measured };
}

async function benchVirtualizarr(
  ctx: BenchContext,
  env: VirtualizarrEnv,
): Promise<MemberResult["virtualizarr"]> {
  if ("missing" in env) return env;
  ctx.log("one member: VirtualiZarr GribberishParser(use_index='.index')");
  ctx.forgetTraffic();
  const peer = await ctx.python<{ steps: number; variables: number; seconds: number }>(
    env.python,
    "virtualizarr_member.py",
    [
      "--bucket",
      SOURCE_BUCKET,
      "--date",
      ctx.target,
      "--member",
      String(MEMBER.number),
      "--steps",
      ctx.steps.join(","),
      "--drop",
      VIRTUALIZARR_DROP.join(","),
    ],
  );
  if (peer.result.steps !== ctx.steps.length || peer.result.variables === 0) {
    throw new Error(`VirtualiZarr read ${peer.result.steps} steps, ${peer.result.variables} variables`);
  }
  return {
    measured: peer.measured,
    traffic: ctx.traffic(),
    seconds: peer.result.seconds,
    variables: peer.result.variables,
  };
}
