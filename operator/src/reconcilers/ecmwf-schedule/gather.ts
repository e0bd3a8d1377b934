/**
 * The state of the world for one EcmwfSchedule, read from the informer caches: the schedule, the
 * runs it controls (by controller ownerReference uid, not by label: a label can be copied, an
 * owner's uid cannot), and the names of the namespace's other runs. The only reads of the
 * reconciler.
 *
 * @module
 */
import {
  type EcmwfRun,
  type EcmwfSchedule,
  type ObjectKey,
  type RunPhase,
  runEpochSeconds,
} from "../../../../job-image/src/api/index.js";
import type { Caches } from "../../kube/api.js";

/** A run of the schedule with its run time (from its spec). */
export interface OwnedRun {
  run: EcmwfRun;
  runTime: Date;
}

export interface ScheduleWorld {
  schedule: EcmwfSchedule;
  /** The runs the schedule controls, oldest run time first. */
  runs: OwnedRun[];
  /** Names of the namespace's runs that the schedule does not control. */
  others: ReadonlySet<string>;
  /**
   * Names the schedule's status lists as active that the cache does not hold: runs made so
   * recently that their watch event has not arrived, or deleted since.
   */
  unseen: string[];
}

/** Phases of a run that has ended. */
const ENDED: ReadonlySet<RunPhase | undefined> = new Set(["Succeeded", "PartiallySucceeded", "Failed"]);

/** True when the run has ended (Succeeded, PartiallySucceeded or Failed). */
export const runEnded = (run: EcmwfRun): boolean => ENDED.has(run.status?.phase);

/** True when the run has not ended and is not being deleted: what concurrency is about. */
export const runActive = (run: EcmwfRun): boolean => !runEnded(run) && !run.metadata.deletionTimestamp;

/** The world of the schedule at `key`, or `undefined` when it is gone. */
export function gatherSchedule(caches: Caches, key: ObjectKey): ScheduleWorld | undefined {
  const schedule = caches.schedules.get(key.name, key.namespace);
  if (!schedule) return undefined;
  const { uid } = schedule.metadata;
  const runs: OwnedRun[] = [];
  const others = new Set<string>();
  for (const run of caches.runs.list(key.namespace)) {
    const controlled = run.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === uid);
    if (!controlled) {
      others.add(run.metadata.name);
      continue;
    }
    const date = run.spec?.date ?? "";
    if (!/^\d{8}$/.test(date)) continue; // not made by a schedule: the CRD requires a date
    runs.push({ run, runTime: new Date(runEpochSeconds({ date, cycle: run.spec.cycle ?? 0 }) * 1000) });
  }
  runs.sort(
    (a, b) =>
      a.runTime.getTime() - b.runTime.getTime() || a.run.metadata.name.localeCompare(b.run.metadata.name),
  );
  const mine = new Set(runs.map((r) => r.run.metadata.name));
  const unseen = (schedule.status?.active ?? []).filter((name) => !mine.has(name));
  return { schedule, runs, others, unseen };
}
