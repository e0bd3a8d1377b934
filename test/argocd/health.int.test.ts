/**
 * The Argo CD health checks of `argocd/health/gik.dev/{EcmwfRun,TemplateBuild,EcmwfSchedule}/health.lua`,
 * run by Debian's Lua 5.1 (Argo CD's dialect) and 5.4 on statuses the operator writes: a run's or
 * build's is computed by the operator's own pure `computeRunStatus` / `computeTemplateBuildStatus`
 * from a run, its Job as the Job controller leaves it, its pods and the checks' verdict — the same
 * code path as the reconciler; a schedule's is written by its reconciler itself, on the fake
 * cluster. `test/helm/operator.int.test.ts` runs the first two on statuses of a live cluster too.
 */
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type {
  EcmwfRun,
  EcmwfSchedule,
  EcmwfScheduleSpec,
  RunPhase,
  TemplateBuild,
} from "../../job-image/src/api/index.js";
import { checkRun } from "../../operator/src/reconcilers/ecmwf-run/checks.js";
import { desiredCommitJob } from "../../operator/src/reconcilers/ecmwf-run/desired-commit-job.js";
import { desiredJob } from "../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { computeRunStatus } from "../../operator/src/reconcilers/ecmwf-run/status.js";
import { ecmwfScheduleReconciler } from "../../operator/src/reconcilers/ecmwf-schedule/reconcile.js";
import { checkTemplateBuild } from "../../operator/src/reconcilers/template-build/checks.js";
import { desiredTemplateBuildJob } from "../../operator/src/reconcilers/template-build/desired-job.js";
import { computeTemplateBuildStatus } from "../../operator/src/reconcilers/template-build/status.js";
import { FakeClock } from "../operator/helpers/fake-clock.js";
import { FakeCluster } from "../operator/helpers/fake-cluster.js";
import {
  defaults,
  partiallySucceededRun,
  run,
  schedule,
  scheduledRun,
  templateBuild,
  withJobStatus,
} from "../operator/helpers/objects.js";
import { type Health, LUA_INTERPRETERS, runHealth } from "./lua.js";

const script = (kind: string) =>
  fileURLToPath(new URL(`../../argocd/health/gik.dev/${kind}/health.lua`, import.meta.url));
const NOW = new Date("2025-01-01T06:30:00Z");
const MEMBERS = ["control", "ens01", "ens02"];
const TEMPLATES = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };
const ended = (type: "Complete" | "Failed") => ({
  conditions: [
    {
      type,
      status: "True",
      reason: type === "Failed" ? "FailedIndexes" : "",
      message: "",
      lastTransitionTime: NOW,
    },
  ],
  completionTime: type === "Complete" ? NOW : undefined,
});

/** `r` with the status the operator computes from its Job (with `jobStatus`), pods and `tb`. */
function observed(r: EcmwfRun, jobStatus?: object, tb?: TemplateBuild): EcmwfRun {
  const job = jobStatus ? withJobStatus(desiredJob(r, TEMPLATES, defaults), jobStatus) : undefined;
  const verdict = checkRun({ run: r, templateBuild: tb, job, defaults });
  return { ...r, status: computeRunStatus(r, job, [], verdict, NOW) };
}

const threeMembers = () => run({ members: MEMBERS });
const ensembleRun = () => run({ members: MEMBERS, layout: "ensemble" });

/** An ensemble run whose members are done, and whose commit Job has `commitStatus` (none: not made yet). */
function committing(commitStatus?: object): EcmwfRun {
  const r = ensembleRun();
  const job = withJobStatus(desiredJob(r, TEMPLATES, defaults), {
    startTime: NOW,
    completedIndexes: "0-2",
    ...ended("Complete"),
  });
  const commit = commitStatus && withJobStatus(desiredCommitJob(r, job, [], defaults)!, commitStatus);
  const verdict = checkRun({ run: r, job, defaults });
  return { ...r, status: computeRunStatus(r, job, [], verdict, NOW, { job: commit, pods: [] }) };
}
const partial = partiallySucceededRun();
const tbIn = (phase: "Running" | "Failed") => templateBuild({}, { phase, observedGeneration: 1 });

const runCases: [string, EcmwfRun, Health["status"], RegExp][] = [
  ["not yet seen by the operator", threeMembers(), "Progressing", /Waiting for the gik operator/],
  [
    "a spec change not yet seen",
    { ...observed(threeMembers()), metadata: { ...threeMembers().metadata, generation: 2 } },
    "Progressing",
    /generation 2/,
  ],
  [
    "waiting for a TemplateBuild being built",
    observed(threeMembers(), undefined, tbIn("Running")),
    "Progressing",
    /TemplateBuild tb-20240529 is Running/,
  ],
  ["waiting for a TemplateBuild that does not exist", observed(threeMembers()), "Suspended", /not found/],
  [
    "waiting for a TemplateBuild that failed",
    observed(threeMembers(), undefined, tbIn("Failed")),
    "Suspended",
    /tb-20240529 failed/,
  ],
  [
    "running, one member done",
    observed(threeMembers(), { startTime: NOW, active: 2, completedIndexes: "0" }),
    "Progressing",
    /Running: 1\/3 members succeeded/,
  ],
  [
    "queued: its Job waits for admission by its queue",
    (() => {
      const r = run({ members: MEMBERS, queueName: "forecasts" });
      const job = withJobStatus(desiredJob(r, TEMPLATES, defaults), {});
      job.spec!.suspend = true;
      return { ...r, status: computeRunStatus(r, job, [], checkRun({ run: r, job, defaults }), NOW) };
    })(),
    "Progressing",
    /^Queued: 0\/3 members succeeded; Job er-run-20250101 waits for admission by its queue$/,
  ],
  [
    "members done, the commit Job about to be made",
    committing(),
    "Progressing",
    /^Running: 3\/3 members succeeded; Job erc-run-20250101 is about to commit/,
  ],
  [
    "members done, committing the ensemble store",
    committing({ startTime: NOW, active: 1 }),
    "Progressing",
    /^Running: 3\/3 members succeeded; Job erc-run-20250101 commits the ensemble store$/,
  ],
  [
    "committed",
    committing({ startTime: NOW, completedIndexes: "0", ...ended("Complete") }),
    "Healthy",
    /^3\/3 members succeeded$/,
  ],
  [
    "the commit failed for good",
    committing({ startTime: NOW, failedIndexes: "0", ...ended("Failed") }),
    "Degraded",
    /^Failed: 3\/3 members succeeded; Job erc-run-20250101: /,
  ],
  [
    "succeeded",
    observed(threeMembers(), { startTime: NOW, completedIndexes: "0-2", succeeded: 3, ...ended("Complete") }),
    "Healthy",
    /^3\/3 members succeeded$/,
  ],
  [
    "partially succeeded (a member killed, no retries left)",
    {
      ...partial.run,
      status: computeRunStatus(
        partial.run,
        partial.job,
        partial.pods,
        checkRun({ run: partial.run, job: partial.job, defaults }),
        NOW,
      ),
    },
    "Degraded",
    /PartiallySucceeded: 2\/3 members succeeded; failed members: ens02/,
  ],
  [
    "failed (every member's input bad)",
    observed(threeMembers(), { startTime: NOW, failedIndexes: "0-2", failed: 3, ...ended("Failed") }),
    "Degraded",
    /Failed: 0\/3 members succeeded; failed members: control, ens01, ens02/,
  ],
  [
    "stalled (no output anywhere)",
    observed(run({ members: MEMBERS, output: undefined })),
    "Degraded",
    /Stalled: spec.output/,
  ],
];

function observedBuild(jobStatus?: object): TemplateBuild {
  const tb = templateBuild({ shards: 2 });
  const job = jobStatus ? withJobStatus(desiredTemplateBuildJob(tb, defaults), jobStatus) : undefined;
  return {
    ...tb,
    status: computeTemplateBuildStatus(tb, job, checkTemplateBuild({ templateBuild: tb }), NOW),
  };
}

const buildCases: [string, TemplateBuild, Health["status"], RegExp][] = [
  ["not yet seen by the operator", templateBuild(), "Progressing", /Waiting for the gik operator/],
  ["running", observedBuild({ startTime: NOW, active: 2 }), "Progressing", /Running: 0\/2 shards succeeded/],
  [
    "succeeded",
    observedBuild({ startTime: NOW, completedIndexes: "0-1", ...ended("Complete") }),
    "Healthy",
    /Templates ready: s3:\/\/gik-templates\/20240529/,
  ],
  [
    "a shard failed",
    observedBuild({ startTime: NOW, completedIndexes: "0", failedIndexes: "1", ...ended("Failed") }),
    "Degraded",
    /Failed: 1\/2 shards succeeded; failed shards: shard 1/,
  ],
];

/**
 * The schedule with `spec` (from 20250101) and runs of the given cycles in the given phases, as its
 * reconciler leaves it at 2025-01-01T18:30Z (cycles up to 12 z due; the newest run is the cursor).
 */
async function reconciledSchedule(
  spec: Partial<EcmwfScheduleSpec>,
  runs: [string, RunPhase | undefined][] = [],
): Promise<EcmwfSchedule> {
  const cluster = new FakeCluster();
  const clock = new FakeClock(Date.parse("2025-01-01T18:30:00Z"));
  const es = schedule(spec);
  cluster.schedules.put(es);
  for (const [stamp, phase] of runs) cluster.runs.put(scheduledRun(es, stamp, phase));
  const reconcile = ecmwfScheduleReconciler({
    caches: cluster,
    api: cluster.api,
    events: cluster.sink,
    clock,
    defaults,
    log: pino({ level: "silent" }),
  });
  await reconcile({ namespace: "gik", name: "ens" });
  return cluster.schedules.get("ens", "gik")!;
}

const scheduleCases: [string, () => Promise<EcmwfSchedule>, Health["status"], RegExp][] = [
  ["not yet seen by the operator", async () => schedule(), "Progressing", /Waiting for the gik operator/],
  [
    "a spec change not yet seen",
    async () => {
      const es = await reconciledSchedule({});
      return { ...es, metadata: { ...es.metadata, generation: 2 } };
    },
    "Progressing",
    /generation 2/,
  ],
  [
    "making runs, none ended yet",
    () => reconciledSchedule({}, [["2025010112", "Running"]]),
    "Healthy",
    /^1 active; next cycle 2025010118, due at 2025-01-02T00:00:00Z$/,
  ],
  [
    "making runs, the latest ended run succeeded",
    () =>
      reconciledSchedule({}, [
        ["2025010106", "Failed"],
        ["2025010112", "Succeeded"],
      ]),
    "Healthy",
    /^0 active; next cycle 2025010118/,
  ],
  [
    "a due cycle waiting for an active run (Forbid)",
    () => reconciledSchedule({ concurrencyPolicy: "Forbid" }, [["2025010106", undefined]]),
    "Progressing",
    /^WaitingForActiveRun: /,
  ],
  [
    "the latest ended run partially succeeded",
    () =>
      reconciledSchedule({}, [
        ["2025010106", "Succeeded"],
        ["2025010112", "PartiallySucceeded"],
      ]),
    "Degraded",
    /Latest run ended badly: run ens-2025010112 partially succeeded/,
  ],
  ["suspended", () => reconciledSchedule({ suspend: true }), "Suspended", /Suspended/],
  [
    "stalled (a spec the CRD would refuse)",
    () => reconciledSchedule({ maxBackfill: 0 }),
    "Degraded",
    /Stalled: spec.maxBackfill/,
  ],
];

describe.each(LUA_INTERPRETERS)("Argo CD health in %s", (lua) => {
  it.each(scheduleCases)("EcmwfSchedule %s", async (_name, make, status, message) => {
    const health = await runHealth(lua, script("EcmwfSchedule"), await make());
    expect(health.status).toBe(status);
    expect(health.message).toMatch(message);
  });

  it.each(runCases)("EcmwfRun %s", async (_name, obj, status, message) => {
    const health = await runHealth(lua, script("EcmwfRun"), obj);
    expect(health.status).toBe(status);
    expect(health.message).toMatch(message);
  });

  it.each(buildCases)("TemplateBuild %s", async (_name, obj, status, message) => {
    const health = await runHealth(lua, script("TemplateBuild"), obj);
    expect(health.status).toBe(status);
    expect(health.message).toMatch(message);
  });

  it("keeps a message's non-ASCII bytes and quotes as they are", async () => {
    const r = observed(run({ members: MEMBERS, output: undefined }));
    const stalled = r.status!.conditions!.find((c) => c.type === "Stalled")!;
    stalled.message = 'spec.output: "ünknown" \\ 50°N\n';
    const health = await runHealth(lua, script("EcmwfRun"), r);
    expect(health.message).toBe(`Stalled: ${stalled.message}`);
  });
});
