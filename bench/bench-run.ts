/**
 * Benchmark 3: a whole run, every member, templates ready: wall and CPU time, peak memory of the
 * process tree, requests and bytes read against the minimum (each index file of the run once).
 * The stores are then counted and one of them is checked by `gik verify`.
 *
 * @module
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import { gikRunArgs } from "./bench-member.js";
import { listObjects, OUTPUT_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import { type StoreObjects, storeObjects } from "./store-objects.js";
import type { TrafficSummary } from "./traffic.js";

export const RUN_PREFIX = "stores";
/**
 * The V8 heap the run is measured with a second time. Node sizes its heap from the memory it sees
 * (the machine's, or a container's cgroup limit), and on a large machine lets garbage pile up far
 * beyond what the run keeps alive; a ceiling shows what the run needs, as a pod with a memory
 * limit would run it.
 */
export const BOUNDED_HEAP_MIB = 256;
export const VERIFIED_MEMBER = "ens25";

export interface RunResult {
  measured: Measured;
  /** The same run under a V8 heap of {@link BOUNDED_HEAP_MIB}. */
  bounded: Measured;
  /** The same run writing kerchunk JSON (`--format json`), one object per store, and its requests. */
  json: { measured: Measured; requests: number };
  traffic: TrafficSummary;
  /** The index files of the run: how many, and their bytes (the least any method reads). */
  minimum: { indexes: number; bytes: number };
  stores: number;
  verify: string;
  /** The objects of one member store, by kind. */
  objects: StoreObjects;
}

export async function benchRun(ctx: BenchContext): Promise<RunResult> {
  const members = ctx.mirror.manifest.members;
  ctx.log(`whole run: gik run --members all (${members} members)`);
  ctx.forgetTraffic();
  const measured = await ctx.gik(gikRunArgs(ctx, "all", `s3://${OUTPUT_BUCKET}/${RUN_PREFIX}`));
  const traffic = ctx.traffic();
  expectWritten(measured, members);
  const objects = await listObjects(ctx.client, OUTPUT_BUCKET, `${RUN_PREFIX}/${ctx.target}/`);
  const stores = objects.filter((o) => o.key.endsWith(".parquet/.zmetadata")).length;
  if (stores !== members)
    throw new Error(`${stores} stores under ${RUN_PREFIX}/${ctx.target}/, expected ${members}`);

  ctx.log(`whole run again, V8 heap limited to ${BOUNDED_HEAP_MIB} MiB`);
  const bounded = await ctx.gik(gikRunArgs(ctx, "all", `s3://${OUTPUT_BUCKET}/${RUN_PREFIX}-bounded`), [
    `--max-old-space-size=${BOUNDED_HEAP_MIB}`,
  ]);
  expectWritten(bounded, members);

  ctx.log("whole run again, writing kerchunk JSON (--format json)");
  ctx.forgetTraffic();
  const json = await ctx.gik(
    gikRunArgs(ctx, "all", `s3://${OUTPUT_BUCKET}/${RUN_PREFIX}-json`, { extra: ["--format", "json"] }),
  );
  const jsonRequests = ctx.traffic().requests;
  expectWritten(json, members);

  const store = `s3://${OUTPUT_BUCKET}/${RUN_PREFIX}/${ctx.target}/00z/${VERIFIED_MEMBER}.parquet`;
  const verified = await ctx.gik(["verify", store]);
  ctx.forgetTraffic();
  if (!verified.stdout.includes("no faults")) throw new Error(`gik verify ${store}:\n${verified.stdout}`);

  const indexes = ctx.mirror.manifest.files
    .filter((f) => f.date === ctx.target)
    .map((f) => statSync(join(ctx.mirror.root, f.path.replace(/\.grib2$/, ".index"))).size);
  return {
    measured,
    bounded,
    json: { measured: json, requests: jsonRequests },
    traffic,
    minimum: { indexes: indexes.length, bytes: indexes.reduce((a, b) => a + b, 0) },
    stores,
    verify: verified.stdout.trim(),
    objects: await storeObjects(ctx, store),
  };
}

/** Fails unless gik's summary reports `members` stores written. */
function expectWritten(measured: Measured, members: number): void {
  const written = measured.stdout.split("\n").filter((l) => /^\S+\s+written\s/.test(l)).length;
  if (written !== members)
    throw new Error(`gik run wrote ${written} stores, expected ${members}:\n${measured.stdout}`);
}
