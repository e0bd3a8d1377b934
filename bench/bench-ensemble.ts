/**
 * Benchmark 5: the ensemble store of a whole run (`gik run --layout ensemble`: one store, every
 * member along `number`), templates ready; beside it VirtualiZarr, which must parse every step
 * file of both streams and concatenate the control with the perturbed members along `number`.
 *
 * @module
 */

import { gikRunArgs, VIRTUALIZARR_DROP } from "./bench-member.js";
import { OUTPUT_BUCKET, SOURCE_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import { type StoreObjects, storeObjects } from "./store-objects.js";
import { type TrafficSummary, under } from "./traffic.js";
import type { VirtualizarrEnv } from "./virtualizarr-env.js";

export const ENSEMBLE_PREFIX = "ensemble";

export interface EnsembleResult {
  measured: Measured;
  traffic: TrafficSummary;
  refs: number;
  written: { puts: number; bytesWritten: number };
  objects: StoreObjects;
  verify: string;
  virtualizarr:
    | { measured: Measured; traffic: TrafficSummary; seconds: number; members: number; variables: number }
    | { missing: string };
}

/** Where the ensemble store of the target run is. */
export function ensembleStoreUrl(ctx: BenchContext): string {
  return `s3://${OUTPUT_BUCKET}/${ENSEMBLE_PREFIX}/${ctx.target}/00z/ensemble.parquet`;
}

export async function benchEnsemble(
  ctx: BenchContext,
  virtualizarr: VirtualizarrEnv,
): Promise<EnsembleResult> {
  ctx.log("ensemble store: gik run --members all --layout ensemble");
  ctx.forgetTraffic();
  const measured = await ctx.gik(
    gikRunArgs(ctx, "all", `s3://${OUTPUT_BUCKET}/${ENSEMBLE_PREFIX}`, { extra: ["--layout", "ensemble"] }),
  );
  const traffic = ctx.traffic();
  const line = /^ensemble\s+written\s+(\d+) refs\s+(\S+)$/m.exec(measured.stdout);
  if (!line || line[2] !== ensembleStoreUrl(ctx))
    throw new Error(`gik run --layout ensemble wrote no ensemble store:\n${measured.stdout}`);
  const verified = await ctx.gik(["verify", ensembleStoreUrl(ctx)]);
  ctx.forgetTraffic();
  if (!verified.stdout.includes("no faults"))
    throw new Error(`gik verify ${ensembleStoreUrl(ctx)}:\n${verified.stdout}`);
  const written = under(traffic, `${ENSEMBLE_PREFIX}/`);
  return {
    measured,
    traffic,
    refs: Number(line[1]),
    written: { puts: written.puts, bytesWritten: written.bytesWritten },
    objects: await storeObjects(ctx, ensembleStoreUrl(ctx)),
    verify: verified.stdout.trim(),
    virtualizarr: await virtualizarrEnsemble(ctx, virtualizarr),
  };
}

async function virtualizarrEnsemble(
  ctx: BenchContext,
  env: VirtualizarrEnv,
): Promise<EnsembleResult["virtualizarr"]> {
  if ("missing" in env) return env;
  ctx.log("ensemble: VirtualiZarr, both streams parsed, concatenated along number");
  ctx.forgetTraffic();
  const peer = await ctx.python<{ steps: number; members: number; variables: number; seconds: number }>(
    env.python,
    "virtualizarr_ensemble.py",
    [
      "--bucket",
      SOURCE_BUCKET,
      "--date",
      ctx.target,
      "--steps",
      ctx.steps.join(","),
      "--drop",
      VIRTUALIZARR_DROP.join(","),
    ],
  );
  const r = peer.result;
  if (r.steps !== ctx.steps.length || r.members !== ctx.mirror.manifest.members || r.variables === 0) {
    throw new Error(
      `VirtualiZarr ensemble: ${r.steps} steps, ${r.members} members, ${r.variables} variables`,
    );
  }
  return { measured: peer.measured, traffic: ctx.traffic(), ...r };
}
