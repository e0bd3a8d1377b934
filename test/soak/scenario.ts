/**
 * The chaos soak of issue 13: consecutive EcmwfRuns of the mini mirror's members through the
 * operator (its own process) and the pod runner (each pod a real `gik` process), while the plan of
 * `chaos-plan.ts` SIGKILLs member pods, commit pods, the operator and MinIO, and every request of
 * the pods goes through 20 ms of latency and a 5% share of `503 SlowDown` (`faulty-s3.ts`).
 *
 * Each run has its own namespace, so its Jobs, pods, Events and stores are its own. What a run
 * shows afterwards is returned as a {@link RunOutcome} for the caller to judge, run by run (a test
 * fails at the first bad run, not after all of them); the counts of the whole soak come at the end.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { EcmwfRun } from "../../job-image/src/api/index.js";
import type { Store } from "../../job-image/src/storage/types.js";
import { gikS3Env, runGik } from "../helpers/gik-cli.js";
import type { InfraEndpoints } from "../infra/endpoints.js";
import { killPodProcess, runningPods } from "../infra/pod-runner-control.js";
import { seededRandom } from "../infra/slowdown-proxy.js";
import { type E2e, MIRROR_BUCKET, OUT_BUCKET, setUpE2e, TEMPLATES_BUCKET } from "../operator/e2e/harness.js";
import { watchJobsAdded } from "../operator/e2e/job-watch.js";
import { COMMIT_JOB, ecmwfRun, outputOf, RUN, RUN_JOB } from "../operator/e2e/manifests.js";
import { eventsOf } from "../operator/e2e/run-status.js";
import { compareTrees } from "../operator/e2e/stores.js";
import { type Layout, planSoak, type RunPlan } from "./chaos-plan.js";
import { type FaultyS3, startFaultyS3 } from "./faulty-s3.js";
import { storeOpener, storeProblems } from "./store-checks.js";

/** Latency and SlowDown share of the pods' path to MinIO (issue 13). */
export const LATENCY_MS = 20;
export const SLOWDOWN_SHARE = 0.05;
/** A run that has not ended by then is a failure of the soak, not a slow machine. */
const RUN_TIMEOUT_MS = 600_000;
/** Stores checked at once: each check is mostly waiting on MinIO. */
const CHECKS_AT_ONCE = 4;
const TEMPLATES = { store: `s3://${TEMPLATES_BUCKET}/soak/20240529`, referenceDate: "20240529" };
/** The 06 UTC runs of the mirror: 49 steps where 00 UTC has 85, so that a run of 51 members is short. */
export const CYCLE = 6;

export interface SoakOptions {
  runs: number;
  seed: number;
  /** Members of each run, in index order (`spec.members`). */
  members: readonly string[];
  /** Member pods at once (`spec.parallelism`). */
  parallelism: number;
  log: (line: string) => void;
}

/** What one run showed once it ended. */
export interface RunOutcome {
  plan: RunPlan;
  namespace: string;
  run: EcmwfRun;
  /** Every Job created in the run's namespace, as `name/uid`, in order. */
  jobsCreated: string[];
  /** The Jobs a run of this layout has: the members' Job, and the commit Job with layout `both`. */
  jobsExpected: string[];
  /** Reasons of the run's Events, oldest first. */
  events: string[];
  podsKilled: number;
  commitKilled: boolean;
  operatorRestarted: boolean;
  minioRestarted: boolean;
  /** Pods that failed and were replaced: the Jobs' `status.failed`, summed. */
  retries: number;
  /** Stores checked: whole (`.zmetadata` and every record file) and `gik verify --sample all`. */
  storesChecked: number;
  storeProblems: string[];
  /**
   * Member stores whose bytes differ from the first run's (all runs read the same mirror objects
   * and templates, so faults must change nothing), or are missing; empty for the first run.
   */
  differingFromFirst: string[];
  /** From the apply to the run's end, and then the checks of its stores. */
  runSeconds: number;
  checkSeconds: number;
}

export interface SoakCounts {
  seed: number;
  runs: number;
  /** Members of each run. */
  members: number;
  podsKilled: number;
  commitPodsKilled: number;
  retries: number;
  operatorRestarts: number;
  minioRestarts: number;
  /** Requests through the SlowDown proxy, and how many it answered `503 SlowDown`. */
  requests: number;
  slowDowns: number;
  /** Every fault: pods, operator and MinIO killed, SlowDown answers. */
  faultsInjected: number;
  eventsPerRunMax: number;
  storesChecked: number;
  wallSeconds: number;
}

/** The Events a run that succeeded goes through, one per status transition, each once. */
export function expectedEvents(layout: Layout): string[] {
  const members = ["JobCreated", "Running", "Succeeded"];
  return layout === "both" ? [...members, "CommitStarted", "Committed"] : members;
}

export interface Soak {
  run(options: SoakOptions, judge: (outcome: RunOutcome) => void): Promise<SoakCounts>;
  close(): Promise<void>;
}

/**
 * Sets up the soak: its MinIO with the faulty path in front, the mirror uploaded, the operator
 * running (`setUpE2e`), and the templates of 20240529 built once with `gik templates build`.
 */
export async function startSoak(
  infra: InfraEndpoints,
  seed: number,
  log: (line: string) => void,
): Promise<Soak> {
  const s3 = await startFaultyS3(infra, { latencyMs: LATENCY_MS, slowDownShare: SLOWDOWN_SHARE, seed, log });
  let e2e: E2e | undefined;
  try {
    e2e = await setUpE2e(infra, "soak", { s3: s3.direct, cycle: CYCLE });
    const built = await runGik(
      [
        ...["templates", "build", "--date", TEMPLATES.referenceDate, "--cycle", String(CYCLE)],
        ...["--source", `s3://${MIRROR_BUCKET}`, "--store", TEMPLATES.store],
      ],
      gikS3Env(s3.direct),
    );
    if (built.code !== 0) throw new Error(`gik templates build failed:\n${built.stderr.slice(-2000)}`);
  } catch (err) {
    await e2e?.close();
    await s3.close();
    throw err;
  }
  const ready = e2e;
  return {
    run: (options, judge) => soak(ready, s3, options, judge),
    close: async () => {
      await ready.close();
      await s3.close();
    },
  };
}

async function soak(
  e2e: E2e,
  s3: FaultyS3,
  options: SoakOptions,
  judge: (outcome: RunOutcome) => void,
): Promise<SoakCounts> {
  const started = Date.now();
  const plans = planSoak(options.seed, options.runs, options.members.length, options.parallelism);
  const open = storeOpener(s3.direct, [`s3://${MIRROR_BUCKET}`]);
  const outcomes: RunOutcome[] = [];
  for (const plan of plans) {
    const outcome = await oneRun(e2e, s3, open, plan, options, outcomes[0]?.namespace);
    outcomes.push(outcome);
    options.log(describe(outcome, plans.length));
    judge(outcome);
  }
  const proxy = await s3.slowDowns();
  const sum = (f: (o: RunOutcome) => number) => outcomes.reduce((n, o) => n + f(o), 0);
  const counts = {
    seed: options.seed,
    members: options.members.length,
    runs: outcomes.length,
    podsKilled: sum((o) => o.podsKilled),
    commitPodsKilled: sum((o) => Number(o.commitKilled)),
    retries: sum((o) => o.retries),
    operatorRestarts: sum((o) => Number(o.operatorRestarted)),
    minioRestarts: sum((o) => Number(o.minioRestarted)),
    requests: proxy.requests,
    slowDowns: proxy.slowDowns,
    eventsPerRunMax: Math.max(...outcomes.map((o) => o.events.length)),
    storesChecked: sum((o) => o.storesChecked),
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  const faultsInjected =
    counts.podsKilled +
    counts.commitPodsKilled +
    counts.operatorRestarts +
    counts.minioRestarts +
    counts.slowDowns;
  return { ...counts, faultsInjected };
}

/** One run under the chaos of `plan`, from apply to the checks of its stores. */
async function oneRun(
  e2e: E2e,
  s3: FaultyS3,
  open: (root: string) => Store,
  plan: RunPlan,
  options: SoakOptions,
  firstNamespace: string | undefined,
): Promise<RunOutcome> {
  const started = Date.now();
  const ns = await e2e.namespace(`gik-soak-${plan.index}`, s3.faulty);
  const jobs = await watchJobsAdded(e2e.infra.kube.kubeconfig, ns);
  const commits = plan.layout === "both";
  const collection = { url: `${outputOf(ns)}/collection` };
  try {
    await e2e.apply(
      `soak-${plan.index}.yaml`,
      ecmwfRun(ns, {
        cycle: CYCLE,
        templates: TEMPLATES,
        members: [...options.members],
        parallelism: options.parallelism,
        ...(commits ? { layout: "both" as const, collection } : {}),
      }),
    );
    const chaos = await unleash(e2e, s3, ns, plan, seededRandom(options.seed + plan.index));
    const run = chaos.run;
    const runEnd = Date.now();
    const finalJobs = await e2e.jobs(ns);
    const events = (await eventsOf(e2e.kubectl, ns, RUN)).map((e) => e.reason ?? "");
    const prefix = `${ns}/20250101/0${CYCLE}z`;
    const roots = [
      ...options.members.map((m) => `${prefix}/${m}.parquet`),
      ...(commits ? [`${prefix}/ensemble.parquet`, `${ns}/collection`] : []),
    ];
    const problems = await checkStores(e2e, open, roots, options.members.length);
    const differingFromFirst =
      firstNamespace === undefined
        ? []
        : await memberStoresDiffering(e2e, `${firstNamespace}/20250101/0${CYCLE}z`, prefix);
    return {
      plan,
      namespace: ns,
      run,
      jobsCreated: jobs.map((j) => `${j.name}/${j.uid}`),
      jobsExpected: commits ? [RUN_JOB, COMMIT_JOB] : [RUN_JOB],
      events,
      podsKilled: chaos.podsKilled,
      commitKilled: chaos.commitKilled,
      operatorRestarted: chaos.operatorRestarted,
      minioRestarted: chaos.minioRestarted,
      retries: finalJobs.reduce((n, j) => n + (j.status?.failed ?? 0), 0),
      storesChecked: roots.length,
      storeProblems: problems,
      differingFromFirst,
      runSeconds: Math.round((runEnd - started) / 1000),
      checkSeconds: Math.round((Date.now() - runEnd) / 1000),
    };
  } finally {
    jobs.stop();
  }
}

const ended = (run?: EcmwfRun) =>
  ["Succeeded", "PartiallySucceeded", "Failed"].includes(run?.status?.phase ?? "");
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Watches run `RUN` of `ns` until it ends, doing each fault of `plan` once its point is reached;
 * `random` picks the pods. Returns the ended run and what was done.
 *
 * The operator's and MinIO's outages go on beside the watch, not in it: a run of 12 members takes
 * about 20 s, and a watch that paused for an outage's seconds found every member pod of its plan
 * ended when it looked again, so the kill planned at the same point never happened. The run is
 * returned only once its outages are over, so that its checks read a MinIO that is up.
 */
async function unleash(e2e: E2e, s3: FaultyS3, ns: string, plan: RunPlan, random: () => number) {
  const { controlUrl, podLogs } = e2e.infra.kube.podRunner;
  const pendingKills = [...plan.podKills];
  const killedIndexes = new Set<number>();
  const outages: Promise<void>[] = [];
  const outageFailures: unknown[] = [];
  const outage = (restart: () => Promise<void>) => {
    outages.push(restart().catch((error: unknown) => void outageFailures.push(error)));
  };
  let operatorRestarted = false;
  let minioRestarted = false;
  let commitKilled = false;
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    if (outageFailures.length > 0) throw outageFailures[0];
    const run = await e2e.run(ns, RUN).catch(() => undefined);
    if (run && ended(run)) {
      await Promise.all(outages);
      if (outageFailures.length > 0) throw outageFailures[0];
      return { run, podsKilled: killedIndexes.size, commitKilled, operatorRestarted, minioRestarted };
    }
    if (Date.now() > deadline) throw new Error(`${ns}/${RUN} did not end in ${RUN_TIMEOUT_MS / 1000} s`);
    const done = (await e2e.jobs(ns)).find((j) => j.metadata?.name === RUN_JOB)?.status?.succeeded ?? 0;

    const running = (await runningPods(controlUrl))
      .filter((p) => p.startsWith(`${ns}/`))
      .map((p) => p.slice(ns.length + 1));
    while (pendingKills.length > 0 && done >= pendingKills[0]!) {
      const candidates = running.filter((pod) => {
        const index = memberIndex(pod);
        return index !== undefined && !killedIndexes.has(index);
      });
      if (candidates.length === 0) break;
      const victim = candidates[Math.floor(random() * candidates.length)]!;
      if (!(await killPodProcess(controlUrl, ns, victim, "SIGKILL"))) break;
      killedIndexes.add(memberIndex(victim)!);
      pendingKills.shift();
    }
    const { operator: operatorPlan, minio: minioPlan } = plan;
    if (operatorPlan && !operatorRestarted && done >= operatorPlan.at) {
      operatorRestarted = true;
      outage(async () => {
        const operator = e2e.operator();
        operator.kill("SIGKILL");
        await operator.exited;
        await pause(operatorPlan.downMs);
        await e2e.startOperator();
      });
    }
    if (minioPlan && !minioRestarted && done >= minioPlan.at) {
      minioRestarted = true;
      outage(async () => {
        s3.killMinio();
        await pause(minioPlan.downMs);
        await s3.restartMinio();
      });
    }
    if (plan.killCommit && !commitKilled) {
      const commit = running.find((pod) => pod.startsWith(`${COMMIT_JOB}-`));
      // Once its process is at work, not while Node is still loading.
      const stderr = commit
        ? await readFile(join(podLogs, ns, commit, "stderr"), "utf8").catch(() => "")
        : "";
      if (commit && stderr.includes('"msg":') && (await killPodProcess(controlUrl, ns, commit, "SIGKILL")))
        commitKilled = true;
    }
    await pause(300);
  }
}

/** The completion index of a members' pod (`er-<run>-<index>-<suffix>`), else undefined. */
function memberIndex(pod: string): number | undefined {
  const match = new RegExp(`^${RUN_JOB}-(\\d+)-`).exec(pod);
  return match ? Number(match[1]) : undefined;
}

/** Checks `roots` of the output bucket, a few at once; returns every problem found. */
/** Keys of the member stores under `first` that are missing or other bytes under `second`. */
async function memberStoresDiffering(e2e: E2e, first: string, second: string): Promise<string[]> {
  const diff = await compareTrees(e2e.s3, OUT_BUCKET, first, second);
  const member = (key: string) => !key.startsWith("ensemble.");
  return [...diff.onlyInFirst.filter(member).map((k) => `${k} (missing)`), ...diff.differing.filter(member)];
}

async function checkStores(
  e2e: E2e,
  open: (root: string) => Store,
  roots: readonly string[],
  members: number,
): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < roots.length) {
      const root = roots[next++]!;
      problems.push(
        ...(await storeProblems(e2e.s3, open, OUT_BUCKET, root, members).catch((err) => [`${root}: ${err}`])),
      );
    }
  };
  await Promise.all(Array.from({ length: CHECKS_AT_ONCE }, worker));
  return problems;
}

/** One line per run for the log. */
function describe(o: RunOutcome, runs: number): string {
  const faults = [
    `${o.podsKilled} member pods killed`,
    ...(o.commitKilled ? ["the commit pod killed"] : []),
    ...(o.operatorRestarted ? ["operator killed and restarted"] : []),
    ...(o.minioRestarted ? ["MinIO killed and restarted"] : []),
  ];
  return (
    `soak run ${o.plan.index + 1}/${runs} (${o.namespace}, layout ${o.plan.layout}): ${o.run.status?.phase} in ${o.runSeconds} s; ` +
    `${faults.join(", ")}; ${o.retries} retries; ${o.events.length} Events; ` +
    `${o.storesChecked} stores checked in ${o.checkSeconds} s, ${o.storeProblems.length} problems`
  );
}
