/**
 * Which ended runs of a schedule to delete so that at most `successfulRunsHistoryLimit` succeeded
 * and `failedRunsHistoryLimit` failed or partially succeeded runs are kept, the newest by run time
 * (kubebuilder's CronJob tutorial keeps the newest Jobs by start time; a run's cycle is its
 * identity, so it orders them here). Active runs are never pruned. Pure.
 *
 * @module
 */
import type { OwnedRun } from "./gather.js";

export interface HistoryLimits {
  successfulRunsHistoryLimit: number;
  failedRunsHistoryLimit: number;
}

/** The runs beyond the limits, oldest first. `runs` must be oldest first (as gathered). */
export function runsToPrune(runs: readonly OwnedRun[], limits: HistoryLimits): OwnedRun[] {
  const going = (r: OwnedRun) => Boolean(r.run.metadata.deletionTimestamp);
  const succeeded = runs.filter((r) => !going(r) && r.run.status?.phase === "Succeeded");
  const failed = runs.filter(
    (r) => !going(r) && (r.run.status?.phase === "Failed" || r.run.status?.phase === "PartiallySucceeded"),
  );
  const beyond = (list: OwnedRun[], keep: number) => list.slice(0, Math.max(0, list.length - keep));
  const prune = new Set([
    ...beyond(succeeded, limits.successfulRunsHistoryLimit),
    ...beyond(failed, limits.failedRunsHistoryLimit),
  ]);
  return runs.filter((r) => prune.has(r));
}
