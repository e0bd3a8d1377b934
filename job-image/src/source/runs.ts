/**
 * Which runs a source holds, and how much of each: `gik runs list` and `gik run --date latest`.
 * One LIST of a run's ensemble folder (and, after IFS 50r1, of its `oper` folder, where the control
 * went) says which of its step files are published: an `.index` is written after its GRIB file, so
 * an index listed means its step is there.
 *
 * @module
 */
import { type RunId, stepsOf } from "../api/run-id.js";
import type { ReadableStore, Store } from "../storage/types.js";
import {
  FIRST_50R1_DATE,
  indexKeyOf,
  resolutionOf,
  type StepFileKind,
  stepFileKey,
  stepFolder,
} from "./layout.js";

export interface RunAvailability {
  run: RunId;
  /** Step files whose index is published (ensemble, plus the control's after 50r1). */
  published: number;
  total: number;
  complete: boolean;
  /** Folders listed to find out. */
  lists: number;
}

/** How much of `run` is published: one LIST, and a second for the control's files after 50r1. */
export async function runAvailability(
  source: ReadableStore & Pick<Store, "list">,
  run: RunId,
): Promise<RunAvailability> {
  const steps = stepsOf(run.cycle);
  const kinds: StepFileKind[] = run.date >= FIRST_50R1_DATE ? ["enfo-ef", "oper-fc"] : ["enfo-ef"];
  const resolution = resolutionOf(run.date);
  const total = steps.length * kinds.length;
  let published = 0;
  let lists = 0;
  for (const kind of kinds) {
    const keys = steps.map((s) => indexKeyOf(stepFileKey(run, s, kind, resolution)));
    const listed = new Set<string>();
    for await (const { key } of source.list(stepFolder(run, kind, resolution))) listed.add(key);
    lists += 1;
    const here = keys.filter((k) => listed.has(k)).length;
    published += here;
    // The control's files need no look while the ensemble's are incomplete.
    if (here < keys.length) break;
  }
  return { run, published, total, complete: published === total, lists };
}

/** The runs of `cycles` from `since` (a date) to `now`, newest first. */
export function runsBetween(since: string, now: Date, cycles: readonly number[]): RunId[] {
  const runs: RunId[] = [];
  const start = Date.UTC(Number(since.slice(0, 4)), Number(since.slice(4, 6)) - 1, Number(since.slice(6, 8)));
  for (
    let day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    day >= start;
    day -= 86_400_000
  ) {
    const date = new Date(day).toISOString().slice(0, 10).replaceAll("-", "");
    for (const cycle of [...cycles].sort((a, b) => b - a)) {
      if (day + cycle * 3_600_000 <= now.getTime()) runs.push({ date, cycle });
    }
  }
  return runs;
}

/**
 * The newest run of `cycles` whose every step file is published, looking back `days` days from
 * `now`; with the number of LIST requests it took.
 */
export async function latestRun(
  source: ReadableStore & Pick<Store, "list">,
  now: Date,
  cycles: readonly number[],
  days = 3,
): Promise<{ run: RunId | undefined; requests: number }> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
  let requests = 0;
  for (const run of runsBetween(since, now, cycles)) {
    const availability = await runAvailability(source, run);
    requests += availability.lists;
    if (availability.complete) return { run, requests };
  }
  return { run: undefined, requests };
}
