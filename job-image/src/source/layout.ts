/**
 * Where ECMWF's files are: keys of a run's step files under a source root (the stores gik writes
 * are laid out in `api/store-layout.ts`, its templates in `templates/layout.ts`).
 *
 * Notes:
 * - Source: `{YYYYMMDD}/{HH}z/ifs/0p25/{enfo|oper}/{YYYYMMDD}{HH}0000-{step}h-{enfo-ef|oper-fc}.grib2`;
 *   before 2024-02-29 the 0.4° beta tree `{YYYYMMDD}/{HH}z/0p4-beta/{enfo|oper}/…`. The `.index`
 *   sits beside each GRIB file with the same stem.
 *
 * @module
 */
import { cycleHH, type RunId } from "../api/run-id.js";

/** The two grid trees ECMWF has published ENS under. */
export type Resolution = "0p25" | "0p4-beta";

/** The file a message comes from: the ensemble file, or (after IFS 50r1) the control's oper file. */
export type StepFileKind = "enfo-ef" | "oper-fc";

/**
 * First run of IFS cycle 50r1, from which the control is published in `oper-fc` files. Only
 * `runs.ts` uses it, to know which files make a run complete before reading any index; the stages
 * find the control where the index says it is.
 */
export const FIRST_50R1_DATE = "20260512";

/** First date of the 0.25° `ifs/0p25` tree. */
const FIRST_0P25_DATE = "20240229";

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

/** The folder (a key prefix ending in `/`) a run's step files of `kind` are in. */
export function stepFolder(run: RunId, kind: StepFileKind, resolution: Resolution): string {
  const key = stepFileKey(run, 0, kind, resolution);
  return key.slice(0, key.lastIndexOf("/") + 1);
}

/** Key of the `.index` beside a GRIB file. */
export function indexKeyOf(gribKey: string): string {
  return `${gribKey.slice(0, -".grib2".length)}.index`;
}
