/**
 * Benchmark 4: reading. One member's store opened in xarray as DESIGN.md shows (reader
 * environment: zarr-python 2, consolidated=False), one variable read at one step; the GRIB bytes
 * fetched are compared with the length of that message in the run's index.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MEMBER } from "./bench-member.js";
import { RUN_PREFIX } from "./bench-run.js";
import { OUTPUT_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import type { TrafficSummary } from "./traffic.js";

export const READ = { group: "t2m/instant/heightAboveGround", variable: "t2m", param: "2t", step: 24 };

export interface ReadResult {
  measured: Measured;
  traffic: TrafficSummary;
  /** Length of the message read, from the run's index. */
  messageLength: number;
  openSeconds: number;
  readSeconds: number;
}

export async function benchRead(ctx: BenchContext, readerPython: string): Promise<ReadResult> {
  const store = `s3://${OUTPUT_BUCKET}/${RUN_PREFIX}/${ctx.target}/00z/${MEMBER.name}.parquet`;
  ctx.log(`reading: ${READ.group}/${READ.variable} at ${READ.step}h from ${store}`);
  ctx.forgetTraffic();
  const peer = await ctx.python<{ shape: number[]; mean: number; openSeconds: number; readSeconds: number }>(
    readerPython,
    "read_store.py",
    ["--store", store, "--group", READ.group, "--var", READ.variable, "--step", `${READ.step}h`],
  );
  const traffic = ctx.traffic();
  const { shape, mean } = peer.result;
  if (shape.join("x") !== "1x721x1440" || !Number.isFinite(mean)) {
    throw new Error(`read ${shape.join("x")} values with mean ${mean}, expected 1x721x1440 finite values`);
  }
  return {
    measured: peer.measured,
    traffic,
    messageLength: messageLength(ctx),
    openSeconds: peer.result.openSeconds,
    readSeconds: peer.result.readSeconds,
  };
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
