/**
 * The EcmwfSchedule reconciler, in the order of kubebuilder's CronJob tutorial: gather the runs →
 * prune the history → stop if suspended → plan the due cycles → decide on concurrency → delete
 * (Replace) and create → status → Events → requeue for the next due cycle. Level-based: the world
 * is re-read on every call; time is read only from the injected clock.
 *
 * Notes:
 * - A cycle's run is made at most once, ever: its name is fixed by the schedule and the cycle
 *   (`desired-run.ts`) and it is created, never applied, so a second create — after a restart
 *   before the status write, on a second replica, from a stale cache — gets 409 AlreadyExists,
 *   which counts as made. Cycles at or before the cursor (or the newest existing run) are never
 *   planned again, so a run pruned from the history is not made again either.
 * - The cursor (`status.lastScheduleTime`) moves past a cycle only once it is handled: made,
 *   skipped (deadline passed, beyond maxBackfill, superseded by Replace, name taken). A cycle
 *   waiting under Forbid keeps it back.
 * - Deletes carry the run's uid as a precondition: a newer object of the same name is never hit.
 *
 * @module
 */
import {
  ECMWF_SCHEDULE,
  type EcmwfSchedule,
  Reason,
  type RunId,
  type ScheduleSettings,
  scheduleDefaults,
  validateEcmwfScheduleSpec,
} from "../../../../job-image/src/api/index.js";
import type { Reconciler, Result } from "../../controller/result.js";
import type { EventSink } from "../../kube/api.js";
import type { ReconcilerDeps } from "../common/deps.js";
import { writeStatus } from "../common/write-status.js";
import { decideConcurrency } from "./checks.js";
import { desiredRun, scheduledRunName } from "./desired-run.js";
import { gatherSchedule, type OwnedRun, runActive, type ScheduleWorld } from "./gather.js";
import { runsToPrune } from "./history.js";
import { msUntilDue, planSchedule, type ScheduledCycle } from "./schedule.js";
import { computeScheduleStatus, type Readiness } from "./status.js";
import { describeSkips, ScheduleEvent, type Skip, scheduleTransitions } from "./transitions.js";

/** The reconciler of EcmwfSchedules. */
export function ecmwfScheduleReconciler(deps: ReconcilerDeps): Reconciler {
  return async (key) => {
    const world = gatherSchedule(deps.caches, key);
    if (!world || world.schedule.metadata.deletionTimestamp) return {};
    const { schedule } = world;
    const now = deps.clock.now();
    const finish = (ready: Readiness, rest: Partial<Finish> = {}) =>
      finishReconcile(deps, world, { ready, now, runs: world.runs, scheduled: [], skips: [], ...rest });

    const problem = validateEcmwfScheduleSpec(schedule.spec);
    if (problem) {
      await finish(
        { status: "False", reason: Reason.InvalidSpec, message: "the spec cannot be acted on" },
        { problem },
      );
      return {};
    }
    const settings = scheduleDefaults(schedule.spec);

    // History: the oldest ended runs beyond the limits go, whether or not the schedule is suspended.
    const runs = await pruneHistory(deps, schedule, world.runs, settings);

    if (settings.suspend) {
      await finish({ status: "False", reason: Reason.Suspended, message: "spec.suspend is true" }, { runs });
      return {};
    }

    const plan = planSchedule({
      times: settings,
      now,
      createdAt: createdAt(schedule, now),
      lastScheduleTime: schedule.status?.lastScheduleTime
        ? new Date(schedule.status.lastScheduleTime)
        : undefined,
      existing: runs.map((r) => r.runTime),
    });
    const active = runs.filter((r) => runActive(r.run));
    const verdict = decideConcurrency({
      policy: settings.concurrencyPolicy,
      due: plan.due,
      active,
      unseen: world.unseen,
      next: plan.next,
      now,
    });
    const runName = (run: RunId) => scheduledRunName(schedule.metadata.name, run);

    let kept = runs;
    let made: Made = { scheduled: [], taken: [] };
    let handled = [plan.beyondBackfill?.last, ...plan.missed].at(-1);
    if (verdict.kind === "go") {
      const { create, replace, supersede } = verdict.value;
      const replaced = await replaceRuns(
        deps,
        schedule,
        replace,
        create.at(-1) && runName(create.at(-1)!.run),
      );
      kept = kept.filter((r) => !replaced.includes(r));
      made = await createRuns(deps, world, create, runName);
      handled = create.at(-1) ?? supersede.at(-1) ?? handled;
    }
    const { scheduled, taken } = made;

    const skips = describeSkips(
      {
        beyondBackfill: plan.beyondBackfill,
        missed: plan.missed,
        superseded: verdict.kind === "go" ? verdict.value.supersede : [],
        taken,
        maxBackfill: settings.maxBackfill,
        newestDue: plan.due.at(-1),
      },
      runName,
    );
    const ready: Readiness =
      verdict.kind === "go"
        ? { status: "True", reason: verdict.reason, message: verdict.message }
        : verdict.kind === "wait"
          ? { status: "False", reason: verdict.reason, message: verdict.message }
          : { status: "False", reason: Reason.InvalidSpec, message: "the spec cannot be acted on" };
    await finish(ready, { runs: kept, scheduled, skips, handled: handled?.runTime });
    return requeue(verdict.kind === "wait" ? verdict.requeueAfterMs : msUntilDue(plan.next, now));
  };
}

interface Finish {
  ready: Readiness;
  now: Date;
  runs: readonly OwnedRun[];
  scheduled: readonly string[];
  skips: readonly Skip[];
  handled?: Date;
  problem?: ReturnType<typeof validateEcmwfScheduleSpec>;
}

/** Computes and writes the status, then records the Events of its transition. */
async function finishReconcile(deps: ReconcilerDeps, world: ScheduleWorld, f: Finish): Promise<void> {
  const { schedule } = world;
  const status = computeScheduleStatus({ schedule, ...f });
  await writeStatus(
    deps.api,
    deps.events,
    schedule,
    ECMWF_SCHEDULE.plural,
    status,
    scheduleTransitions(schedule.status, status, f.skips),
  );
}

/** What {@link createRuns} did: the runs made (or found made), the cycles whose name is taken. */
interface Made {
  scheduled: string[];
  taken: ScheduledCycle[];
}

/** Deletes the active runs for `newest` (Replace); returns them. */
async function replaceRuns(
  deps: ReconcilerDeps,
  schedule: EcmwfSchedule,
  replace: readonly OwnedRun[],
  newest: string | undefined,
): Promise<OwnedRun[]> {
  for (const { run } of replace) {
    const { namespace, name, uid } = run.metadata;
    if (await deps.api.deleteRun(namespace, name, uid)) {
      await emit(
        deps.events,
        schedule,
        ScheduleEvent.RunReplaced,
        `Deleted active run ${name} for ${newest ?? "a newer run"} (concurrencyPolicy Replace)`,
      );
    }
  }
  return [...replace];
}

/**
 * Creates the runs of `cycles`, oldest first. AlreadyExists counts as made (an earlier create
 * whose status write did not happen, or a stale cache); a name held by a run the schedule does
 * not own is left alone.
 */
async function createRuns(
  deps: ReconcilerDeps,
  world: ScheduleWorld,
  cycles: readonly ScheduledCycle[],
  runName: (run: RunId) => string,
): Promise<Made> {
  const made: Made = { scheduled: [], taken: [] };
  for (const cycle of cycles) {
    const name = runName(cycle.run);
    if (world.others.has(name)) {
      made.taken.push(cycle);
      continue;
    }
    const created = await deps.api.createRun(desiredRun(world.schedule, cycle.run));
    if (created) await emit(deps.events, world.schedule, ScheduleEvent.RunCreated, `Created run ${name}`);
    else deps.log.info({ run: name }, "run exists already (made before); counted as made");
    made.scheduled.push(name);
  }
  return made;
}

/** Deletes the ended runs beyond the history limits; returns the runs that remain. */
async function pruneHistory(
  deps: ReconcilerDeps,
  schedule: EcmwfSchedule,
  runs: readonly OwnedRun[],
  limits: ScheduleSettings,
): Promise<OwnedRun[]> {
  const prune = new Set(runsToPrune(runs, limits));
  for (const { run } of prune) {
    const { namespace, name, uid } = run.metadata;
    if (await deps.api.deleteRun(namespace, name, uid)) {
      await emit(
        deps.events,
        schedule,
        ScheduleEvent.RunPruned,
        `Deleted run ${name} (${run.status?.phase}): beyond the history limit`,
      );
    }
  }
  return runs.filter((r) => !prune.has(r));
}

function emit(events: EventSink, schedule: EcmwfSchedule, reason: string, message: string): Promise<void> {
  return events.emit(schedule, { type: "Normal", reason, message });
}

/** The schedule's creation time (now, for an object without one: only in tests). */
function createdAt(schedule: EcmwfSchedule, now: Date): Date {
  const t = Date.parse(schedule.metadata.creationTimestamp ?? "");
  return Number.isNaN(t) ? now : new Date(t);
}

function requeue(ms: number): Result {
  return { requeueAfterMs: Math.max(1, Math.ceil(ms)) };
}
