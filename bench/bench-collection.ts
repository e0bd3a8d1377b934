/**
 * Benchmark 6: appending a run to a forecast collection (`gik run --layout ensemble --collection`),
 * once to a collection holding one run and once to one holding 29, the same target run both times:
 * the time, and the objects and bytes the append wrote into the collection, which must not grow
 * with the runs already there.
 *
 * The 28 runs before the reference run are copies of it at earlier dates with two members (the
 * control and ens01; `test/fixtures/clone_run.py`): every field, step and grid of a real run, so
 * the collection's arrays are the full run's, at a small part of the cost of generating them. Their
 * other 49 members read as NaN, as a member that failed does.
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_MEMBERS } from "../job-image/src/api/members.js";
import { ensureRunCopies } from "../test/helpers/mirror.js";
import { gikRunArgs } from "./bench-member.js";
import { OUTPUT_BUCKET, uploadRuns } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import { under } from "./traffic.js";

/** Runs the large collection holds once the target is appended. */
export const COLLECTION_RUNS = 30;
/** Members of each copied run: the control and ens01. */
export const COPY_MEMBERS = 2;

export interface AppendResult {
  /** Runs in the collection before this append. */
  before: number;
  measured: Measured;
  puts: number;
  bytesWritten: number;
  /** gik's line for the append: `collection appended slot 29 of 30 …`. */
  line: string;
}

export interface CollectionResult {
  copies: { runs: number; members: number; bytes: number };
  small: AppendResult;
  large: AppendResult;
  /** `gik collection info` of the large collection, first line. */
  info: string;
}

export async function benchCollection(ctx: BenchContext): Promise<CollectionResult> {
  const dates = datesBefore(ctx.reference, COLLECTION_RUNS - 2);
  ctx.log(
    `collection: ${dates.length} copies of ${ctx.reference} (${dates[0]}…${dates.at(-1)}), ${COPY_MEMBERS} members`,
  );
  const root = await ensureRunCopies(ctx.mirror.root, {
    from: ctx.reference,
    to: dates,
    members: COPY_MEMBERS,
  });
  const bytes = await uploadRuns(ctx.client, root, dates);
  // The copies' appends are not measured: a template cache spares them the template reads.
  const cache = await mkdtemp(join(tmpdir(), "gik-bench-collection-"));
  try {
    const append = (collection: string, date: string, members: string) =>
      ctx.gik(
        gikRunArgs(ctx, members, `s3://${OUTPUT_BUCKET}/${collection}-stores`, {
          date,
          cache,
          extra: ["--layout", "ensemble", "--collection", `s3://${OUTPUT_BUCKET}/${collection}`],
        }),
      );
    const measuredAppend = async (collection: string, before: number): Promise<AppendResult> => {
      ctx.forgetTraffic();
      const measured = await append(collection, ctx.target, "all");
      const written = under(ctx.traffic(), `${collection}/`);
      return {
        before,
        measured,
        puts: written.puts,
        bytesWritten: written.bytesWritten,
        line: appended(measured),
      };
    };

    ctx.log(`collection of 1 run: ${ctx.reference}, then ${ctx.target} measured`);
    appended(await append("collection-2", ctx.reference, "all"));
    const small = await measuredAppend("collection-2", 1);

    ctx.log(
      `collection of ${COLLECTION_RUNS - 1} runs: the copies and ${ctx.reference}, then ${ctx.target} measured`,
    );
    const copied = ALL_MEMBERS.slice(0, COPY_MEMBERS).join(",");
    for (const date of dates) appended(await append("collection-30", date, copied));
    appended(await append("collection-30", ctx.reference, "all"));
    const large = await measuredAppend("collection-30", COLLECTION_RUNS - 1);

    const info = (await ctx.gik(["collection", "info", `s3://${OUTPUT_BUCKET}/collection-30`])).stdout;
    ctx.forgetTraffic();
    const runs = /^\S+: (\d+) runs/m.exec(info);
    if (Number(runs?.[1]) !== COLLECTION_RUNS)
      throw new Error(`gik collection info: expected ${COLLECTION_RUNS} runs:\n${info}`);
    return {
      copies: { runs: dates.length, members: COPY_MEMBERS, bytes },
      small,
      large,
      info: info.split("\n")[0]!,
    };
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

/** gik's collection line of a run that appended; fails on any other outcome. */
function appended(m: Measured): string {
  const line = /^collection appended .*$/m.exec(m.stdout);
  if (!line) throw new Error(`${m.command}: the run was not appended:\n${m.stdout}`);
  return line[0];
}

/** The `n` dates before `date` (`YYYYMMDD`), oldest first. Pure. */
export function datesBefore(date: string, n: number): string[] {
  const day = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6)));
  return Array.from({ length: n }, (_, i) =>
    new Date(day - (n - i) * 86_400_000).toISOString().slice(0, 10).replaceAll("-", ""),
  );
}
