/**
 * The concurrency decision of an EcmwfSchedule (CronJob's `concurrencyPolicy`), an ordered chain
 * of checks over the due cycles and the active runs (cert-manager's policy chain): which cycles to
 * make now, which to pass over, which active runs to delete first — or wait.
 *
 * - Allow (the default, as CronJob's): every due cycle is made, oldest first.
 * - Forbid: nothing is made while a run of the schedule is active; then the oldest due cycle, so a
 *   backfill runs one cycle after the other. A waiting cycle is skipped once its deadline passes.
 * - Replace: the active runs are deleted and the newest due cycle made; older due cycles are passed
 *   over (their run would be replaced at once).
 * - A run the schedule's status lists as active but the cache does not hold yet holds Forbid and
 *   Replace back for a moment: it was made so recently that its watch event has not arrived (or
 *   was deleted since, which the next status shows). Allow does not care.
 *
 * @module
 */
import { type ConcurrencyPolicy, Reason } from "../../../../job-image/src/api/index.js";
import { type Check, evaluate, type Verdict } from "../common/checks.js";
import type { OwnedRun } from "./gather.js";
import { msUntilDue, runStamp, type ScheduledCycle } from "./schedule.js";

/** How long to wait for a run the status names to reach the cache. */
export const UNSEEN_REQUEUE_MS = 1_000;

export interface ConcurrencyInput {
  policy: ConcurrencyPolicy;
  /** Due cycles within their deadline, oldest first. */
  due: readonly ScheduledCycle[];
  /** The schedule's runs that have not ended and are not being deleted, oldest first. */
  active: readonly OwnedRun[];
  /** Names the status lists as active that the cache does not hold. */
  unseen: readonly string[];
  /** The first cycle not due yet. */
  next: ScheduledCycle;
  now: Date;
}

/** What to do now. The verdict's message (a go's: the next cycle) is for the `Ready` condition. */
export interface Decision {
  /** Cycles to make, oldest first. */
  create: ScheduledCycle[];
  /** Due cycles passed over for a newer one (Replace). */
  supersede: ScheduledCycle[];
  /** Active runs to delete before making `create` (Replace). */
  replace: OwnedRun[];
}

export type ConcurrencyVerdict = Verdict<Decision>;

const go = (message: string, decision: Partial<Decision>): ConcurrencyVerdict => ({
  kind: "go",
  reason: Reason.Scheduled,
  message,
  value: { create: [], supersede: [], replace: [], ...decision },
});

const names = (runs: readonly OwnedRun[]) => runs.map((r) => r.run.metadata.name).join(", ");
const cycles = (list: readonly ScheduledCycle[]) => list.map((c) => runStamp(c.run)).join(", ");

/** A message naming the next cycle and when it is due. */
function nextMessage(next: ScheduledCycle): string {
  return `next cycle ${runStamp(next.run)}, due at ${next.dueTime.toISOString().replace(/\.\d+Z$/, "Z")}`;
}

/** Until the next cycle is due or the oldest waiting one would be missed, whichever comes first. */
function waitMs({ due, next, now }: ConcurrencyInput): number {
  const deadline = due[0]?.deadline;
  const untilMissed = deadline
    ? Math.max(1, deadline.getTime() - now.getTime() + 1)
    : Number.POSITIVE_INFINITY;
  return Math.min(msUntilDue(next, now), untilMissed);
}

/** The chain, in order. */
const concurrencyChecks: readonly Check<ConcurrencyInput, Decision>[] = [
  // Nothing is due.
  ({ due, next }) => (due.length === 0 ? go(nextMessage(next), {}) : undefined),
  // Allow: every due cycle, oldest first.
  ({ policy, due, next }) => (policy === "Allow" ? go(nextMessage(next), { create: [...due] }) : undefined),
  // A run made moments ago is not in the cache yet: look again shortly.
  ({ policy, unseen, due }) =>
    unseen.length > 0
      ? {
          kind: "wait",
          reason: Reason.WaitingForActiveRun,
          message: `cycle ${cycles(due.slice(0, 1))} is due; run ${unseen.join(", ")} is not seen yet (concurrencyPolicy ${policy})`,
          requeueAfterMs: UNSEEN_REQUEUE_MS,
        }
      : undefined,
  // Forbid, with a run active: wait for it.
  (input) =>
    input.policy === "Forbid" && input.active.length > 0
      ? {
          kind: "wait",
          reason: Reason.WaitingForActiveRun,
          message: `cycle ${cycles(input.due.slice(0, 1))} is due; waiting for ${names(input.active)} to end (concurrencyPolicy Forbid)`,
          requeueAfterMs: waitMs(input),
        }
      : undefined,
  // Forbid: the oldest due cycle alone.
  ({ policy, due, next }) =>
    policy === "Forbid" ? go(nextMessage(next), { create: due.slice(0, 1) }) : undefined,
  // Replace: the newest due cycle, in place of the active runs.
  ({ due, active, next }) =>
    go(nextMessage(next), {
      create: due.slice(-1),
      supersede: due.slice(0, -1),
      replace: [...active],
    }),
];

/** Evaluates {@link concurrencyChecks}. */
export function decideConcurrency(input: ConcurrencyInput): ConcurrencyVerdict {
  return evaluate(concurrencyChecks, input);
}
