/**
 * Benchmark 1: templates of a reference run, 51 members × 85 steps. gik builds all of them;
 * kerchunk's build_idx_grib_mapping (the original Stage 0) is timed on a sample of messages and
 * extrapolated to every message of the run, since it scans whole GRIB files.
 *
 * @module
 */

import { listObjects, OUTPUT_BUCKET, SOURCE_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import type { TrafficSummary } from "./traffic.js";

export const TEMPLATES_PREFIX = "templates";
/** Steps whose first messages kerchunk maps: an early, a middle and the last step (different fields and step types). */
export const KERCHUNK_SAMPLE = { steps: [0, 141, 360], messagesPerStep: 40 };

export interface KerchunkSample {
  steps: number[];
  messages: number;
  matched: number;
  indexLines: number;
  indexes: number;
  seconds: Record<"index" | "scan_grib" | "extract" | "merge", number>;
}

export interface TemplatesResult {
  gik: { measured: Measured; traffic: TrafficSummary; templates: number };
  kerchunk: {
    sample: KerchunkSample;
    measured: Measured;
    traffic: TrafficSummary;
    /** Messages and index files of the whole reference run. */
    run: { messages: number; indexes: number };
    extrapolatedSeconds: number;
  };
}

/** The command line of gik's run, for the profile rerun. */
export function gikTemplatesArgs(ctx: BenchContext, store: string): string[] {
  return [
    "templates",
    "build",
    "--date",
    ctx.reference,
    "--source",
    `s3://${SOURCE_BUCKET}`,
    "--store",
    store,
  ];
}

export async function benchTemplates(ctx: BenchContext, kerchunkPython: string): Promise<TemplatesResult> {
  const members = ctx.mirror.manifest.members;
  ctx.log(`templates: gik templates build, ${members} members × ${ctx.steps.length} steps`);
  ctx.forgetTraffic();
  const measured = await ctx.gik(gikTemplatesArgs(ctx, `s3://${OUTPUT_BUCKET}/${TEMPLATES_PREFIX}`));
  const traffic = ctx.traffic();
  const said = `templated ${members} members × ${ctx.steps.length} steps`;
  if (!measured.stdout.includes(said))
    throw new Error(`gik templates build did not say "${said}":\n${measured.stdout}`);
  const objects = await listObjects(ctx.client, OUTPUT_BUCKET, `${TEMPLATES_PREFIX}/ecmwf/`);
  const templates = objects.filter((o) => o.key.endsWith(".parquet")).length;
  if (templates !== members * ctx.steps.length) {
    throw new Error(
      `gik templates build wrote ${templates} templates, expected ${members * ctx.steps.length}`,
    );
  }

  ctx.log(
    `templates: kerchunk build_idx_grib_mapping on ${KERCHUNK_SAMPLE.messagesPerStep} messages of steps ${KERCHUNK_SAMPLE.steps.join(", ")}`,
  );
  const peer = await ctx.python<KerchunkSample>(kerchunkPython, "kerchunk_templates.py", [
    "--root",
    `s3://${SOURCE_BUCKET}`,
    "--date",
    ctx.reference,
    "--steps",
    KERCHUNK_SAMPLE.steps.join(","),
    "--messages",
    String(KERCHUNK_SAMPLE.messagesPerStep),
  ]);
  const sample = peer.result;
  if (sample.messages === 0 || sample.matched !== sample.messages) {
    throw new Error(
      `kerchunk mapped ${sample.matched} of ${sample.messages} sampled messages onto their index lines`,
    );
  }
  const files = ctx.mirror.manifest.files.filter((f) => f.date === ctx.reference);
  const run = { messages: files.reduce((n, f) => n + f.messages, 0), indexes: files.length };
  return {
    gik: { measured, traffic, templates },
    kerchunk: {
      sample,
      measured: peer.measured,
      traffic: ctx.traffic(),
      run,
      extrapolatedSeconds: extrapolate(sample, run),
    },
  };
}

/** Seconds for the whole run: the sample's cost per message and per index file, times the run's. */
export function extrapolate(sample: KerchunkSample, run: { messages: number; indexes: number }): number {
  const { index, scan_grib, extract, merge } = sample.seconds;
  const perMessage = (scan_grib + extract + merge) / sample.messages;
  const perIndex = index / sample.indexes;
  return perMessage * run.messages + perIndex * run.indexes;
}
