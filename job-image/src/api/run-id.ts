/**
 * A forecast run (date + cycle) and what its identity implies: the forecast steps ECMWF publishes
 * for it and the instants of its reference and valid times.
 *
 * Notes:
 * - 00 and 12 UTC runs have 85 steps (0–144 h every 3 h, then 150–360 h every 6 h); 06 and 18 UTC
 *   runs have 49 (0–144 h every 3 h).
 * - Dates are `YYYYMMDD` strings everywhere at the boundaries; they are checked to be real dates.
 *
 * @module
 */
import { UsageError } from "./errors.js";

export interface RunId {
  /** `YYYYMMDD` */
  date: string;
  /** 0, 6, 12 or 18 (UTC hour). */
  cycle: number;
}

export const CYCLES = [0, 6, 12, 18] as const;
export type Cycle = (typeof CYCLES)[number];

/** Checks a `YYYYMMDD` date given for `field`, returning it unchanged. */
export function parseDate(text: string | undefined, field: string): string {
  if (text === undefined || !/^\d{8}$/.test(text)) {
    throw new UsageError(field, `expected a date as YYYYMMDD, got ${JSON.stringify(text ?? "")}`);
  }
  const [y, m, d] = [Number(text.slice(0, 4)), Number(text.slice(4, 6)), Number(text.slice(6, 8))];
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) {
    throw new UsageError(field, `${text} is not a calendar date`);
  }
  return text;
}

/** Checks a cycle hour given for `field` (`0`, `00`, `6`, `12`, `18`). */
export function parseCycle(text: string | number | undefined, field = "cycle"): number {
  const cycle = typeof text === "number" ? text : text === undefined ? 0 : Number(text);
  if (
    !(CYCLES as readonly number[]).includes(cycle) ||
    (typeof text === "string" && !/^\d{1,2}$/.test(text))
  ) {
    throw new UsageError(field, `expected one of 0, 6, 12, 18, got ${JSON.stringify(text)}`);
  }
  return cycle;
}

/** The forecast steps (hours) of a run of this cycle, in order. */
export function stepsOf(cycle: number): number[] {
  const steps: number[] = [];
  for (let h = 0; h <= 144; h += 3) steps.push(h);
  if (cycle === 0 || cycle === 12) for (let h = 150; h <= 360; h += 6) steps.push(h);
  return steps;
}

/** Seconds since the Unix epoch of the run's reference time. */
export function runEpochSeconds(run: RunId): number {
  const y = Number(run.date.slice(0, 4));
  const m = Number(run.date.slice(4, 6));
  const d = Number(run.date.slice(6, 8));
  return Date.UTC(y, m - 1, d, run.cycle) / 1000;
}

/** `HH` of the cycle, as in paths (`00z`). */
export function cycleHH(cycle: number): string {
  return String(cycle).padStart(2, "0");
}

/** Human form for messages: `20250101 00z`. */
export function runLabel(run: RunId): string {
  return `${run.date} ${cycleHH(run.cycle)}z`;
}
