/**
 * Where things are: keys of ECMWF's step files under a source root, of gik's templates under a
 * templates store, and of gik's reference stores under an output root.
 *
 * Notes:
 * - Source: `{YYYYMMDD}/{HH}z/ifs/0p25/{enfo|oper}/{YYYYMMDD}{HH}0000-{step}h-{enfo-ef|oper-fc}.grib2`;
 *   before 2024-02-29 the 0.4° beta tree `{YYYYMMDD}/{HH}z/0p4-beta/{enfo|oper}/…`. The `.index`
 *   sits beside each GRIB file with the same stem.
 * - Templates: `ecmwf/{member}/ecmwf-time-{D}-{member}-rt{hhh}.parquet`, where `D` is `YYYYMMDD`
 *   for a 00 UTC reference run and `YYYYMMDDHH` otherwise; manifests under `ecmwf/manifests/{D}/`.
 * - Stores: `{YYYYMMDD}/{HH}z/{member}.parquet` (a directory) or `{member}.json`.
 *
 * @module
 */
import { cycleHH, type RunId } from "./run.js";

/** The two grid trees ECMWF has published ENS under. */
export type Resolution = "0p25" | "0p4-beta";

/** The file a message comes from: the ensemble file, or (after IFS 50r1) the control's oper file. */
export type StepFileKind = "enfo-ef" | "oper-fc";

/** First date of the 0.25° `ifs/0p25` tree. */
export const FIRST_0P25_DATE = "20240229";

/** The tree a run of this date is published under (the date rule; callers may probe the other). */
export function resolutionOf(date: string): Resolution {
  return date < FIRST_0P25_DATE ? "0p4-beta" : "0p25";
}

/** Key of a step's GRIB file under the source root. */
export function stepFileKey(run: RunId, step: number, kind: StepFileKind, resolution: Resolution): string {
  const hh = cycleHH(run.cycle);
  const stream = kind === "enfo-ef" ? "enfo" : "oper";
  const tree = resolution === "0p25" ? "ifs/0p25" : "0p4-beta";
  return `${run.date}/${hh}z/${tree}/${stream}/${run.date}${hh}0000-${step}h-${kind}.grib2`;
}

/** Key of the `.index` beside a GRIB file. */
export function indexKeyOf(gribKey: string): string {
  return `${gribKey.slice(0, -".grib2".length)}.index`;
}

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

/** Key of shard `index` of `count` of a reference run's manifest. */
export function manifestPartKey(run: RunId, index: number, count: number): string {
  return `${manifestPrefix(run)}part-${index}-of-${count}.json`;
}

export type StoreFormat = "parquet" | "json";

/** Key of a member's store under the output root (a directory for parquet, one object for json). */
export function storeKey(run: RunId, member: string, format: StoreFormat): string {
  return `${run.date}/${cycleHH(run.cycle)}z/${member}.${format}`;
}
