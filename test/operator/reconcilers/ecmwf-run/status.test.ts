import type { V1Job, V1JobStatus, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  type CollectionStatus,
  type CommitReport,
  type EcmwfRun,
  type EnsembleStatus,
  encodeCommitReport,
  encodeMemberReport,
  type MemberResult,
  type MemberStatus,
  type SourceProgress,
} from "../../../../job-image/src/api/index.js";
import { findCondition } from "../../../../operator/src/reconcilers/common/conditions.js";
import { checkRun, type RunVerdict } from "../../../../operator/src/reconcilers/ecmwf-run/checks.js";
import { desiredCommitJob } from "../../../../operator/src/reconcilers/ecmwf-run/desired-commit-job.js";
import { desiredJob } from "../../../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { computeRunStatus } from "../../../../operator/src/reconcilers/ecmwf-run/status.js";
import { defaults, pod, run, withJobStatus } from "../../helpers/objects.js";

const now = new Date("2025-01-01T07:00:00Z");
const templates = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };
const base = run({ members: ["control", "ens01", "ens02"] });
const created = desiredJob(base, templates, defaults);
const go: RunVerdict = { kind: "go", reason: "TemplateBuildSucceeded", message: "ok", value: templates };
const started = { startTime: new Date("2025-01-01T06:00:00Z") };
const failedCond = (reason: string) => ({
  conditions: [
    {
      type: "Failed",
      status: "True",
      reason,
      message: `Job: ${reason}`,
      lastTransitionTime: new Date("2025-01-01T06:30:00Z"),
    },
  ],
});

function status(
  job: V1Job | undefined,
  opts: { r?: EcmwfRun; pods?: V1Pod[]; verdict?: RunVerdict; at?: Date } = {},
) {
  return computeRunStatus(opts.r ?? base, job, opts.pods ?? [], opts.verdict ?? go, opts.at ?? now);
}

describe("computeRunStatus: phase and counts from the Job", () => {
  it.each<{
    name: string;
    job?: V1JobStatus;
    phase: string;
    done: number;
    failed: number;
    failedNames: string[];
  }>([
    { name: "Job not started", job: {}, phase: "Pending", done: 0, failed: 0, failedNames: [] },
    {
      name: "running",
      job: { ...started, active: 2 },
      phase: "Running",
      done: 0,
      failed: 0,
      failedNames: [],
    },
    {
      name: "running with one done and one failed for good",
      job: { ...started, active: 1, completedIndexes: "0", failedIndexes: "2" },
      phase: "Running",
      done: 1,
      failed: 1,
      failedNames: ["ens02"],
    },
    {
      name: "complete",
      job: {
        ...started,
        completedIndexes: "0-2",
        completionTime: new Date("2025-01-01T06:20:00Z"),
        conditions: [{ type: "Complete", status: "True" }] as never,
      },
      phase: "Succeeded",
      done: 3,
      failed: 0,
      failedNames: [],
    },
    {
      name: "failed indexes with some done",
      job: {
        ...started,
        completedIndexes: "0-1",
        failedIndexes: "2",
        ...failedCond("FailedIndexes"),
      } as V1JobStatus,
      phase: "PartiallySucceeded",
      done: 2,
      failed: 1,
      failedNames: ["ens02"],
    },
    {
      name: "every index failed",
      job: { ...started, failedIndexes: "0-2", ...failedCond("FailedIndexes") } as V1JobStatus,
      phase: "Failed",
      done: 0,
      failed: 3,
      failedNames: ["control", "ens01", "ens02"],
    },
    {
      name: "Job failed as a whole (deadline) after one member",
      job: { ...started, completedIndexes: "1", ...failedCond("DeadlineExceeded") } as V1JobStatus,
      phase: "PartiallySucceeded",
      done: 1,
      failed: 0,
      failedNames: [],
    },
    {
      name: "indexes beyond the members are ignored",
      job: { ...started, completedIndexes: "0-2,7" },
      phase: "Running",
      done: 3,
      failed: 0,
      failedNames: [],
    },
  ])("$name → $phase", ({ job, phase, done, failed, failedNames }) => {
    const s = status(withJobStatus(created, job ?? {}));
    expect(s).toMatchObject({
      phase,
      completedMembers: done,
      failedMembers: failed,
      totalMembers: 3,
      jobName: "er-run-20250101",
    });
    expect(s.failedMemberNames).toEqual(failedNames);
    expect(s.observedGeneration).toBe(1);
  });

  it("no Job: Pending, with the wait in the conditions", () => {
    const verdict: RunVerdict = {
      kind: "wait",
      reason: "TemplateBuildNotReady",
      message: "TemplateBuild tb is Running",
      requeueAfterMs: 1,
    };
    const s = status(undefined, { verdict });
    expect(s).toMatchObject({ phase: "Pending", completedMembers: 0, totalMembers: 3 });
    expect(s.jobName).toBeUndefined();
    expect(findCondition(s.conditions, "TemplatesReady")).toMatchObject({
      status: "False",
      reason: "TemplateBuildNotReady",
    });
    expect(findCondition(s.conditions, "Progressing")).toMatchObject({
      status: "False",
      reason: "TemplateBuildNotReady",
    });
    expect(findCondition(s.conditions, "Stalled")).toMatchObject({ status: "False" });
  });

  it("an invalid spec: Stalled=True naming the field", () => {
    const r = run({ date: "20251301" });
    const s = status(undefined, { r, verdict: checkRun({ run: r, defaults }) });
    expect(findCondition(s.conditions, "Stalled")).toMatchObject({ status: "True", reason: "InvalidSpec" });
    expect(findCondition(s.conditions, "Stalled")?.message).toMatch(/^spec\.date: /);
  });

  it("never takes the previous phase: a stale Succeeded gives way to what the Job says", () => {
    const r = { ...base, status: { phase: "Succeeded" as const, completedMembers: 3 } };
    expect(status(withJobStatus(created, { ...started, active: 3 }), { r })).toMatchObject({
      phase: "Running",
      completedMembers: 0,
    });
  });

  it("member names come from the Job's contract, not from a later spec", () => {
    const r = run({ members: ["ens10", "ens11"] });
    const s = status(withJobStatus(created, { ...started, failedIndexes: "1" }), { r });
    expect(s.totalMembers).toBe(3);
    expect(s.failedMemberNames).toEqual(["ens01"]);
  });
});

describe("computeRunStatus: conditions", () => {
  it("Succeeded and Failed follow the end of the Job", () => {
    const ok = status(
      withJobStatus(created, {
        ...started,
        completedIndexes: "0-2",
        conditions: [{ type: "Complete", status: "True" }] as never,
      }),
    );
    expect(findCondition(ok.conditions, "Succeeded")).toMatchObject({
      status: "True",
      reason: "AllSucceeded",
      message: "all 3 members succeeded",
    });
    expect(findCondition(ok.conditions, "Failed")).toMatchObject({ status: "False", reason: "NoFailures" });
    expect(findCondition(ok.conditions, "Progressing")).toMatchObject({
      status: "False",
      reason: "JobFinished",
    });
    const partial = status(
      withJobStatus(created, {
        ...started,
        completedIndexes: "0-1",
        failedIndexes: "2",
        ...failedCond("FailedIndexes"),
      } as V1JobStatus),
    );
    expect(findCondition(partial.conditions, "Succeeded")).toMatchObject({
      status: "False",
      reason: "PartiallySucceeded",
    });
    expect(findCondition(partial.conditions, "Failed")).toMatchObject({
      status: "True",
      reason: "IndexesFailed",
      message: "failed members: ens02",
    });
    const deadline = status(
      withJobStatus(created, { ...started, ...failedCond("DeadlineExceeded") } as V1JobStatus),
    );
    expect(findCondition(deadline.conditions, "Failed")).toMatchObject({
      status: "True",
      reason: "JobFailed",
      message: "DeadlineExceeded: Job: DeadlineExceeded",
    });
  });

  it("keeps lastTransitionTime while a condition's status holds, and moves it when it flips", () => {
    const running = withJobStatus(created, { ...started, active: 1 });
    const first = status(running, { at: new Date("2025-01-01T06:00:10Z") });
    const again = status(running, { r: { ...base, status: first }, at: new Date("2025-01-01T06:05:00Z") });
    expect(findCondition(again.conditions, "Progressing")?.lastTransitionTime).toBe("2025-01-01T06:00:10Z");
    const done = withJobStatus(created, {
      ...started,
      completedIndexes: "0-2",
      conditions: [{ type: "Complete", status: "True" }] as never,
    });
    const flipped = status(done, { r: { ...base, status: again }, at: new Date("2025-01-01T06:20:00Z") });
    expect(findCondition(flipped.conditions, "Progressing")?.lastTransitionTime).toBe("2025-01-01T06:20:00Z");
    expect(findCondition(flipped.conditions, "Stalled")?.lastTransitionTime).toBe("2025-01-01T06:00:10Z");
  });
});

describe("computeRunStatus: members", () => {
  const ended = withJobStatus(created, {
    ...started,
    completedIndexes: "0",
    failedIndexes: "1-2",
    ...failedCond("FailedIndexes"),
  } as V1JobStatus);
  /** What a gik pod leaves in its termination message. */
  const report = (member: string, phase: MemberResult["phase"], fields: Partial<MemberResult> = {}) =>
    encodeMemberReport({
      kind: "gik-member-report",
      members: [{ member, phase, ...fields }],
      startTime: "2025-01-01T06:00:01Z",
      completionTime: "2025-01-01T06:00:05Z",
    });

  it.each<{ name: string; pods: V1Pod[]; member: string; expected: MemberStatus }>([
    {
      name: "succeeded without a report: phase and the contract's store URL",
      pods: [],
      member: "control",
      expected: { phase: "Succeeded", output: "s3://gik-out/stores/20250101/00z/control.parquet" },
    },
    {
      name: "succeeded with a report in the termination message: the pod's fields, the contract's URL",
      pods: [
        pod(ended, 0, "Succeeded", {
          exitCode: 0,
          message: report("control", "Succeeded", { refs: 7, message: "written" }),
        }),
      ],
      member: "control",
      expected: {
        phase: "Succeeded",
        output: "s3://gik-out/stores/20250101/00z/control.parquet",
        refs: 7,
        message: "written",
        startTime: "2025-01-01T06:00:01Z",
        completionTime: "2025-01-01T06:00:05Z",
      },
    },
    {
      name: "killed pod that never reported: phase and message from the pod's end",
      pods: [
        pod(ended, 1, "Failed", {
          exitCode: 137,
          signal: 9,
          startedAt: "2025-01-01T06:00:02Z",
          finishedAt: "2025-01-01T06:03:00Z",
        }),
      ],
      member: "ens01",
      expected: {
        phase: "Failed",
        message: "killed by signal 9",
        reason: "Signal",
        startTime: "2025-01-01T06:00:02Z",
        completionTime: "2025-01-01T06:03:00Z",
      },
    },
    {
      name: "failure reported by the pod: its reason and message",
      pods: [
        pod(ended, 2, "Failed", {
          exitCode: 2,
          message: report("ens02", "Failed", {
            reason: "ByteRangeError",
            message: "index.json:102 (2t:sfc:, member 2) reaches past the end",
          }),
        }),
      ],
      member: "ens02",
      expected: {
        phase: "Failed",
        message: "index.json:102 (2t:sfc:, member 2) reaches past the end",
        reason: "ByteRangeError",
        startTime: "2025-01-01T06:00:01Z",
        completionTime: "2025-01-01T06:00:05Z",
      },
    },
    {
      name: "a pod killed while logging: the log tail FallbackToLogsOnError left, not taken for a report",
      pods: [pod(ended, 1, "Failed", { exitCode: 1, message: '{"level":50,"msg":"member failed"}' })],
      member: "ens01",
      expected: {
        phase: "Failed",
        message: 'exited with code 1: {"level":50,"msg":"member failed"}',
        reason: "Error",
      },
    },
    {
      name: "the last attempt's end wins over an earlier attempt's report",
      pods: [
        pod(ended, 1, "Failed", {
          exitCode: 1,
          message: report("ens01", "Failed", { reason: "StorageError", message: "attempt 1: 503" }),
          startedAt: "2025-01-01T06:00:01Z",
          finishedAt: "2025-01-01T06:00:05Z",
        }),
        pod(
          ended,
          1,
          "Failed",
          { exitCode: 137, signal: 9, startedAt: "2025-01-01T06:00:30Z", finishedAt: "2025-01-01T06:01:10Z" },
          "2025-01-01T06:00:29Z",
        ),
      ],
      member: "ens01",
      expected: {
        phase: "Failed",
        message: "killed by signal 9",
        reason: "Signal",
        startTime: "2025-01-01T06:00:30Z",
        completionTime: "2025-01-01T06:01:10Z",
      },
    },
  ])("$name", ({ pods, member, expected }) => {
    const s = status(ended, { pods });
    expect(s.members?.[member]).toEqual(expected);
  });

  it("reads the members and store URLs from the Job's contract, whatever the pod's command line says", () => {
    const job = withJobStatus(created, { ...started, completedIndexes: "0-2" });
    const container = job.spec!.template.spec!.containers[0]!;
    const edited: V1Job = {
      ...job,
      spec: {
        ...job.spec!,
        template: {
          ...job.spec!.template,
          spec: {
            ...job.spec!.template.spec!,
            containers: [{ ...container, args: ["member", "--members", "ens40", "--out", "s3://elsewhere"] }],
          },
        },
      },
    };
    expect(status(edited)).toEqual(status(job));
    expect(status(edited).members?.ens02).toEqual({
      phase: "Succeeded",
      output: "s3://gik-out/stores/20250101/00z/ens02.parquet",
    });
  });

  it("members still in play take the phase of their newest pod; one awaiting its retry shows why", () => {
    const running = withJobStatus(created, { ...started, active: 2 });
    const pods = [
      pod(running, 0, "Running"),
      pod(running, 1, "Failed", { exitCode: 1, message: "503 SlowDown" }, "2025-01-01T06:00:00Z"),
      pod(running, 1, "Pending", undefined, "2025-01-01T06:01:00Z"),
      pod(running, 2, "Failed", {
        exitCode: 1,
        message: report("ens02", "Failed", { reason: "StorageError", message: "attempt 1: 503" }),
      }),
    ];
    expect(status(running, { pods }).members).toEqual({
      control: { phase: "Running" },
      ens01: { phase: "Pending", reason: "Error", message: "exited with code 1: 503 SlowDown" },
      ens02: { phase: "Pending", reason: "StorageError", message: "attempt 1: 503" },
    });
  });

  it("no pods: no entries", () => {
    expect(status(withJobStatus(created, started)).members).toBeUndefined();
  });
});

describe("computeRunStatus: a run with a commit (ensemble store and collection)", () => {
  const both = run({
    members: ["control", "ens01", "ens02"],
    layout: "both",
    collection: { url: "s3://gik-out/collection" },
  });
  const members = desiredJob(both, templates, defaults);
  const ensembleUrl = "s3://gik-out/stores/20250101/00z/ensemble.parquet";
  const at = (minute: number) => new Date(`2025-01-01T06:${String(minute).padStart(2, "0")}:00Z`);
  const end = (type: "Complete" | "Failed", minute: number) => ({
    completionTime: type === "Complete" ? at(minute) : undefined,
    conditions: [{ type, status: "True", lastTransitionTime: at(minute) }] as never,
  });
  const allDone = withJobStatus(members, { ...started, completedIndexes: "0-2", ...end("Complete", 10) });
  const twoDone = withJobStatus(members, {
    ...started,
    completedIndexes: "0-1",
    failedIndexes: "2",
    ...end("Failed", 10),
  });
  /** The commit Job of `job`, with `status` (and suspended by its queue, when `suspend`). */
  const commitJob = (job: V1Job, status: V1JobStatus, suspend = false) => {
    const desired = desiredCommitJob(both, job, [], defaults)!;
    return withJobStatus({ ...desired, spec: { ...desired.spec!, suspend } }, status);
  };
  const commitReport = (fields: Partial<CommitReport>) =>
    encodeCommitReport({
      kind: "gik-commit-report",
      phase: "Succeeded",
      startTime: "2025-01-01T06:10:05Z",
      completionTime: "2025-01-01T06:11:00Z",
      ...fields,
    });
  const wrote = (failed: string[]) =>
    commitReport({
      ensemble: { status: "written", url: ensembleUrl, failed },
      collection: {
        status: "appended",
        url: "s3://gik-out/collection",
        slot: 3,
        slots: 4,
        message: "12 objects",
      },
    });
  const commitPod = (job: V1Job, phase: string, terminated: Parameters<typeof pod>[3]) =>
    pod(job, 0, phase, terminated);

  it.each<{
    name: string;
    job: V1Job;
    commit?: (members: V1Job) => { job: V1Job; pods?: (job: V1Job) => V1Pod[] };
    phase: string;
    committed: [string, string];
    ensemble: Partial<EnsembleStatus>;
    collection: Partial<CollectionStatus>;
    done?: string;
  }>([
    {
      name: "members running: the commit waits",
      job: withJobStatus(members, { ...started, active: 3 }),
      phase: "Running",
      committed: ["Unknown", "CommitPending"],
      ensemble: { url: ensembleUrl, phase: "Pending" },
      collection: { url: "s3://gik-out/collection", phase: "Pending" },
    },
    {
      name: "members done, the commit Job not made yet",
      job: allDone,
      phase: "Running",
      committed: ["Unknown", "CommitPending"],
      ensemble: { phase: "Pending" },
      collection: { phase: "Pending" },
    },
    {
      name: "the commit Job waits for admission by its queue",
      job: allDone,
      commit: (m) => ({ job: commitJob(m, {}, true) }),
      phase: "Queued",
      committed: ["Unknown", "JobQueued"],
      ensemble: { phase: "Pending" },
      collection: { phase: "Pending" },
    },
    {
      name: "the commit Job runs",
      job: allDone,
      commit: (m) => ({ job: commitJob(m, { startTime: at(10), active: 1 }) }),
      phase: "Running",
      committed: ["Unknown", "CommitRunning"],
      ensemble: { phase: "Running" },
      collection: { phase: "Running" },
    },
    {
      name: "committed, every member done",
      job: allDone,
      commit: (m) => ({
        job: commitJob(m, { startTime: at(10), completedIndexes: "0", ...end("Complete", 11) }),
        pods: (j) => [commitPod(j, "Succeeded", { exitCode: 0, message: wrote([]) })],
      }),
      phase: "Succeeded",
      committed: ["True", "CommitSucceeded"],
      ensemble: { url: ensembleUrl, phase: "Succeeded", message: "written" },
      collection: { phase: "Succeeded", slot: 3, slots: 4, message: "appended: 12 objects" },
      done: "2025-01-01T06:11:00Z",
    },
    {
      name: "committed without a failed member",
      job: twoDone,
      commit: (m) => ({
        job: commitJob(m, { startTime: at(10), completedIndexes: "0", ...end("Complete", 11) }),
        pods: (j) => [commitPod(j, "Succeeded", { exitCode: 0, message: wrote(["ens02"]) })],
      }),
      phase: "PartiallySucceeded",
      committed: ["True", "CommitSucceeded"],
      ensemble: { phase: "Succeeded", failedMembers: ["ens02"] },
      collection: { phase: "Succeeded", slot: 3 },
      done: "2025-01-01T06:11:00Z",
    },
    {
      name: "the append failed for good (the ensemble store was written)",
      job: allDone,
      commit: (m) => ({
        job: commitJob(m, { startTime: at(10), failedIndexes: "0", ...end("Failed", 12) }),
        pods: (j) => [
          commitPod(j, "Failed", {
            exitCode: 2,
            message: commitReport({
              phase: "Failed",
              ensemble: { status: "written", url: ensembleUrl, failed: [] },
              collection: { status: "failed", url: "s3://gik-out/collection", message: "holds 0z, not 12z" },
            }),
          }),
        ],
      }),
      phase: "Failed",
      committed: ["False", "CommitFailed"],
      ensemble: { phase: "Succeeded" },
      collection: { phase: "Failed", message: "failed: holds 0z, not 12z" },
      done: "2025-01-01T06:12:00Z",
    },
    {
      name: "the commit pod killed on its last try, no report",
      job: allDone,
      commit: (m) => ({
        job: commitJob(m, { startTime: at(10), failedIndexes: "0", ...end("Failed", 12) }),
        pods: (j) => [
          commitPod(j, "Failed", { exitCode: 137, signal: 9, finishedAt: "2025-01-01T06:11:30Z" }),
        ],
      }),
      phase: "Failed",
      committed: ["False", "CommitFailed"],
      ensemble: { phase: "Failed", message: "Job erc-run-20250101: killed by signal 9" },
      collection: { phase: "Failed", message: "Job erc-run-20250101: killed by signal 9" },
      done: "2025-01-01T06:12:00Z",
    },
    {
      name: "no member done: nothing to commit",
      job: withJobStatus(members, { ...started, failedIndexes: "0-2", ...end("Failed", 10) }),
      phase: "Failed",
      committed: ["False", "NothingToCommit"],
      ensemble: { phase: "Failed", message: "no member succeeded: nothing to commit" },
      collection: { phase: "Failed" },
      done: "2025-01-01T06:10:00Z",
    },
  ])("$name → $phase", ({ job, commit, phase, committed, ensemble, collection, done }) => {
    const c = commit?.(job);
    const pods = c?.pods?.(c.job) ?? [];
    const s = computeRunStatus(both, job, [], go, now, c ? { job: c.job, pods } : undefined);
    expect(s.phase).toBe(phase);
    expect(findCondition(s.conditions, "Committed")).toMatchObject({
      status: committed[0],
      reason: committed[1],
    });
    expect(s.ensemble).toMatchObject(ensemble);
    expect(s.collection).toMatchObject(collection);
    expect(s.completionTime).toBe(done);
    expect(s.commitJobName).toBe(c?.job.metadata?.name);
    const over = done !== undefined;
    expect(findCondition(s.conditions, "Progressing")?.status).toBe(over ? "False" : "True");
    expect(findCondition(s.conditions, "Succeeded")?.status).toBe(
      phase === "Succeeded" ? "True" : over ? "False" : "Unknown",
    );
  });

  it("a failed commit: Failed=True says why, with the members that failed", () => {
    const c = commitJob(twoDone, { startTime: at(10), failedIndexes: "0", ...end("Failed", 12) });
    const pods = [
      pod(c, 0, "Failed", {
        exitCode: 1,
        message: commitReport({ phase: "Failed", reason: "StorageError", message: "s3://gik-out: 503" }),
      }),
    ];
    const s = computeRunStatus(both, twoDone, [], go, now, { job: c, pods });
    expect(findCondition(s.conditions, "Failed")).toMatchObject({
      status: "True",
      reason: "CommitFailed",
      message: "Job erc-run-20250101: StorageError: s3://gik-out: 503; failed members: ens02",
    });
    expect(findCondition(s.conditions, "Succeeded")).toMatchObject({
      status: "False",
      reason: "CommitFailed",
    });
  });

  it("the commit's last attempt speaks for it, not an earlier attempt's report", () => {
    const c = commitJob(allDone, { startTime: at(10), failedIndexes: "0", ...end("Failed", 12) });
    const pods = [
      pod(c, 0, "Failed", { exitCode: 1, message: commitReport({ phase: "Failed", message: "503" }) }),
      pod(c, 0, "Failed", { exitCode: 137, signal: 9 }, "2025-01-01T06:11:00Z"),
    ];
    const s = computeRunStatus(both, allDone, [], go, now, { job: c, pods });
    expect(findCondition(s.conditions, "Committed")?.message).toBe(
      "Job erc-run-20250101: killed by signal 9",
    );
    expect(s.ensemble).toMatchObject({
      phase: "Failed",
      message: "Job erc-run-20250101: killed by signal 9",
    });
  });

  it("while the commit runs, a retry's earlier report says nothing about the parts", () => {
    const c = commitJob(allDone, { startTime: at(10), active: 1 });
    const pods = [
      pod(c, 0, "Failed", { exitCode: 1, message: commitReport({ phase: "Failed", message: "503" }) }),
    ];
    const s = computeRunStatus(both, allDone, [], go, now, { job: c, pods });
    expect(s.ensemble).toEqual({ url: ensembleUrl, phase: "Running" });
  });

  it("a run without a commit has no Committed condition, no ensemble, no collection", () => {
    const s = status(withJobStatus(created, { ...started, completedIndexes: "0-2", ...end("Complete", 10) }));
    expect(findCondition(s.conditions, "Committed")).toBeUndefined();
    expect(s).not.toHaveProperty("ensemble", expect.anything());
    expect(s.collection).toBeUndefined();
    expect(s.phase).toBe("Succeeded");
  });

  it("the members' Job suspended by its queue: Queued, Progressing says so", () => {
    const queued = withJobStatus(desiredJob(run({ ...base.spec, queueName: "q" }), templates, defaults), {});
    const s = status({ ...queued, spec: { ...queued.spec!, suspend: true } });
    expect(s.phase).toBe("Queued");
    expect(findCondition(s.conditions, "Progressing")).toMatchObject({
      status: "True",
      reason: "JobQueued",
      message: "Job er-run-20250101 waits for admission by its queue",
    });
    // Admitted (resumed by Kueue): Running, before the Job controller has even started it.
    expect(status({ ...queued, spec: { ...queued.spec!, suspend: false } }).phase).toBe("Running");
    // A Job without a queue is Pending until it starts.
    expect(status(withJobStatus(created, {})).phase).toBe("Pending");
  });
});

describe("computeRunStatus: the source (SourceAvailable, status.source)", () => {
  const running = withJobStatus(created, { ...started, active: 3 });
  const pods = [0, 1, 2].map((i) => pod(running, i, "Running"));
  const source = (s: ReturnType<typeof status>) => findCondition(s.conditions, "SourceAvailable");
  const at = (s: ReturnType<typeof status>): EcmwfRun => ({ ...base, status: s });
  const sourceStatus = (job: V1Job, opts: { r?: EcmwfRun; reported?: SourceProgress; at?: Date } = {}) =>
    computeRunStatus(opts.r ?? base, job, pods, go, opts.at ?? now, { pods: [] }, opts.reported);

  it("Unknown until a member says how much is published", () => {
    const s = sourceStatus(running);
    expect(source(s)).toMatchObject({ status: "Unknown", reason: "NotReported" });
    expect(s.source).toBeUndefined();
    expect(source(status(undefined))).toMatchObject({ status: "Unknown", reason: "NotReported" });
  });

  it("False while members wait, with the count and the deadline; the count in status.source", () => {
    const s = sourceStatus(running, { reported: { published: 40, total: 85, complete: false } });
    expect(source(s)).toMatchObject({
      status: "False",
      reason: "Waiting",
      message: "40 of 85 steps published; waiting until 2025-01-01T12:00:00.000Z",
    });
    expect(s.source).toEqual({ published: 40, total: 85, progress: "40/85" });
  });

  it("without a newer word (no record in the log's tail) the last one stands, since when it was said", () => {
    const waiting = sourceStatus(running, { reported: { published: 40, total: 85, complete: false } });
    const later = sourceStatus(running, { r: at(waiting), at: new Date("2025-01-01T07:05:00Z") });
    expect(source(later)).toEqual(source(waiting));
    expect(later.source).toEqual(waiting.source);
  });

  it("True once a member says all is published, and it stays so", () => {
    const complete = sourceStatus(running, { reported: { published: 85, total: 85, complete: true } });
    expect(source(complete)).toMatchObject({
      status: "True",
      reason: "Published",
      message: "all 85 steps published",
    });
    expect(complete.source).toEqual({ published: 85, total: 85, progress: "85/85" });
    const stale = sourceStatus(running, {
      r: at(complete),
      reported: { published: 10, total: 85, complete: false },
    });
    expect(source(stale)).toMatchObject({ status: "True", reason: "Published" });
  });

  it("True once a member succeeded (it read every step file), with no log read", () => {
    const one = withJobStatus(created, { ...started, active: 2, completedIndexes: "1" });
    const s = computeRunStatus(base, one, [], go, now);
    expect(source(s)).toMatchObject({ status: "True", reason: "Published" });
    expect(s.source).toEqual({ published: 85, total: 85, progress: "85/85" });
  });

  it("members that gave up at the deadline: SourceNotPublished in SourceAvailable and Failed, the files named", () => {
    const missing = "s3://ecmwf-forecasts/20250101/00z/ifs/0p25/enfo/20250101000000-360h-enfo-ef.index";
    const said = `not published by the deadline 2025-01-01T12:00:00.000Z: ${missing}`;
    const failed = withJobStatus(created, {
      ...started,
      failedIndexes: "0-2",
      ...failedCond("FailedIndexes"),
    } as V1JobStatus);
    const gaveUp = [0, 1, 2].map((i) =>
      pod(failed, i, "Failed", {
        exitCode: 2,
        message: encodeMemberReport({
          kind: "gik-member-report",
          members: [
            {
              member: ["control", "ens01", "ens02"][i]!,
              phase: "Failed",
              reason: "SourceNotPublishedError",
              message: said,
            },
          ],
          startTime: "2025-01-01T06:00:01Z",
          completionTime: "2025-01-01T12:00:01Z",
        }),
      }),
    );
    const waited = sourceStatus(running, { reported: { published: 84, total: 85, complete: false } });
    const s = computeRunStatus(at(waited), failed, gaveUp, go, now);
    expect(s.phase).toBe("Failed");
    expect(source(s)).toMatchObject({ status: "False", reason: "SourceNotPublished", message: said });
    expect(findCondition(s.conditions, "Failed")).toMatchObject({
      status: "True",
      reason: "SourceNotPublished",
      message: `${said}; failed members: control, ens01, ens02`,
    });
    expect(s.source).toEqual({ published: 84, total: 85, progress: "84/85" });
    expect(s.members?.ens01).toMatchObject({ phase: "Failed", reason: "SourceNotPublishedError" });
  });

  it("other failures keep their reason", () => {
    const failed = withJobStatus(created, {
      ...started,
      failedIndexes: "0-2",
      ...failedCond("FailedIndexes"),
    } as V1JobStatus);
    const s = computeRunStatus(base, failed, [], go, now);
    expect(findCondition(s.conditions, "Failed")?.reason).toBe("IndexesFailed");
    expect(source(s)?.reason).not.toBe("SourceNotPublished");
  });
});

describe("computeRunStatus: members in shares (membersPerPod)", () => {
  // Five members, two per pod: index 0 maps control and ens01, 1 maps ens02 and ens03, 2 maps ens04.
  const shared = run({ members: ["control", "ens01", "ens02", "ens03", "ens04"], membersPerPod: 2 });
  const job = desiredJob(shared, templates, defaults);
  const times = { startTime: "2025-01-01T06:00:01Z", completionTime: "2025-01-01T06:00:09Z" };
  const said = (...members: MemberResult[]) =>
    encodeMemberReport({ kind: "gik-member-report", members, ...times });
  const ok = (member: string): MemberResult => ({ member, phase: "Succeeded", refs: 10, message: "written" });
  const url = (m: string) => `s3://gik-out/stores/20250101/00z/${m}.parquet`;
  /** The pod of share 1 (ens02, ens03) of `of`, failed: ens02 written, ens03 failed as said. */
  const ens03Failed = (of: V1Job, exitCode: number, reason: string, message: string) =>
    pod(of, 1, "Failed", {
      exitCode,
      message: said(ok("ens02"), { member: "ens03", phase: "Failed", reason, message }),
    });

  it("a failed share: the members its report says succeeded did, the others failed with their own reason", () => {
    const ended = withJobStatus(job, {
      ...started,
      completedIndexes: "0",
      failedIndexes: "1",
      active: 1,
    } as V1JobStatus);
    const pods = [
      pod(ended, 0, "Succeeded", { exitCode: 0, message: said(ok("control"), ok("ens01")) }),
      ens03Failed(ended, 2, "IndexParseError", "24h.index:7: bad JSON"),
      pod(ended, 2, "Running"),
    ];
    const s = status(ended, { r: shared, pods });
    expect(s.members).toEqual({
      control: { phase: "Succeeded", output: url("control"), refs: 10, message: "written", ...times },
      ens01: { phase: "Succeeded", output: url("ens01"), refs: 10, message: "written", ...times },
      ens02: { phase: "Succeeded", output: url("ens02"), refs: 10, message: "written", ...times },
      ens03: { phase: "Failed", reason: "IndexParseError", message: "24h.index:7: bad JSON", ...times },
      ens04: { phase: "Running" },
    });
    expect(s).toMatchObject({
      completedMembers: 3,
      failedMembers: 1,
      failedMemberNames: ["ens03"],
      totalMembers: 5,
    });
    expect(findCondition(s.conditions, "Progressing")?.message).toBe(
      "Job er-run-20250101: 3/5 members done, 1 failed",
    );
  });

  it("a share waiting for its retry: each member says which member's failure it waits on", () => {
    const running = withJobStatus(job, { ...started, active: 3 } as V1JobStatus);
    const pods = [ens03Failed(running, 1, "StorageError", "503")];
    expect(status(running, { r: shared, pods }).members).toEqual({
      ens02: { phase: "Pending", reason: "StorageError", message: "ens03: 503" },
      ens03: { phase: "Pending", reason: "StorageError", message: "503" },
    });
  });

  const failedShare = withJobStatus(job, {
    ...started,
    completedIndexes: "0,2",
    failedIndexes: "1",
    ...failedCond("FailedIndexes"),
  } as V1JobStatus);

  it("a failed share whose report names no failure (the pod died after writing it): its members failed, by the pod's end", () => {
    const pods = [pod(failedShare, 1, "Failed", { exitCode: 137, message: said(ok("ens02"), ok("ens03")) })];
    const s = status(failedShare, { r: shared, pods });
    expect(s.members?.ens02).toMatchObject({ phase: "Failed", message: "exited with code 137" });
    expect(s).toMatchObject({ completedMembers: 3, failedMembers: 2, failedMemberNames: ["ens02", "ens03"] });
  });

  it("a failed share's pods gone (deleted with their node): its members keep what the last status said", () => {
    const pods = [ens03Failed(failedShare, 2, "IndexParseError", "bad")];
    const before = status(failedShare, { r: shared, pods });
    const after = status(failedShare, { r: { ...shared, status: before } });
    expect(after.members?.ens02).toEqual(before.members?.ens02);
    expect(after.members?.ens02?.phase).toBe("Succeeded");
    expect(after.members?.ens03).toMatchObject({ phase: "Failed" });
    expect(after).toMatchObject({ completedMembers: 4, failedMembers: 1, failedMemberNames: ["ens03"] });
  });

  it("a Job without a readable contract: its shares from its count of indexes", () => {
    const unreadable = { ...failedShare, metadata: { ...failedShare.metadata, annotations: {} } };
    expect(status(unreadable, { r: shared })).toMatchObject({
      failedMemberNames: ["ens02", "ens03"],
      completedMembers: 3,
    });
  });

  it("a share killed before it reported: each of its members failed with the pod's end; counts in members", () => {
    const pods = [pod(failedShare, 1, "Failed", { exitCode: 137, signal: 9 } as never)];
    const s = status(failedShare, { r: shared, pods });
    expect(s.members?.ens02).toMatchObject({ phase: "Failed", message: "killed by signal 9" });
    expect(s.members?.ens03).toMatchObject({ phase: "Failed", message: "killed by signal 9" });
    expect(s).toMatchObject({
      phase: "PartiallySucceeded",
      completedMembers: 3,
      failedMembers: 2,
      failedMemberNames: ["ens02", "ens03"],
    });
    expect(findCondition(s.conditions, "Failed")?.message).toBe("failed members: ens02, ens03");
  });
});
