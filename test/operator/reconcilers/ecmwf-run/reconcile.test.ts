/**
 * The EcmwfRun reconciler against a fake cluster that records API actions, with a fake clock:
 * the life of one run from "templates not ready" to "PartiallySucceeded", checking which writes
 * and Events each step causes.
 */
import type { V1Job } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import {
  type EcmwfRun,
  encodeCommitReport,
  encodeMemberReport,
  type MemberResult,
} from "../../../../job-image/src/api/index.js";
import { findCondition } from "../../../../operator/src/reconcilers/common/conditions.js";
import type { ReconcilerDeps } from "../../../../operator/src/reconcilers/common/deps.js";
import {
  ecmwfRunReconciler,
  SOURCE_REQUEUE_MS,
} from "../../../../operator/src/reconcilers/ecmwf-run/reconcile.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { FakeCluster } from "../../helpers/fake-cluster.js";
import { defaults, pod, run, templateBuild, withJobStatus } from "../../helpers/objects.js";

const key = { namespace: "gik", name: "run-20250101" };

function setup() {
  const cluster = new FakeCluster();
  const clock = new FakeClock();
  const deps: ReconcilerDeps = {
    caches: cluster,
    api: cluster.api,
    events: cluster.sink,
    clock,
    defaults,
    log: pino({ level: "silent" }),
  };
  cluster.runs.put(run({ members: ["control", "ens01", "ens02"], parallelism: 2 }));
  return { cluster, clock, deps, reconcile: ecmwfRunReconciler(deps) };
}

const current = (cluster: FakeCluster): EcmwfRun => cluster.runs.get(key.name, key.namespace)!;
const job = (cluster: FakeCluster): V1Job => cluster.jobs.get("er-run-20250101", "gik")!;
const setJobStatus = (cluster: FakeCluster, status: V1Job["status"]) =>
  cluster.jobs.put(withJobStatus(job(cluster), status));

describe("ecmwfRunReconciler", () => {
  it("waits for its templates, creates exactly one Job, writes status only on change, and records each transition once", async () => {
    const { cluster, clock, reconcile } = setup();

    // No TemplateBuild yet: wait (not failed), look again later.
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 30_000 });
    expect(cluster.of("apply")).toEqual([]);
    expect(current(cluster).status).toMatchObject({ phase: "Pending", totalMembers: 3 });
    expect(findCondition(current(cluster).status?.conditions, "TemplatesReady")).toMatchObject({
      status: "False",
      reason: "TemplateBuildNotFound",
    });
    expect(cluster.events.map((e) => e.reason)).toEqual(["TemplatesNotReady"]);

    // Nothing changed: no write, no Event.
    clock.advance(30_000);
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 30_000 });
    expect(cluster.of("patchStatus")).toHaveLength(1);
    expect(cluster.events).toHaveLength(1);

    // The TemplateBuild exists but runs: still waiting.
    cluster.templateBuilds.put(templateBuild({}, { phase: "Running" }));
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 30_000 });
    expect(cluster.of("apply")).toEqual([]);

    // It succeeded: one Job, by server-side apply.
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    expect(await reconcile(key)).toEqual({});
    expect(cluster.of("apply")).toEqual([{ verb: "apply", name: "er-run-20250101", parallelism: 2 }]);
    expect(current(cluster).status).toMatchObject({ phase: "Pending", jobName: "er-run-20250101" });
    expect(cluster.events.slice(-2).map((e) => e.reason)).toEqual(["TemplatesReady", "JobCreated"]);

    // Reconciling again changes nothing.
    const patches = cluster.of("patchStatus").length;
    await reconcile(key);
    await reconcile(key);
    expect(cluster.of("apply")).toHaveLength(1);
    expect(cluster.of("patchStatus").slice(patches)).toEqual([]);

    // The Job starts.
    setJobStatus(cluster, { startTime: clock.now(), active: 2 });
    await reconcile(key);
    expect(current(cluster).status).toMatchObject({ phase: "Running", startTime: "2025-01-01T06:00:30Z" });
    expect(cluster.events.at(-1)?.reason).toBe("Running");

    // control succeeds; ens02 fails at once on bad input; each pod's report is in its termination message.
    const report = (result: MemberResult) =>
      encodeMemberReport({
        kind: "gik-member-report",
        members: [result],
        startTime: "2025-01-01T06:00:31Z",
        completionTime: "2025-01-01T06:00:40Z",
      });
    setJobStatus(cluster, { active: 1, completedIndexes: "0", failedIndexes: "2" });
    cluster.pods.put(
      pod(job(cluster), 0, "Succeeded", {
        exitCode: 0,
        message: report({
          member: "control",
          phase: "Succeeded",
          refs: 4000,
        }),
      }),
    );
    cluster.pods.put(
      pod(job(cluster), 2, "Failed", {
        exitCode: 2,
        message: report({
          member: "ens02",
          phase: "Failed",
          message: "IndexParseError: ens02.index:7: bad JSON",
          reason: "IndexParseError",
        }),
      }),
    );
    await reconcile(key);
    expect(current(cluster).status).toMatchObject({
      phase: "Running",
      completedMembers: 1,
      failedMembers: 1,
      failedMemberNames: ["ens02"],
      members: {
        control: { phase: "Succeeded", refs: 4000 },
        ens02: { phase: "Failed", message: "IndexParseError: ens02.index:7: bad JSON" },
      },
    });
    const memberFailed = cluster.events.filter((e) => e.reason === "MemberFailed");
    expect(memberFailed).toEqual([
      {
        type: "Warning",
        reason: "MemberFailed",
        message: "member ens02 failed: IndexParseError: ens02.index:7: bad JSON",
        object: "EcmwfRun/run-20250101",
      },
    ]);
    await reconcile(key);
    expect(cluster.events.filter((e) => e.reason === "MemberFailed")).toHaveLength(1);

    // A cluster operator scales the run down: the same Job gets the new parallelism.
    cluster.runs.put({
      ...current(cluster),
      spec: { ...current(cluster).spec, parallelism: 1 },
      metadata: { ...current(cluster).metadata, generation: 2 },
    });
    await reconcile(key);
    expect(cluster.of("scale")).toEqual([{ verb: "scale", name: "er-run-20250101", parallelism: 1 }]);
    expect(cluster.of("apply")).toHaveLength(1);
    expect(current(cluster).status?.observedGeneration).toBe(2);

    // The Job ends with the failed index: PartiallySucceeded.
    setJobStatus(cluster, {
      active: 0,
      completedIndexes: "0-1",
      failedIndexes: "2",
      conditions: [
        {
          type: "Failed",
          status: "True",
          reason: "FailedIndexes",
          message: "Job has failed indexes",
          lastTransitionTime: clock.now(),
        },
      ],
    });
    await reconcile(key);
    expect(current(cluster).status).toMatchObject({
      phase: "PartiallySucceeded",
      completedMembers: 2,
      completionTime: "2025-01-01T06:00:30Z",
    });
    expect(cluster.events.at(-1)).toMatchObject({ type: "Warning", reason: "PartiallySucceeded" });

    // The Job is deleted after its TTL: nothing is made again, the status stays.
    const done = structuredClone(current(cluster).status);
    cluster.jobs.delete("er-run-20250101", "gik");
    const before = cluster.actions.length;
    await reconcile(key);
    expect(cluster.actions).toHaveLength(before);
    expect(current(cluster).status).toEqual(done);
  });

  it("while its members wait for ECMWF's files: reads one running member's log tail, requeues, stops once published", async () => {
    const { cluster, reconcile } = setup();
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    await reconcile(key);
    setJobStatus(cluster, { startTime: new Date("2025-01-01T06:00:00Z"), active: 2 });
    const pods = [2, 1].map((i) => cluster.pods.put(pod(job(cluster), i, "Running")));
    const source = () => findCondition(current(cluster).status?.conditions, "SourceAvailable");
    const said = (published: number) =>
      JSON.stringify({
        level: 30,
        msg: "source",
        member: "ens01",
        published,
        total: 85,
        complete: published === 85,
      });
    const log = (...lines: string[]) =>
      cluster.podLogs.set(`gik/${pods[1]!.metadata!.name}`, lines.join("\n"));

    // The pod has not said anything yet (its container log not there): Unknown, and a look again soon.
    expect(await reconcile(key)).toEqual({ requeueAfterMs: SOURCE_REQUEUE_MS });
    expect(cluster.of("readPodLog")).toEqual([
      { verb: "readPodLog", name: pods[1]!.metadata!.name, tailLines: 20 },
    ]);
    expect(source()).toMatchObject({ status: "Unknown", reason: "NotReported" });

    log(said(12), '{"level":30,"msg":"running"}', said(40), '{"level":30,"msg":"other"}');
    expect(await reconcile(key)).toEqual({ requeueAfterMs: SOURCE_REQUEUE_MS });
    expect(source()).toMatchObject({ status: "False", reason: "Waiting" });
    expect(current(cluster).status?.source?.progress).toBe("40/85");
    log(said(41));
    await reconcile(key);
    expect(current(cluster).status?.source?.progress).toBe("41/85");
    expect(cluster.events.filter((e) => e.reason.startsWith("Source"))).toEqual([
      {
        type: "Normal",
        reason: "SourceWaiting",
        message:
          "waiting for ECMWF's files: 40 of 85 steps published; waiting until 2025-01-01T12:00:00.000Z",
        object: "EcmwfRun/run-20250101",
      },
    ]);

    log(said(41), said(85));
    expect(await reconcile(key)).toEqual({});
    expect(source()).toMatchObject({ status: "True", reason: "Published" });
    const reads = cluster.of("readPodLog").length;
    await reconcile(key);
    expect(cluster.of("readPodLog")).toHaveLength(reads);
    expect(cluster.events.filter((e) => e.reason.startsWith("Source")).map((e) => e.reason)).toEqual([
      "SourceWaiting",
      "SourcePublished",
    ]);
  });

  it("after an operator restart, a new reconciler repeats nothing", async () => {
    const { cluster, deps, reconcile } = setup();
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    await reconcile(key);
    setJobStatus(cluster, { startTime: new Date("2025-01-01T06:00:00Z"), active: 2 });
    await reconcile(key);
    const actions = cluster.actions.length;
    const events = cluster.events.length;
    const restarted = ecmwfRunReconciler({
      ...deps,
      clock: new FakeClock(Date.parse("2025-01-01T09:00:00Z")),
    });
    await restarted(key);
    expect(cluster.actions).toHaveLength(actions);
    expect(cluster.events).toHaveLength(events);
  });

  it("a status write refused as stale (409) throws for a retry and records no Event", async () => {
    const { cluster, reconcile } = setup();
    cluster.failNextStatusPatch = 409;
    await expect(reconcile(key)).rejects.toMatchObject({ code: 409 });
    expect(cluster.events).toEqual([]);
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 30_000 });
    expect(cluster.events.map((e) => e.reason)).toEqual(["TemplatesNotReady"]);
  });

  it("a spec change the Job cannot take is said once, after the status that records it (none on a 409)", async () => {
    const { cluster, reconcile } = setup();
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    await reconcile(key);
    const changed = run({ members: ["control", "ens01"], parallelism: 2 });
    changed.metadata.generation = (current(cluster).metadata.generation ?? 1) + 1;
    cluster.runs.put({ ...changed, status: current(cluster).status });
    const said = () => cluster.events.filter((e) => e.reason === "SpecChangeNotApplied");
    cluster.failNextStatusPatch = 409;
    await expect(reconcile(key)).rejects.toMatchObject({ code: 409 });
    expect(said()).toEqual([]);
    await reconcile(key);
    expect(said()).toHaveLength(1);
    expect(current(cluster).status?.observedGeneration).toBe(changed.metadata.generation);
    await reconcile(key);
    expect(said()).toHaveLength(1);
  });

  it("an invalid spec stalls without a Job and without a requeue", async () => {
    const { cluster, reconcile } = setup();
    cluster.runs.put(run({ output: undefined }));
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    expect(await reconcile(key)).toEqual({});
    expect(cluster.of("apply")).toEqual([]);
    expect(findCondition(current(cluster).status?.conditions, "Stalled")).toMatchObject({
      status: "True",
      message: "spec.output: not set, and the operator has no default output",
    });
    expect(cluster.events).toMatchObject([{ type: "Warning", reason: "InvalidSpec" }]);
  });

  it("a Job of the run's name owned by another object is left alone until it goes", async () => {
    const { cluster, reconcile } = setup();
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    cluster.jobs.put({
      metadata: {
        name: "er-run-20250101",
        namespace: "gik",
        uid: "old",
        ownerReferences: [
          {
            apiVersion: "gik.dev/v1alpha1",
            kind: "EcmwfRun",
            name: "run-20250101",
            uid: "uid-of-a-deleted-run",
            controller: true,
          },
        ],
      },
    });
    expect(await reconcile(key)).toEqual({ requeueAfterMs: 5000 });
    expect(cluster.of("apply")).toEqual([]);
    expect(current(cluster).status?.jobName).toBeUndefined();
  });

  it("a run with an ensemble store and a collection: one commit Job, made once the members' Job has ended, from its contract", async () => {
    const { cluster, reconcile } = setup();
    const spec = {
      members: ["control", "ens01", "ens02"],
      parallelism: 3,
      layout: "both" as const,
      collection: { url: "s3://gik-out/collection" },
    };
    cluster.runs.put(run(spec));
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    await reconcile(key);
    expect(cluster.of("apply").map((a) => a.name)).toEqual(["er-run-20250101"]);

    // The members run: no commit yet, whatever happens to the spec meanwhile.
    setJobStatus(cluster, { startTime: new Date("2025-01-01T06:00:00Z"), active: 3, completedIndexes: "0" });
    await reconcile(key);
    cluster.runs.put({
      ...current(cluster),
      spec: { ...current(cluster).spec, output: "s3://elsewhere/x", collection: { url: "gs://elsewhere/c" } },
      metadata: { ...current(cluster).metadata, generation: 2 },
    });
    await reconcile(key);
    expect(cluster.of("apply").map((a) => a.name)).toEqual(["er-run-20250101"]);
    expect(current(cluster).status).toMatchObject({
      phase: "Running",
      ensemble: { url: "s3://gik-out/stores/20250101/00z/ensemble.parquet", phase: "Pending" },
      collection: { url: "s3://gik-out/collection", phase: "Pending" },
    });

    // The members' Job ends: the commit Job, once, committing what the members were run with.
    setJobStatus(cluster, {
      active: 0,
      completedIndexes: "0-2",
      completionTime: new Date("2025-01-01T06:05:00Z"),
      conditions: [{ type: "Complete", status: "True" }] as never,
    });
    await reconcile(key);
    await reconcile(key);
    expect(cluster.of("apply").map((a) => a.name)).toEqual(["er-run-20250101", "erc-run-20250101"]);
    const commit = cluster.jobs.get("erc-run-20250101", "gik")!;
    expect(JSON.parse(commit.metadata!.annotations!["gik.dev/job-spec"]!)).toMatchObject({
      kind: "EcmwfRunCommit",
      output: "s3://gik-out/stores",
      collection: { url: "s3://gik-out/collection" },
    });
    expect(current(cluster).status).toMatchObject({
      phase: "Running",
      commitJobName: "erc-run-20250101",
      completedMembers: 3,
    });
    expect(current(cluster).status?.completionTime).toBeUndefined();
    expect(cluster.events.filter((e) => e.reason === "CommitStarted")).toMatchObject([
      {
        message:
          "Created Job erc-run-20250101 to commit the ensemble store s3://gik-out/stores/20250101/00z/ensemble.parquet and the run's append to s3://gik-out/collection",
      },
    ]);
    expect(cluster.events.map((e) => e.reason)).not.toContain("Succeeded");

    // The commit pod reports and its Job completes: Succeeded, the stores in status.
    cluster.jobs.put(
      withJobStatus(commit, {
        startTime: new Date("2025-01-01T06:05:01Z"),
        completedIndexes: "0",
        completionTime: new Date("2025-01-01T06:05:09Z"),
        conditions: [{ type: "Complete", status: "True" }] as never,
      }),
    );
    cluster.pods.put(
      pod(cluster.jobs.get("erc-run-20250101", "gik")!, 0, "Succeeded", {
        exitCode: 0,
        message: encodeCommitReport({
          kind: "gik-commit-report",
          phase: "Succeeded",
          ensemble: {
            status: "written",
            url: "s3://gik-out/stores/20250101/00z/ensemble.parquet",
            failed: [],
          },
          collection: {
            status: "appended",
            url: "s3://gik-out/collection",
            slot: 0,
            slots: 1,
            message: "9 objects",
          },
          startTime: "2025-01-01T06:05:02Z",
          completionTime: "2025-01-01T06:05:08Z",
        }),
      }),
    );
    await reconcile(key);
    expect(current(cluster).status).toMatchObject({
      phase: "Succeeded",
      completionTime: "2025-01-01T06:05:09Z",
      ensemble: { phase: "Succeeded", message: "written" },
      collection: { phase: "Succeeded", slot: 0, slots: 1 },
    });
    expect(cluster.events.slice(-2).map((e) => `${e.reason}: ${e.message}`)).toEqual([
      "Succeeded: all 3 members succeeded",
      "Committed: ensemble s3://gik-out/stores/20250101/00z/ensemble.parquet written; collection s3://gik-out/collection appended, slot 0 of 1",
    ]);

    // Both Jobs go after their TTL: nothing is made again.
    cluster.jobs.delete("er-run-20250101", "gik");
    cluster.jobs.delete("erc-run-20250101", "gik");
    const before = cluster.actions.length;
    await reconcile(key);
    expect(cluster.actions).toHaveLength(before);
  });

  it("a run whose members all failed gets no commit Job", async () => {
    const { cluster, reconcile } = setup();
    cluster.runs.put(run({ members: ["control"], layout: "ensemble" }));
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    await reconcile(key);
    setJobStatus(cluster, {
      failedIndexes: "0",
      conditions: [{ type: "Failed", status: "True", reason: "FailedIndexes" }] as never,
    });
    await reconcile(key);
    expect(cluster.of("apply").map((a) => a.name)).toEqual(["er-run-20250101"]);
    expect(current(cluster).status).toMatchObject({ phase: "Failed", ensemble: { phase: "Failed" } });
    expect(findCondition(current(cluster).status?.conditions, "Committed")?.reason).toBe("NothingToCommit");
  });

  it("a queued run: Queued while Kueue holds its Job, and its parallelism is Kueue's, never scaled back", async () => {
    const { cluster, reconcile } = setup();
    cluster.runs.put(run({ members: ["control", "ens01", "ens02"], parallelism: 3, queueName: "forecasts" }));
    cluster.templateBuilds.put(
      templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" }),
    );
    // Kueue's webhook suspends a labelled Job as it is created.
    const apply = cluster.api.applyJob;
    cluster.api.applyJob = (j) => apply({ ...j, spec: { ...j.spec!, suspend: true } });
    await reconcile(key);
    expect(job(cluster).spec?.suspend).toBe(true);
    expect(current(cluster).status?.phase).toBe("Queued");
    expect(findCondition(current(cluster).status?.conditions, "Progressing")?.reason).toBe("JobQueued");
    expect(cluster.events.map((e) => e.reason)).not.toContain("Running");

    // Admitted with 2 pods of the 3 asked (partial admission): Running at once, before the Job
    // controller has started it; then the spec asks for 1.
    cluster.jobs.put({ ...job(cluster), spec: { ...job(cluster).spec!, suspend: false, parallelism: 2 } });
    await reconcile(key);
    expect(current(cluster).status?.phase).toBe("Running");
    cluster.jobs.put(
      withJobStatus(
        { ...job(cluster), spec: { ...job(cluster).spec!, suspend: false, parallelism: 2 } },
        { startTime: new Date("2025-01-01T06:00:00Z"), active: 2 },
      ),
    );
    await reconcile(key);
    expect(current(cluster).status?.phase).toBe("Running");
    cluster.runs.put({ ...current(cluster), spec: { ...current(cluster).spec, parallelism: 1 } });
    await reconcile(key);
    expect(cluster.of("scale")).toEqual([]);
    expect(cluster.of("apply")).toHaveLength(1);
    expect(job(cluster).spec?.parallelism).toBe(2);
  });

  it("a deleted run is a no-op", async () => {
    const { cluster, reconcile } = setup();
    cluster.runs.delete(key.name, key.namespace);
    expect(await reconcile(key)).toEqual({});
    expect(cluster.actions).toEqual([]);
  });
});
