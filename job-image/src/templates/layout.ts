/**
 * Where a reference run's templates are under a templates store, at the layout users of the
 * method already have.
 *
 * Notes:
 * - Templates: `ecmwf/{member}/ecmwf-time-{D}-{member}-rt{hhh}.parquet`, where `D` is `YYYYMMDD`
 *   for a 00 UTC reference run and `YYYYMMDDHH` otherwise.
 * - Manifests: `ecmwf/manifests/{D}/part-{i}-of-{n}.json`, one per shard of the build.
 *
 * @module
 */
import { cycleHH, type RunId } from "../api/run-id.js";

/** `YYYYMMDD` for a 00 UTC run, else `YYYYMMDDHH`: the date part of template names. */
export function templateRunPart(run: RunId): string {
  return run.cycle === 0 ? run.date : `${run.date}${cycleHH(run.cycle)}`;
}

/** Key of one member's template for one step of a reference run. */
export function templateKey(run: RunId, member: string, step: number): string {
  const rt = String(step).padStart(3, "0");
  return `ecmwf/${member}/ecmwf-time-${templateRunPart(run)}-${member}-rt${rt}.parquet`;
}

/** Prefix of the manifest parts of a reference run's templates. */
export function manifestPrefix(run: RunId): string {
  return `ecmwf/manifests/${templateRunPart(run)}/`;
}

/** Whether `key` is a part of some reference run's manifest (what `read.ts` reads of a build). */
export function isManifestKey(key: string): boolean {
  return key.startsWith("ecmwf/manifests/") && key.endsWith(".json");
}

/** Key of shard `index` of `count` of a reference run's manifest. */
export function manifestPartKey(run: RunId, index: number, count: number): string {
  return `${manifestPrefix(run)}part-${index}-of-${count}.json`;
}
