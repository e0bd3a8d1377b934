/**
 * The Events of an EcmwfSchedule.
 *
 * - `RunSkipped` (Warning) for the cycles a reconcile passed over, derived from the move of the
 *   cursor (`status.lastScheduleTime`, old → new) and recorded after the status write: a write
 *   that fails (409 on a stale read) records nothing and its retry plans the same skips, and a
 *   cycle behind the cursor the API server holds is never planned again, so after restarts and on
 *   a second replica alike a skip is recorded once.
 * - `InvalidSpec` (Warning) when the spec becomes one the operator cannot act on.
 * - `RunCreated`, `RunReplaced`, `RunPruned` (Normal) are recorded by the reconciler right after
 *   the API server accepted the create or delete (as the CronJob controller records
 *   `SuccessfulCreate`): an AlreadyExists or NotFound answer records nothing.
 *
 * @module
 */
import { ConditionType, type EcmwfScheduleStatus, type RunId } from "../../../../job-image/src/api/index.js";
import type { EventSpec } from "../../kube/api.js";
import { findCondition } from "../common/conditions.js";
import { becameDifferent } from "../common/transitions.js";
import { runStamp, type ScheduledCycle } from "./schedule.js";

/** The Event reasons of schedules. */
export const ScheduleEvent = {
  RunCreated: "RunCreated",
  RunSkipped: "RunSkipped",
  RunReplaced: "RunReplaced",
  RunPruned: "RunPruned",
} as const;

/** Cycles passed over in one reconcile, for one reason. */
export interface Skip {
  /** The newest cycle of the skip (what the cursor moves to). */
  last: ScheduledCycle;
  message: string;
}

const when = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z");
const name = (run: RunId, runName: (r: RunId) => string) => `${runName(run)} (cycle ${runStamp(run)})`;

/** The skips of a plan and a decision, oldest first, each with its message. */
export function describeSkips(
  skipped: {
    beyondBackfill?: { count: number; first: ScheduledCycle; last: ScheduledCycle };
    missed: readonly ScheduledCycle[];
    superseded: readonly ScheduledCycle[];
    taken: readonly ScheduledCycle[];
    maxBackfill: number;
    newestDue?: ScheduledCycle;
  },
  runName: (r: RunId) => string,
): Skip[] {
  const skips: Skip[] = [];
  const b = skipped.beyondBackfill;
  if (b) {
    skips.push({
      last: b.last,
      message: `${b.count} cycle(s) from ${runStamp(b.first.run)} to ${runStamp(b.last.run)} not made: more than maxBackfill (${skipped.maxBackfill}) cycles were due`,
    });
  }
  for (const c of skipped.missed) {
    skips.push({
      last: c,
      message: `${name(c.run, runName)} not made: due at ${when(c.dueTime)}, its starting deadline passed at ${when(c.deadline ?? c.dueTime)}`,
    });
  }
  for (const c of skipped.superseded) {
    const newer = skipped.newestDue ? ` by ${runStamp(skipped.newestDue.run)}` : "";
    skips.push({
      last: c,
      message: `${name(c.run, runName)} not made: superseded${newer} (concurrencyPolicy Replace)`,
    });
  }
  for (const c of skipped.taken) {
    skips.push({
      last: c,
      message: `${name(c.run, runName)} not made: a run of that name exists that this schedule does not own`,
    });
  }
  return skips.sort((x, y) => x.last.runTime.getTime() - y.last.runTime.getTime());
}

/** Events for the change from `old` to `next`, given the skips of this reconcile. Pure. */
export function scheduleTransitions(
  old: EcmwfScheduleStatus | undefined,
  next: EcmwfScheduleStatus,
  skips: readonly Skip[],
): EventSpec[] {
  const events: EventSpec[] = [];
  const stalled = findCondition(next.conditions, ConditionType.Stalled);
  if (
    stalled?.status === "True" &&
    becameDifferent(findCondition(old?.conditions, ConditionType.Stalled), stalled)
  ) {
    events.push({ type: "Warning", reason: stalled.reason, message: stalled.message });
  }
  const from = Date.parse(old?.lastScheduleTime ?? "") || Number.NEGATIVE_INFINITY;
  const to = Date.parse(next.lastScheduleTime ?? "") || Number.NEGATIVE_INFINITY;
  for (const skip of skips) {
    const t = skip.last.runTime.getTime();
    if (t > from && t <= to)
      events.push({ type: "Warning", reason: ScheduleEvent.RunSkipped, message: skip.message });
  }
  return events;
}
