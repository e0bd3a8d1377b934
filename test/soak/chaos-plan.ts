/**
 * What the soak's chaos does and when, decided up front from one seed, so that a failing soak is
 * repeated exactly by its seed (`GIK_SOAK_SEED`). Faults are placed by progress (members done),
 * not by time: a loaded machine runs slower, and the faults still land mid-run.
 *
 * - member pods: each run SIGKILLs a few, each at a number of members done, never the same index
 *   twice in a run, so a member's retries (`backoffLimitPerIndex`, default 2) outlast its faults
 *   even when the MinIO outage costs it one more;
 * - the operator: SIGKILLed twice in the whole soak, in two different runs, restarted after a pause;
 * - MinIO: SIGKILLed once, restarted on the same data after a pause;
 * - the commit pod of a run with a commit (every third run, layout `both` and a collection):
 *   SIGKILLed in half of them, once it runs.
 *
 * @module
 */
import { seededRandom } from "../infra/slowdown-proxy.js";

export type Layout = "members" | "both";

/** A fault at a point of a run: once `at` members are done, down for `downMs`. */
export interface Outage {
  at: number;
  downMs: number;
}

export interface RunPlan {
  /** 0-based, in the order the runs go. */
  index: number;
  layout: Layout;
  /** Members done when each member pod is killed, ascending. */
  podKills: number[];
  operator?: Outage;
  minio?: Outage;
  /** Kill the commit pod once it runs (runs of layout `both` only). */
  killCommit: boolean;
}

export const OPERATOR_KILLS = 2;
/** Kills of member pods per run: at least, at most. */
const POD_KILLS: [number, number] = [1, 4];
/** Faults land when this share of the members is done: at least, at most (3 and 40 of 51). */
const WINDOW_SHARE: [number, number] = [3 / 51, 40 / 51];
/** How long the operator and MinIO stay down, ms: at least, at most (within what one request's retries wait, about 6 s). */
const DOWN_MS: [number, number] = [1_000, 3_000];

/** A seed for when none is given: printed by the caller, so the soak can be repeated. */
export const freshSeed = () => Math.floor(Math.random() * 2 ** 31);

/**
 * The plan of `runs` runs (at least 2, for the operator's two kills in two runs) of `members`
 * members each from `seed`, `parallelism` member pods at once (0: not bounded by it).
 *
 * Every fault's point is no later than `members − parallelism` done, when a whole wave of pods is
 * still at work. Later, the last pods (the retries of the killed ones among them) can all end
 * between two looks of the watcher: a member pod to kill would be gone, and the run could end
 * before the watcher saw the point of an outage (the run's status can come before the Job's count).
 */
export function planSoak(seed: number, runs: number, members = 51, parallelism = 0): RunPlan[] {
  if (runs < OPERATOR_KILLS)
    throw new RangeError(`a soak needs at least ${OPERATOR_KILLS} runs, got ${runs}`);
  const random = seededRandom(seed);
  const low = Math.max(1, Math.round(WINDOW_SHARE[0] * members));
  const WINDOW: [number, number] = [
    low,
    Math.max(low, Math.min(Math.round(WINDOW_SHARE[1] * members), members - parallelism)),
  ];
  const between = ([low, high]: [number, number]) => low + Math.floor(random() * (high - low + 1));
  const outage = (): Outage => ({ at: between(WINDOW), downMs: between(DOWN_MS) });
  const operatorRuns = new Set<number>();
  while (operatorRuns.size < OPERATOR_KILLS) operatorRuns.add(between([0, runs - 1]));
  const minioRun = between([0, runs - 1]);
  return Array.from({ length: runs }, (_, index) => {
    const layout: Layout = index % 3 === 2 ? "both" : "members";
    const podKills = Array.from({ length: between(POD_KILLS) }, () => between(WINDOW)).sort((a, b) => a - b);
    return {
      index,
      layout,
      podKills,
      ...(operatorRuns.has(index) ? { operator: outage() } : {}),
      ...(index === minioRun ? { minio: outage() } : {}),
      killCommit: layout === "both" && random() < 0.5,
    };
  });
}
