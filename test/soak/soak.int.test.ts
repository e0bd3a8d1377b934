/**
 * The chaos soak (issue 13, `scenario.ts`): consecutive runs of the mini mirror's members
 * through the operator while member pods, commit pods, the operator (twice) and MinIO (once) are
 * SIGKILLed, with 20 ms of latency and 5% `503 SlowDown` on every request of the pods. Every run
 * must end Succeeded, every store be whole and pass `gik verify --sample all` and every member store
 * be byte for byte the first run's (same inputs, so faults change nothing), each run have its
 * one members' Job (and its one commit Job), and no more Events than its transitions.
 *
 * `npm test` runs 3 runs of 12 members (a run of 51 takes over two minutes on the 2-core test
 * machine, so 3 would not fit the short version's 5 minutes; the 51-member run through the operator
 * is the end-to-end test's); `npm run soak` runs 20 runs of all 51 and writes `docs/reliability.md`.
 * Settings: `GIK_SOAK_RUNS`, `GIK_SOAK_MEMBERS`, `GIK_SOAK_SEED` (default: a fresh one, printed),
 * `GIK_SOAK_PARALLELISM`, `GIK_SOAK_REPORT` (a file to write the counts to).
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { ALL_MEMBERS } from "../../job-image/src/api/index.js";
import { freshSeed } from "./chaos-plan.js";
import { writeReport } from "./report.js";
import { expectedEvents, type RunOutcome, type Soak, startSoak } from "./scenario.js";

const infra = inject("infra");
const env = process.env;
const runs = Number(env.GIK_SOAK_RUNS ?? 3);
const seed = Number(env.GIK_SOAK_SEED ?? freshSeed());
const parallelism = Number(env.GIK_SOAK_PARALLELISM ?? 8);
const members = ALL_MEMBERS.slice(0, Number(env.GIK_SOAK_MEMBERS ?? 12));
const log = (line: string) => console.log(line);
let soak: Soak;

beforeAll(async () => {
  log(`soak: ${runs} runs, seed ${seed} (GIK_SOAK_SEED=${seed} repeats it), parallelism ${parallelism}`);
  soak = await startSoak(infra, seed, log);
});
afterAll(async () => {
  await soak?.close();
});

/** Asserts what a run showed; the first bad run fails the soak. */
function judge(o: RunOutcome): void {
  const what = `run ${o.plan.index + 1} (${o.namespace}, seed ${seed})`;
  expect(o.run.status?.phase, `${what}: ${JSON.stringify(o.run.status?.failedMemberNames)}`).toBe(
    "Succeeded",
  );
  expect(o.run.status).toMatchObject({
    completedMembers: members.length,
    failedMembers: 0,
    totalMembers: members.length,
  });
  const names = o.jobsCreated.map((j) => j.split("/")[0]);
  expect(names.sort(), `${what}: Jobs created ${o.jobsCreated.join(", ")}`).toEqual(
    [...o.jobsExpected].sort(),
  );
  const bound = expectedEvents(o.plan.layout);
  expect(o.events.length, `${what}: Events ${o.events.join(", ")}`).toBeLessThanOrEqual(bound.length);
  expect(o.storeProblems, what).toEqual([]);
  expect(o.differingFromFirst, `${what}: member stores byte for byte the first run's`).toEqual([]);
}

it(`${runs} runs of ${members.length} members under chaos: each Succeeded, every store whole and verified, one Job each, Events bounded`, {
  timeout: runs * 600_000,
}, async () => {
  const counts = await soak.run({ runs, seed, members, parallelism, log }, judge);
  log(
    `soak counts: runs ${counts.runs}, pods killed ${counts.podsKilled} (+${counts.commitPodsKilled} commit), ` +
      `retries ${counts.retries}, restarts ${counts.operatorRestarts} operator + ${counts.minioRestarts} MinIO, ` +
      `faults injected ${counts.faultsInjected} (${counts.slowDowns} SlowDown of ${counts.requests} requests), ` +
      `Events per run at most ${counts.eventsPerRunMax}, ${counts.storesChecked} stores verified, ${counts.wallSeconds} s, seed ${seed}`,
  );
  expect(counts.operatorRestarts).toBe(2);
  expect(counts.minioRestarts).toBe(1);
  expect(counts.podsKilled).toBeGreaterThanOrEqual(runs);
  expect(counts.slowDowns).toBeGreaterThan(0.03 * counts.requests);
  if (env.GIK_SOAK_REPORT) await writeReport(env.GIK_SOAK_REPORT, counts, { parallelism });
});
