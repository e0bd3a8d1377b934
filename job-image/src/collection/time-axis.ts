/**
 * The time axis of a forecast collection: a regular grid of run slots, one per cycle of the
 * collection's cycles on every day from its first slot on. A run's slot follows from its date and
 * cycle alone, so runs may arrive in any order and with gaps: a late run fills its slot, a missing
 * run reads as NaN, and `time` stays sorted (`sel(time=slice(…))` works).
 *
 * @module
 */
import { cycleHH, type RunId, runEpochSeconds } from "../api/run-id.js";

export interface TimeAxis {
  /** The run of slot 0. */
  origin: RunId;
  /** The cycles of the collection, ascending (e.g. [0, 12]). */
  cycles: number[];
}

const DAY_MS = 86_400_000;

/** The slot of `run` on `axis`: negative before the origin, `undefined` for a cycle not on the axis. */
export function slotOf(axis: TimeAxis, run: RunId): number | undefined {
  const c = axis.cycles.indexOf(run.cycle);
  if (c < 0) return undefined;
  const days = Math.round((dayMs(run.date) - dayMs(axis.origin.date)) / DAY_MS);
  return days * axis.cycles.length + c - axis.cycles.indexOf(axis.origin.cycle);
}

/** The run of slot `slot` (≥ 0). */
export function runAt(axis: TimeAxis, slot: number): RunId {
  const n = axis.cycles.length;
  const position = axis.cycles.indexOf(axis.origin.cycle) + slot;
  const day = new Date(dayMs(axis.origin.date) + Math.floor(position / n) * DAY_MS);
  const date = day.toISOString().slice(0, 10).replaceAll("-", "");
  return { date, cycle: axis.cycles[position % n]! };
}

/** Reference times (seconds since the epoch) of the first `slots` slots. */
export function slotTimes(axis: TimeAxis, slots: number): number[] {
  return Array.from({ length: slots }, (_, s) => runEpochSeconds(runAt(axis, s)));
}

/** `YYYYMMDDHH`, the key of a run in a collection's record. */
export function runKey(run: RunId): string {
  return `${run.date}${cycleHH(run.cycle)}`;
}

function dayMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
}
