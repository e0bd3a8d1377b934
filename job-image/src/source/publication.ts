/**
 * Waiting for ECMWF to publish a run. A run's files appear step by step (a 00 UTC run from about
 * 06:00 to 08:10 UTC), each `.index` after its GRIB file; a step file absent before the run's
 * deadline is *not yet published*: the work waits for it, polling the index with gik's backoff, and
 * maps each step as it appears.
 *
 * Notes (invariants):
 * - A file absent after the deadline fails as `SourceNotPublishedError`, naming it.
 * - A file absent while the run's last step is already published will not come: ECMWF writes a
 *   run's steps in order, so that is bad input at once (`NotFoundError`), as without waiting.
 * - Without a deadline (the CLI's default), nothing waits: an absent file is bad input at once.
 *
 * @module
 */
import { backoffDelay } from "../api/backoff.js";
import { NotFoundError, SourceNotPublishedError } from "../api/errors.js";
import { type RunId, stepsOf } from "../api/run-id.js";
import { SOURCE_LOG_MESSAGE, type SourceProgress } from "../api/source-progress.js";
import type { Logger } from "../log/types.js";
import type { ReadableStore } from "../storage/types.js";
import { indexKeyOf, type Resolution, resolutionOf, type StepFileKind, stepFileKey } from "./layout.js";
import { findResolution, type StepFile, statStepFile } from "./step-files.js";

/** How long to wait for files that are not there yet, and how. */
export interface Waiting {
  /** After this, an absent file fails the run (`SourceNotPublishedError`). */
  deadline: Date;
  /** Longest pause between two looks at a file (the first ones are shorter). */
  pollMs: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The run's tree; with `waiting`, waits for its first index to appear on the tree of its date. */
export async function awaitResolution(
  source: ReadableStore,
  run: RunId,
  waiting?: Waiting,
): Promise<Resolution> {
  if (!waiting) return findResolution(source, run);
  const resolution = resolutionOf(run.date);
  const first = stepFileKey(run, 0, "enfo-ef", resolution);
  await awaitFile(source, run, first, "enfo-ef", resolution, waiting, async () => {
    if (!(await source.head(indexKeyOf(first)))) {
      throw new NotFoundError(source.url(indexKeyOf(first)), `index of run ${run.date} ${run.cycle}z`);
    }
  });
  return resolution;
}

/** A step file once published: at once without `waiting`, else when it appears (or the deadline passes). */
export async function awaitStepFile(
  source: ReadableStore,
  run: RunId,
  step: number,
  kind: StepFileKind,
  resolution: Resolution,
  waiting?: Waiting,
): Promise<StepFile> {
  let file: StepFile | undefined;
  await awaitFile(
    source,
    run,
    stepFileKey(run, step, kind, resolution),
    kind,
    resolution,
    waiting,
    async () => {
      file = await statStepFile(source, run, step, kind, resolution);
    },
  );
  return file!;
}

/**
 * Calls `look` until it stops throwing `NotFoundError`: at once without `waiting`; else until the
 * deadline, unless the run's last step of `kind` is published (then the file will not come).
 */
async function awaitFile(
  source: ReadableStore,
  run: RunId,
  gribKey: string,
  kind: StepFileKind,
  resolution: Resolution,
  waiting: Waiting | undefined,
  look: () => Promise<void>,
): Promise<void> {
  const now = waiting?.now ?? (() => new Date());
  const sleep = waiting?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await look();
    } catch (err) {
      if (!(err instanceof NotFoundError) || !waiting) throw err;
      if (now() >= waiting.deadline) {
        throw new SourceNotPublishedError([source.url(indexKeyOf(gribKey))], waiting.deadline.toISOString(), {
          cause: err,
        });
      }
      const last = stepsOf(run.cycle).at(-1)!;
      if (await source.head(indexKeyOf(stepFileKey(run, last, kind, resolution)))) throw err;
      const pause = backoffDelay(attempt, {
        initialMs: 500,
        maxMs: waiting.pollMs,
        random: waiting.random ?? Math.random,
      });
      await sleep(Math.max(0, Math.min(pause, waiting.deadline.getTime() - now().getTime())));
    }
  }
}

/**
 * Logs how many of a run's step files are published, when that changes (and every `everyMs`): the
 * record the operator reads from a waiting pod's log (`api/source-progress.ts`).
 */
export function publicationProgress(
  log: Logger,
  total: number,
  everyMs = 30_000,
): (published: number) => void {
  let said = -1;
  let at = 0;
  return (published) => {
    const now = Date.now();
    if (published === said && now - at < everyMs) return;
    said = published;
    at = now;
    const progress: SourceProgress = { published, total, complete: published === total };
    log.info(progress, SOURCE_LOG_MESSAGE);
  };
}
