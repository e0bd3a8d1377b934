/**
 * The status of an EcmwfSchedule, rebuilt on every reconcile from its runs as they are after this
 * reconcile's deletes and creates, and from what it decided. Pure.
 *
 * Notes:
 * - `lastScheduleTime` (the cursor), `lastScheduledRun` and `lastSuccessfulRun` only move forward:
 *   each is the newest of its previous value and what the world shows, so a pruned or deleted run
 *   does not move them back, and a status lost or stale is found again from the runs.
 * - Run names end in their cycle's `YYYYMMDDHH` (`desired-run.ts`), which orders them.
 * - `active` lists the runs that have not ended, including the ones made in this reconcile that
 *   the cache does not hold yet.
 *
 * @module
 */
import {
  type Condition,
  ConditionType,
  type EcmwfSchedule,
  type EcmwfScheduleStatus,
  Reason,
  type SpecProblem,
} from "../../../../job-image/src/api/index.js";
import { rfc3339, timeString } from "../../kube/time.js";
import { setCondition } from "../common/conditions.js";
import { type OwnedRun, runActive, runEnded } from "./gather.js";

/** The `Ready` condition's verdict, without times. */
export type Readiness = Omit<Condition, "type" | "lastTransitionTime" | "observedGeneration">;

export interface ScheduleStatusInput {
  schedule: EcmwfSchedule;
  /** The schedule's runs after this reconcile's deletes (not yet its creates), oldest first. */
  runs: readonly OwnedRun[];
  /** Names of the runs this reconcile made (or found made), oldest first. */
  scheduled: readonly string[];
  /** Run time of the newest cycle this reconcile handled, if any. */
  handled?: Date;
  ready: Readiness;
  /** Set when the spec cannot be acted on. */
  problem?: SpecProblem;
  now: Date;
}

/** The `YYYYMMDDHH` a run name ends in ("" when it does not). */
const stampOf = (name: string | undefined) => /(\d{10})$/.exec(name ?? "")?.[1] ?? "";

/** The name among `names` whose cycle is the newest. */
function newest(names: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const name of names) if (name && stampOf(name) > stampOf(best)) best = name;
  return best;
}

/** The status the schedule should have. Pure. */
export function computeScheduleStatus(input: ScheduleStatusInput): EcmwfScheduleStatus {
  const { schedule, runs, scheduled, now } = input;
  const old = schedule.status;
  const generation = schedule.metadata.generation;
  const cursor = [old?.lastScheduleTime, input.handled, runs.at(-1)?.runTime]
    .map((t) => (t instanceof Date ? rfc3339(t) : timeString(t)))
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  const known = new Set(runs.map((r) => r.run.metadata.name));
  const active = [
    ...runs.filter((r) => runActive(r.run)).map((r) => r.run.metadata.name),
    ...scheduled.filter((name) => !known.has(name)),
  ];
  let conditions = setCondition(
    old?.conditions,
    { type: ConditionType.Ready, ...input.ready },
    generation,
    now,
  );
  conditions = setCondition(conditions, stalledCondition(input.problem), generation, now);
  conditions = setCondition(conditions, lastRunCondition(runs), generation, now);
  return {
    observedGeneration: generation,
    conditions,
    lastScheduleTime: cursor,
    lastScheduledRun: newest([old?.lastScheduledRun, ...scheduled, ...runs.map((r) => r.run.metadata.name)]),
    lastSuccessfulRun: newest([
      old?.lastSuccessfulRun,
      ...runs.filter((r) => r.run.status?.phase === "Succeeded").map((r) => r.run.metadata.name),
    ]),
    active,
    activeCount: active.length,
  };
}

function stalledCondition(problem: SpecProblem | undefined) {
  return problem
    ? {
        type: ConditionType.Stalled,
        status: "True" as const,
        reason: Reason.InvalidSpec,
        message: `${problem.field}: ${problem.message}`,
      }
    : { type: ConditionType.Stalled, status: "False" as const, reason: Reason.SpecValid, message: "" };
}

/** How the newest run that has ended ended. */
function lastRunCondition(runs: readonly OwnedRun[]) {
  const type = ConditionType.LastRunSucceeded;
  const last = runs.filter((r) => runEnded(r.run) && !r.run.metadata.deletionTimestamp).at(-1)?.run;
  if (!last) return { type, status: "Unknown" as const, reason: Reason.NoRunEnded, message: "" };
  const { name } = last.metadata;
  return last.status?.phase === "Succeeded"
    ? { type, status: "True" as const, reason: Reason.RunSucceeded, message: `run ${name} succeeded` }
    : {
        type,
        status: "False" as const,
        reason: Reason.RunFailed,
        message: `run ${name} ${last.status?.phase === "Failed" ? "failed" : "partially succeeded"}`,
      };
}
