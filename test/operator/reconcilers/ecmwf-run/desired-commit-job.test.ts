import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  type CommitJobSpec,
  encodeMemberReport,
  JOB_SPEC_ANNOTATION,
  type MemberResult,
  parseJobSpec,
} from "../../../../job-image/src/api/index.js";
import {
  commitJobName,
  desiredCommitJob,
} from "../../../../operator/src/reconcilers/ecmwf-run/desired-commit-job.js";
import { desiredJob } from "../../../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { defaults, pod, run, withJobStatus } from "../../helpers/objects.js";

const templates = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };
const r = run({
  members: ["control", "ens01", "ens02"],
  layout: "both",
  collection: { url: "s3://gik-out/collection", cycles: [0, 12] },
  credentials: { secretRef: { name: "s3-creds" } },
  backoffLimitPerIndex: 3,
});
const members = desiredJob(r, templates, defaults);
const ended = (job: V1Job, completedIndexes: string, type: "Complete" | "Failed" = "Complete") =>
  withJobStatus(job, {
    startTime: new Date("2025-01-01T06:00:00Z"),
    completedIndexes,
    conditions: [{ type, status: "True", lastTransitionTime: new Date("2025-01-01T06:10:00Z") }] as never,
  });
const contractOf = (job: V1Job) =>
  parseJobSpec(job.metadata!.annotations![JOB_SPEC_ANNOTATION]!, "annotation") as CommitJobSpec;

describe("desiredCommitJob", () => {
  it("once the members' Job has ended: one pod committing every member of the Job's contract", () => {
    const job = desiredCommitJob(r, ended(members, "0-1", "Failed"), [], defaults)!;
    expect(job.metadata).toMatchObject({
      name: "erc-run-20250101",
      namespace: "gik",
      ownerReferences: [{ kind: "EcmwfRun", name: "run-20250101", uid: "uid-run", controller: true }],
    });
    expect(job.metadata!.labels).toMatchObject({
      "gik.dev/run": "run-20250101",
      "app.kubernetes.io/component": "commit",
    });
    expect(job.spec).toMatchObject({
      completionMode: "Indexed",
      completions: 1,
      parallelism: 1,
      backoffLimitPerIndex: 3,
      podFailurePolicy: members.spec!.podFailurePolicy,
    });
    expect(contractOf(job)).toEqual({
      kind: "EcmwfRunCommit",
      run: { date: "20250101", cycle: 0 },
      members: ["control", "ens01", "ens02"],
      output: "s3://gik-out/stores",
      format: "parquet",
      layout: "both",
      collection: { url: "s3://gik-out/collection", cycles: [0, 12] },
    });
  });

  it("runs its pod as the member pods run: locked down, no API token, the Secret, the report path", () => {
    const pod = desiredCommitJob(r, ended(members, "0-2"), [], defaults)!.spec!.template.spec!;
    const memberPod = members.spec!.template.spec!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual(memberPod.securityContext);
    expect(pod.serviceAccountName).toBe(memberPod.serviceAccountName);
    const [container, memberContainer] = [pod.containers[0]!, memberPod.containers[0]!];
    const { env: _env, ...rest } = container;
    const { env: _memberEnv, ...memberRest } = memberContainer;
    expect(rest).toEqual(memberRest);
    expect(container.envFrom).toEqual([{ secretRef: { name: "s3-creds" } }]);
    expect(container.terminationMessagePath).toBe("/dev/termination-log");
  });

  it("takes the contract from the members' Job, never from a later spec", () => {
    const changed = run({
      ...r.spec,
      members: ["ens40"],
      output: "s3://elsewhere/x",
      layout: "members",
      collection: { url: "s3://elsewhere/collection" },
    });
    const job = desiredCommitJob(changed, ended(members, "0-2"), [], defaults)!;
    expect(contractOf(job)).toEqual(contractOf(desiredCommitJob(r, ended(members, "0-2"), [], defaults)!));
  });

  it.each<[string, V1Job]>([
    ["while the members' Job runs", withJobStatus(members, { active: 3, completedIndexes: "0-2" })],
    ["after it ended with no member done", ended(members, "", "Failed")],
    [
      "for a run of member stores only",
      ended(desiredJob(run({ members: ["control"] }), templates, defaults), "0"),
    ],
    [
      "for a Job without a contract",
      ended({ ...members, metadata: { ...members.metadata, annotations: {} } }, "0-2"),
    ],
  ])("is none %s", (_name, job) => {
    expect(desiredCommitJob(r, job, [], defaults)).toBeUndefined();
  });

  it("an ensemble alone, or a collection alone, needs a commit too", () => {
    for (const spec of [{ layout: "ensemble" as const }, { collection: { url: "gs://gik-out/c" } }]) {
      const other = run({ members: ["control"], ...spec });
      expect(
        desiredCommitJob(other, ended(desiredJob(other, templates, defaults), "0"), [], defaults),
      ).toBeDefined();
    }
  });

  it("with shares of members: made when a failed share's report says one of its members succeeded", () => {
    const shared = run({ members: ["control", "ens01", "ens02"], layout: "ensemble", membersPerPod: 2 });
    const job = withJobStatus(desiredJob(shared, templates, defaults), {
      startTime: new Date("2025-01-01T06:00:00Z"),
      failedIndexes: "0-1",
      conditions: [{ type: "Failed", status: "True" }] as never,
    });
    const failedPod = (index: number, members: MemberResult[]) =>
      pod(job, index, "Failed", {
        exitCode: 2,
        message: encodeMemberReport({
          kind: "gik-member-report",
          members,
          startTime: "2025-01-01T06:00:01Z",
          completionTime: "2025-01-01T06:00:09Z",
        }),
      });
    const bad = (member: string): MemberResult => ({ member, phase: "Failed", reason: "IndexParseError" });
    const none = [failedPod(0, [bad("control"), bad("ens01")]), failedPod(1, [bad("ens02")])];
    expect(desiredCommitJob(shared, job, none, defaults)).toBeUndefined();
    const one = [failedPod(0, [bad("control"), { member: "ens01", phase: "Succeeded" }]), none[1]!];
    expect(contractOf(desiredCommitJob(shared, job, one, defaults)!).members).toEqual([
      "control",
      "ens01",
      "ens02",
    ]);
  });

  it("is named erc-<run>: never another run's member Job, bounded like it", () => {
    expect(commitJobName(run({}, { name: "a" }))).not.toBe("er-a-commit");
    const long = run({}, { name: "x".repeat(200) });
    expect(commitJobName(long)).toHaveLength(52);
    expect(commitJobName(long).startsWith("erc-")).toBe(true);
  });

  it("is deterministic", () => {
    expect(desiredCommitJob(r, ended(members, "0-2"), [], defaults)).toEqual(
      desiredCommitJob(r, ended(members, "0-2"), [], defaults),
    );
  });
});
