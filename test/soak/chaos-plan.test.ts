import { describe, expect, it } from "vitest";
import { OPERATOR_KILLS, planSoak } from "./chaos-plan.js";

describe("planSoak", () => {
  it("is the same plan for the same seed, and another for another seed", () => {
    expect(planSoak(7, 20)).toEqual(planSoak(7, 20));
    expect(planSoak(7, 20)).not.toEqual(planSoak(8, 20));
  });

  it("kills the operator twice in two runs and MinIO once, for any seed", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const plan = planSoak(seed, 3);
      expect(plan.filter((r) => r.operator)).toHaveLength(OPERATOR_KILLS);
      expect(plan.filter((r) => r.minio)).toHaveLength(1);
    }
  });

  it("kills 1 to 4 member pods per run, once 3 to 40 members are done, outages of 1 to 3 s", () => {
    for (let seed = 1; seed <= 200; seed++) {
      for (const run of planSoak(seed, 5)) {
        expect(run.podKills.length).toBeGreaterThanOrEqual(1);
        expect(run.podKills.length).toBeLessThanOrEqual(4);
        expect(run.podKills).toEqual([...run.podKills].sort((a, b) => a - b));
        for (const at of [...run.podKills, run.operator?.at ?? 3, run.minio?.at ?? 3]) {
          expect(at).toBeGreaterThanOrEqual(3);
          expect(at).toBeLessThanOrEqual(40);
        }
        for (const down of [run.operator?.downMs ?? 1000, run.minio?.downMs ?? 1000]) {
          expect(down).toBeGreaterThanOrEqual(1000);
          expect(down).toBeLessThanOrEqual(3000);
        }
      }
    }
  });

  /** The points of every fault (pod kills and outages) in 100 soaks of 5 runs of `members`. */
  const faultPoints = (members: number, parallelism?: number) =>
    Array.from({ length: 100 }, (_, seed) => planSoak(seed, 5, members, parallelism))
      .flat()
      .flatMap((run) => [
        ...run.podKills,
        ...(run.operator ? [run.operator.at] : []),
        ...(run.minio ? [run.minio.at] : []),
      ]);

  it("places every fault while a whole wave of pods still runs: once 1 to 4 of 12 are done, 8 at once", () => {
    const ats = faultPoints(12, 8);
    expect(Math.min(...ats)).toBe(1);
    expect(Math.max(...ats)).toBe(4);
  });

  it("places faults within a smaller run's members: once 1 to 9 of 12 are done", () => {
    const ats = faultPoints(12);
    expect(Math.min(...ats)).toBe(1);
    expect(Math.max(...ats)).toBe(9);
  });

  it("commits every third run, and kills only those runs' commit pods", () => {
    const plans = Array.from({ length: 50 }, (_, seed) => planSoak(seed, 20)).flat();
    for (const run of plans) {
      expect(run.layout).toBe(run.index % 3 === 2 ? "both" : "members");
      if (run.layout === "members") expect(run.killCommit).toBe(false);
    }
    const commits = plans.filter((r) => r.layout === "both");
    expect(commits.some((r) => r.killCommit)).toBe(true);
    expect(commits.some((r) => !r.killCommit)).toBe(true);
  });

  it("refuses fewer runs than operator kills", () => {
    expect(() => planSoak(1, 1)).toThrow(/at least 2 runs/);
  });
});
