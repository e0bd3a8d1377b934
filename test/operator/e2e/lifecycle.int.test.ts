/**
 * The operator's behaviour over a run's life, end to end on the real control plane (issue 4): the
 * operator is its own process acting as its service account, the Job pods are real `gik`
 * processes run by the pod runner, the mirror and the stores are in MinIO. Each scenario has its
 * namespace and a few members:
 *
 * - a run applied before its TemplateBuild waits (`TemplatesReady=False`, never failed), then runs;
 * - one member's input is corrupt, in a run of two members per pod (`membersPerPod`): its share's
 *   index fails once, without retries (exit 2 and the Job's podFailurePolicy), the member sharing
 *   its pod and the others succeed, the run is PartiallySucceeded and names the member and its
 *   error in status and in an Event;
 * - a pod killed by a signal mid-run is retried, for that index only;
 * - the operator is SIGKILLed and restarted during a run: the run completes, exactly one Job ever
 *   existed for it, and its status is complete and correct;
 * - a run of layout `both` with a collection: its members' Job, then, once that has ended, its
 *   commit Job; the run Succeeded only then, naming its ensemble store and its slot in the
 *   collection, both published in MinIO, and `gik collection info` lists the run.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import type { EcmwfRun } from "../../../job-image/src/api/index.js";
import { gikS3Env, runGik } from "../../helpers/gik-cli.js";
import { listObjects } from "../../helpers/s3-objects.js";
import { killPodProcess, runningPods } from "../../infra/pod-runner-control.js";
import { until } from "../helpers/until.js";
import { uploadRunWithBrokenRange } from "./faults.js";
import { type E2e, OUT_BUCKET, setUpE2e } from "./harness.js";
import { watchJobsAdded } from "./job-watch.js";
import {
  COMMIT_JOB,
  ecmwfRun,
  outputOf,
  RUN,
  RUN_JOB,
  storeUrl,
  TEMPLATE_BUILD,
  templateBuild,
} from "./manifests.js";
import {
  condition,
  eventsOf,
  eventsWith,
  exitCode,
  expectSucceededRun,
  podsByIndex,
  took,
} from "./run-status.js";

const infra = inject("infra");
let e2e: E2e;

beforeAll(async () => {
  e2e = await setUpE2e(infra, "lifecycle");
});
afterAll(async () => {
  await e2e?.close();
});

const ended = (r: EcmwfRun) => ["Succeeded", "PartiallySucceeded", "Failed"].includes(r.status?.phase ?? "");
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A namespace for one scenario, with the operator's diagnosis printed if the test fails. */
async function scenario(prefix: string): Promise<string> {
  const ns = await e2e.namespace(prefix);
  onTestFailed(async () => console.error(await e2e.diagnose(ns)));
  return ns;
}

describe("an EcmwfRun over its life", () => {
  it("applied before its TemplateBuild, waits with TemplatesReady=False (not failed), then runs", async () => {
    const ns = await scenario("gik-e2e-wait");
    const members = ["control", "ens01", "ens02"];
    await e2e.apply("wait-run.yaml", ecmwfRun(ns, { members, parallelism: 3 }));

    const waiting = await e2e.waitForRun(ns, RUN, "TemplatesReady=False", (r) =>
      Boolean(condition(r, "TemplatesReady")),
    );
    expect(condition(waiting, "TemplatesReady")).toMatchObject({
      status: "False",
      reason: "TemplateBuildNotFound",
    });
    expect(waiting.status?.phase).toBe("Pending");
    // It keeps waiting: no Job, never failed.
    await pause(3_000);
    const still = await e2e.run(ns, RUN);
    expect(still.status?.phase).toBe("Pending");
    expect(condition(still, "Failed")?.status).not.toBe("True");
    expect(await e2e.jobs(ns)).toEqual([]);

    await e2e.apply("wait-templates.yaml", templateBuild(ns, { members }));
    const seen = new Set<string>();
    const done = await e2e.waitForRun(ns, RUN, "to end", (r) => {
      seen.add(`${r.status?.phase}/${condition(r, "TemplatesReady")?.reason}`);
      return ended(r);
    });
    console.log(`phase/TemplatesReady reason seen: ${[...seen].join(", ")}`);
    expect([...seen].some((s) => s.startsWith("Failed"))).toBe(false);
    expectSucceededRun(done, ns, members);
    expect(condition(done, "TemplatesReady")).toMatchObject({
      status: "True",
      reason: "TemplateBuildSucceeded",
    });
    const reasons = (await eventsOf(e2e.kubectl, ns, RUN)).map((e) => `${e.reason}: ${e.message}`);
    console.log(reasons.join("\n"));
    expect(reasons).toContain(`TemplatesNotReady: TemplateBuild ${TEMPLATE_BUILD} not found`);
    expect(reasons).toContain(`TemplatesReady: TemplateBuild ${TEMPLATE_BUILD} succeeded`);
    expect(reasons.filter((r) => r.startsWith("JobCreated"))).toEqual([`JobCreated: Created Job ${RUN_JOB}`]);
  });

  it("one member's corrupt index fails its share once, without retries: its share-mate and the others succeed, the member named", async () => {
    const ns = await scenario("gik-e2e-corrupt");
    const members = ["control", "ens01", "ens02", "ens03"];
    const bucket = "gik-e2e-corrupt";
    const broken = await uploadRunWithBrokenRange(e2e.s3, e2e.mirror, e2e.dir, bucket, {
      step: 48,
      number: 2,
      param: "2t",
    });
    // Two members per pod: index 0 maps control and ens01, index 1 ens02 (corrupt) and ens03.
    await e2e.apply(
      "corrupt.yaml",
      templateBuild(ns, { members }),
      ecmwfRun(ns, { members, parallelism: 2, membersPerPod: 2, source: `s3://${bucket}` }),
    );
    const done = await e2e.waitForRun(ns, RUN, "to end", ended);
    const table = (await e2e.kubectl(["get", "er", "-n", ns])).stdout;
    console.log(table);
    expect(table.trim().split("\n")[1]?.split(/\s+/).slice(0, 7)).toEqual([
      RUN,
      "20250101",
      "0",
      "PartiallySucceeded",
      "3",
      "1",
      "4",
    ]);
    expect(done.status).toMatchObject({
      phase: "PartiallySucceeded",
      completedMembers: 3,
      failedMembers: 1,
      failedMemberNames: ["ens02"],
    });
    const failed = done.status?.members?.ens02;
    console.log(`status.members.ens02: ${JSON.stringify(failed)}`);
    const where = `s3://${bucket}/${broken.key}:${broken.line} (2t:sfc:, member 2) reaches past the end`;
    expect(failed).toMatchObject({ phase: "Failed" });
    expect(failed?.message).toContain(where);
    expect(failed?.reason).toBe("ByteRangeError");
    // ens03 shared the failed pod: its store was written and the pod's report says so.
    for (const member of ["control", "ens01", "ens03"])
      expect(done.status?.members?.[member]).toMatchObject({
        phase: "Succeeded",
        output: storeUrl(ns, member),
        message: "written",
      });
    const written = (await listObjects(e2e.s3, OUT_BUCKET, `${ns}/20250101/00z/`)).map((o) => o.key);
    for (const member of ["control", "ens01", "ens03"])
      expect(written, member).toContain(`${ns}/20250101/00z/${member}.parquet/.zmetadata`);
    expect(written.some((key) => key.includes("/ens02.parquet/"))).toBe(false);

    // Index 1 ran once (exit 2, no retry); the Job says which index failed.
    const byIndex = podsByIndex(await e2e.runPods(ns, RUN));
    expect(byIndex.get(1)?.map(exitCode)).toEqual([2]);
    expect(byIndex.get(0)?.map(exitCode)).toEqual([0]);
    expect([...byIndex.keys()].sort()).toEqual([0, 1]);
    const job = (await e2e.jobs(ns)).find((j) => j.metadata?.name === RUN_JOB);
    expect(job?.spec).toMatchObject({ completions: 2, parallelism: 2 });
    expect(job?.status).toMatchObject({ failedIndexes: "1", completedIndexes: "0" });
    expect(job?.status?.failed).toBe(1);

    const events = await eventsWith(e2e.kubectl, ns, RUN, ["MemberFailed", "PartiallySucceeded"]);
    const memberFailed = events.filter((e) => e.reason === "MemberFailed");
    console.log(memberFailed.map((e) => `${e.type} ${e.reason}: ${e.message}`).join("\n"));
    expect(memberFailed).toHaveLength(1);
    expect(memberFailed[0]).toMatchObject({ type: "Warning" });
    expect(memberFailed[0]?.message).toContain(`member ens02 failed: `);
    expect(memberFailed[0]?.message).toContain(where);
  });

  it("a pod killed by a signal mid-run is retried for that index only", async () => {
    const ns = await scenario("gik-e2e-signal");
    const members = ["control", "ens01", "ens02", "ens03"];
    await e2e.apply("signal.yaml", templateBuild(ns, { members }), ecmwfRun(ns, { members, parallelism: 4 }));
    // The first pod of index 1, once its process has started working on the member.
    const { controlUrl, podLogs } = infra.kube.podRunner;
    const victim = await until(
      "index 1 to be running",
      async () => {
        const pod = (await runningPods(controlUrl)).find((p) => p.startsWith(`${ns}/${RUN_JOB}-1-`));
        const name = pod?.slice(ns.length + 1);
        const stderr = name && (await readFile(join(podLogs, ns, name, "stderr"), "utf8").catch(() => ""));
        return name && stderr?.includes('"msg":"running"') ? name : undefined;
      },
      300_000,
    );
    expect(await killPodProcess(controlUrl, ns, victim, "SIGKILL")).toBe(true);

    const done = await e2e.waitForRun(ns, RUN, "to end", ended);
    expectSucceededRun(done, ns, members);
    const byIndex = podsByIndex(await e2e.runPods(ns, RUN));
    const summary = [...byIndex].map(([i, pods]) => `${i}: ${pods.map(exitCode).join(",")}`);
    console.log(`exit codes by index: ${summary.sort().join("; ")}`);
    const retried = byIndex.get(1) ?? [];
    expect(retried.map((p) => p.metadata?.name)).toContain(victim);
    expect(retried.map(exitCode).sort()).toEqual([0, 137]);
    const killed = retried.find((p) => p.metadata?.name === victim);
    expect(killed?.status?.phase).toBe("Failed");
    for (const i of [0, 2, 3]) expect(byIndex.get(i)?.map(exitCode), `index ${i}`).toEqual([0]);
    const job = (await e2e.jobs(ns)).find((j) => j.metadata?.name === RUN_JOB);
    expect(job?.status).toMatchObject({ succeeded: 4, failed: 1, completedIndexes: "0-3" });
  });

  it("the operator SIGKILLed and restarted mid-run: the run completes, one Job ever, status complete", async () => {
    const ns = await scenario("gik-e2e-restart");
    const members = ["control", "ens01", "ens02", "ens03", "ens04"];
    const added = await watchJobsAdded(infra.kube.kubeconfig, ns);
    try {
      await e2e.apply(
        "restart.yaml",
        templateBuild(ns, { members }),
        ecmwfRun(ns, { members, parallelism: 1 }),
      );
      const job = async () => (await e2e.jobs(ns)).find((j) => j.metadata?.name === RUN_JOB);
      const succeeded = async () => (await job())?.status?.succeeded ?? 0;
      await until(
        "a first member to finish",
        async () => ((await succeeded()) >= 1 ? true : undefined),
        300_000,
      );
      const before = await e2e.run(ns, RUN);
      expect(before.status?.completionTime).toBeUndefined();

      const operator = e2e.operator();
      operator.kill("SIGKILL");
      expect(await operator.exited).toBe("SIGKILL");
      const atKill = await succeeded();
      // The Job goes on without the operator; its pods still report their members.
      await until("a member to finish while the operator is down", async () =>
        (await succeeded()) > atKill ? true : undefined,
      );
      console.log(
        `operator killed with ${atKill} of 5 members done; restarted with ${await succeeded()} done`,
      );
      await e2e.startOperator();

      const done = await e2e.waitForRun(ns, RUN, "to end", ended);
      expectSucceededRun(done, ns, members);
      const finalJob = await job();
      expect(finalJob?.status?.succeeded).toBe(5);
      const runJobs = added.filter((j) => j.name === RUN_JOB);
      console.log(`Jobs ADDED in ${ns}: ${added.map((j) => `${j.name} (${j.uid})`).join(", ")}`);
      expect(new Set(runJobs.map((j) => j.uid)).size).toBe(1);
      expect(runJobs[0]?.uid).toBe(finalJob?.metadata?.uid);
      const reasons = (await eventsWith(e2e.kubectl, ns, RUN, ["Succeeded"])).map((e) => e.reason);
      expect(reasons.filter((r) => r === "JobCreated")).toHaveLength(1);
      expect(reasons.filter((r) => r === "Succeeded")).toHaveLength(1);
    } finally {
      added.stop();
    }
  });
});

describe("an EcmwfRun with an ensemble store and a collection", () => {
  it("members' Job, then the commit Job: Succeeded with status.ensemble and status.collection, both readable", async () => {
    const ns = await scenario("gik-e2e-commit");
    const members = ["control", "ens01", "ens02"];
    const collection = `${outputOf(ns)}/collection`;
    const ensemble = `${outputOf(ns)}/20250101/00z/ensemble.parquet`;
    await e2e.apply(
      "commit.yaml",
      templateBuild(ns, { members }),
      ecmwfRun(ns, { members, parallelism: 3, layout: "both", collection: { url: collection } }),
    );
    const phases: string[] = [];
    const done = await e2e.waitForRun(ns, RUN, "to end", (r) => {
      const seen = `${r.status?.phase}/${r.status?.commitJobName ? "commit" : "members"}`;
      if (phases.at(-1) !== seen) phases.push(seen);
      return ended(r);
    });
    console.log(`phase/Job seen: ${phases.join(", ")}; ${took(done.status)}`);
    expectSucceededRun(done, ns, members);
    expect(done.status).toMatchObject({
      commitJobName: COMMIT_JOB,
      ensemble: { url: ensemble, phase: "Succeeded", message: "written" },
      collection: { url: collection, phase: "Succeeded", slot: 0, slots: 1 },
    });
    expect(done.status?.ensemble?.failedMembers).toBeUndefined();
    expect(condition(done, "Committed")).toMatchObject({ status: "True", reason: "CommitSucceeded" });
    expect(phases.filter((p) => p.startsWith("Succeeded"))).toEqual(["Succeeded/commit"]);

    // The commit Job was made once the members' Job had ended, from its contract.
    const jobs = await e2e.jobs(ns);
    const job = (name: string) => jobs.find((j) => j.metadata?.name === name)!;
    expect(jobs.map((j) => j.metadata?.name).sort()).toEqual(
      [RUN_JOB, COMMIT_JOB, `tb-${TEMPLATE_BUILD}`].sort(),
    );
    const membersEnded = Date.parse(String(job(RUN_JOB).status?.completionTime));
    expect(Date.parse(String(job(COMMIT_JOB).metadata?.creationTimestamp))).toBeGreaterThanOrEqual(
      Math.floor(membersEnded / 1000) * 1000,
    );
    expect(job(COMMIT_JOB).spec).toMatchObject({ completionMode: "Indexed", completions: 1 });
    expect(job(COMMIT_JOB).status?.succeeded).toBe(1);
    expect(JSON.parse(job(COMMIT_JOB).metadata!.annotations!["gik.dev/job-spec"]!)).toEqual({
      kind: "EcmwfRunCommit",
      run: { date: "20250101", cycle: 0 },
      members,
      output: outputOf(ns),
      format: "parquet",
      layout: "both",
      collection: { url: collection },
    });
    const reasons = (await eventsWith(e2e.kubectl, ns, RUN, ["Committed"])).map((e) => e.reason);
    expect(reasons.filter((r) => r === "CommitStarted" || r === "Committed")).toEqual([
      "CommitStarted",
      "Committed",
    ]);

    // Both stores are published (.zmetadata goes last), and the collection holds the run.
    const keys = (await listObjects(e2e.s3, OUT_BUCKET, `${ns}/`)).map((o) => o.key);
    expect(keys).toContain(`${ns}/20250101/00z/ensemble.parquet/.zmetadata`);
    expect(keys).toContain(`${ns}/collection/.zmetadata`);
    const info = await runGik(["collection", "info", collection], gikS3Env(infra.s3));
    console.log(info.stdout.trim());
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/: 1 runs in 1 slots/);
    expect(info.stdout).toMatch(/\n\s+0 {2}20250101 00z {2}3 members\n/);
  });
});
