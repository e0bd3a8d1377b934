/**
 * Benchmark 7: the template cache. The same one-member run twice against the remote templates
 * with one cache directory: the first fills it, the second must read no template object (GETs
 * under the templates store, counted by the proxy).
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gikRunArgs, MEMBER } from "./bench-member.js";
import { TEMPLATES_PREFIX } from "./bench-templates.js";
import { OUTPUT_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import { under } from "./traffic.js";

export interface CachedRun {
  measured: Measured;
  /** GETs of template objects and their bytes; HEADs (the manifest's ETag checked). */
  gets: number;
  heads: number;
  bytesRead: number;
}

export interface TemplateCacheResult {
  first: CachedRun;
  second: CachedRun;
}

export async function benchTemplateCache(ctx: BenchContext): Promise<TemplateCacheResult> {
  const cache = await mkdtemp(join(tmpdir(), "gik-bench-cache-"));
  try {
    const run = async (i: number): Promise<CachedRun> => {
      ctx.forgetTraffic();
      const measured = await ctx.gik(
        gikRunArgs(ctx, MEMBER.name, `s3://${OUTPUT_BUCKET}/cached-${i}`, { cache }),
      );
      const t = under(ctx.traffic(), `${TEMPLATES_PREFIX}/`);
      return { measured, gets: t.gets, heads: t.heads, bytesRead: t.bytesRead };
    };
    ctx.log(`template cache: gik run --members ${MEMBER.name} --cache DIR, twice`);
    const first = await run(0);
    const second = await run(1);
    if (first.gets === 0) throw new Error("the first run with an empty cache read no template object");
    return { first, second };
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}
