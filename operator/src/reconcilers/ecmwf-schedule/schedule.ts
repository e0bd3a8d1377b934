/**
 * When an EcmwfSchedule's cycles come due, as pure functions of its settings and a few instants
 * (Kubernetes' CronJob controller, `mostRecentScheduleTime` and its missed-start handling, for a
 * schedule of forecast cycles).
 *
 * Vocabulary:
 * - a cycle's *run time* is its date + cycle hour (UTC): `2025010112` is 2025-01-01T12:00Z. It
 *   names the run (`<schedule>-<YYYYMMDDHH>`), and the schedule's cursor `status.lastScheduleTime`
 *   is one.
 * - it is *due* `publicationDelaySeconds` after its run time (when its first files can be
 *   expected), and *missed* once `startingDeadlineSeconds` more have passed without its run made.
 *
 * Notes (invariants the reconciler relies on):
 * - Every cycle at or before `after` is handled (made or skipped) and is never planned again.
 *   `after` is the latest of the cursor, the newest existing run of the schedule (a cursor lost
 *   with the status is found again in the world) and the start: `startFrom`'s 00 UTC, else the
 *   cycles due after the schedule was created (as a CronJob starts after its creation).
 * - The cursor is a run time, not a due time, so a change of `publicationDelaySeconds` neither
 *   skips a cycle nor plans one twice.
 * - Of the due cycles after `after`, only the newest `maxBackfill` are looked at (CronJob's
 *   too-many-missed guard, made a setting): the older are skipped as one block, counted, never
 *   listed one by one. Of those looked at, the ones past their deadline are missed; they are older
 *   than the rest. So `beyondBackfill` < `missed` < `due` in time, and handling a prefix of that
 *   order moves the cursor without leaving a gap.
 * - Work is bounded by `maxBackfill` (≤ 100), whatever `now - after` is (clock skew, a startFrom
 *   decades ago).
 *
 * @module
 */
import { type Cycle, cycleHH, type RunId, runEpochSeconds } from "../../../../job-image/src/api/index.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What of a schedule's spec the times depend on (defaults filled in). */
export interface ScheduleTimes {
  cycles: readonly Cycle[];
  publicationDelaySeconds: number;
  startingDeadlineSeconds?: number;
  maxBackfill: number;
  /** `YYYYMMDD` (checked beforehand). */
  startFrom?: string;
}

/** One cycle of the schedule and its instants. */
export interface ScheduledCycle {
  run: RunId;
  runTime: Date;
  dueTime: Date;
  /** After this instant the cycle is missed; none without `startingDeadlineSeconds`. */
  deadline?: Date;
}

export interface PlanInput {
  times: ScheduleTimes;
  now: Date;
  /** The schedule's `metadata.creationTimestamp`. */
  createdAt: Date;
  /** `status.lastScheduleTime`: the cursor as last written. */
  lastScheduleTime?: Date;
  /** Run times of the schedule's runs that exist. */
  existing: readonly Date[];
}

export interface SchedulePlan {
  /** Every cycle at or before this run time is handled. */
  after: Date;
  /** Due cycles older than the newest `maxBackfill`: skipped as one block. */
  beyondBackfill?: { count: number; first: ScheduledCycle; last: ScheduledCycle };
  /** Due cycles past their starting deadline, oldest first: skipped. */
  missed: ScheduledCycle[];
  /** Due cycles within their deadline, oldest first: to be made (as concurrency allows). */
  due: ScheduledCycle[];
  /** The first cycle that is not due yet. */
  next: ScheduledCycle;
}

/**
 * Which of the schedule's cycles are due, missed or skipped at `now`, and which comes next. Pure.
 *
 * @example
 * planSchedule({ times: { cycles: [0, 12], publicationDelaySeconds: 21600, maxBackfill: 4 },
 *   now: new Date("2025-01-01T18:30:00Z"), createdAt: new Date("2025-01-01T05:00:00Z"), existing: [] })
 * // due: 2025010100 and 2025010112 (due 06:00 and 18:00); next: 2025010200, due 2025-01-02T06:00Z
 */
export function planSchedule(input: PlanInput): SchedulePlan {
  const { times, now } = input;
  const delay = times.publicationDelaySeconds * 1000;
  const hours = [...new Set(times.cycles)].sort((a, b) => a - b);
  const after = Math.max(
    startBound(times, input.createdAt),
    input.lastScheduleTime?.getTime() ?? Number.NEGATIVE_INFINITY,
    ...input.existing.map((d) => d.getTime()),
  );
  const at = (t: number) => scheduledCycle(t, times);

  // The newest due cycles after `after`, at most maxBackfill of them, newest first.
  const lookedAt: number[] = [];
  for (
    let t = cycleAtOrBefore(hours, now.getTime() - delay);
    t > after && lookedAt.length < times.maxBackfill;
    t = cycleAtOrBefore(hours, t - 1)
  ) {
    lookedAt.push(t);
  }
  lookedAt.reverse();
  const oldest = lookedAt[0];
  const older = oldest === undefined ? 0 : countCycles(hours, after, oldest - 1);
  const beyondBackfill =
    oldest !== undefined && older > 0
      ? {
          count: older,
          first: at(cycleAfter(hours, after)),
          last: at(cycleAtOrBefore(hours, oldest - 1)),
        }
      : undefined;
  const cycles = lookedAt.map(at);
  const isMissed = (c: ScheduledCycle) => c.deadline !== undefined && c.deadline.getTime() < now.getTime();
  return {
    after: new Date(after),
    beyondBackfill,
    missed: cycles.filter(isMissed),
    due: cycles.filter((c) => !isMissed(c)),
    next: at(cycleAfter(hours, Math.max(after, now.getTime() - delay))),
  };
}

/** Milliseconds from `now` until `cycle` is due (at least 1). */
export function msUntilDue(cycle: ScheduledCycle, now: Date): number {
  return Math.max(1, cycle.dueTime.getTime() - now.getTime());
}

/** `YYYYMMDDHH` of a run: what follows the schedule's name in its runs' names. */
export function runStamp(run: RunId): string {
  return `${run.date}${cycleHH(run.cycle)}`;
}

/** The cycle whose run time is `t` (ms), with its due time and deadline under `times`. */
export function scheduledCycle(t: number, times: ScheduleTimes): ScheduledCycle {
  const runTime = new Date(t);
  const iso = runTime.toISOString();
  const run = { date: iso.slice(0, 10).replaceAll("-", ""), cycle: runTime.getUTCHours() as Cycle };
  const due = t + times.publicationDelaySeconds * 1000;
  const deadline =
    times.startingDeadlineSeconds === undefined
      ? undefined
      : new Date(due + times.startingDeadlineSeconds * 1000);
  return { run, runTime, dueTime: new Date(due), ...(deadline ? { deadline } : {}) };
}

/**
 * The exclusive lower bound of the schedule before any cycle is handled: just before `startFrom`'s
 * 00 UTC, else the latest run time whose cycle was due when the schedule was created.
 */
function startBound(times: ScheduleTimes, createdAt: Date): number {
  if (times.startFrom !== undefined) return runEpochSeconds({ date: times.startFrom, cycle: 0 }) * 1000 - 1;
  return createdAt.getTime() - times.publicationDelaySeconds * 1000;
}

const dayOf = (t: number) => Math.floor(t / DAY) * DAY;

/** The latest cycle run time ≤ `t`. */
function cycleAtOrBefore(hours: readonly number[], t: number): number {
  const day = dayOf(t);
  const today = hours.filter((h) => day + h * HOUR <= t);
  return today.length > 0
    ? day + (today.at(-1) as number) * HOUR
    : day - DAY + (hours.at(-1) as number) * HOUR;
}

/** The earliest cycle run time > `t`. */
function cycleAfter(hours: readonly number[], t: number): number {
  const day = dayOf(t);
  const h = hours.find((x) => day + x * HOUR > t);
  return h !== undefined ? day + h * HOUR : day + DAY + (hours[0] as number) * HOUR;
}

/** How many cycle run times lie in (`a`, `b`] (0 when `b` ≤ `a`); O(1) however far apart. */
function countCycles(hours: readonly number[], a: number, b: number): number {
  if (b <= a || !Number.isFinite(a)) return 0;
  const upTo = (t: number) => {
    const day = dayOf(t);
    return (day / DAY) * hours.length + hours.filter((h) => day + h * HOUR <= t).length;
  };
  return upTo(b) - upTo(a);
}
