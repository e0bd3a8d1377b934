import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  JOB_SPEC_ANNOTATION,
  jobShares,
  parseJobSpec,
  type RunJobSpec,
  shareMembers,
  shareOf,
} from "../../../../job-image/src/api/index.js";
import { TerminalError } from "../../../../operator/src/controller/result.js";
import { SPEC_HASH_ANNOTATION } from "../../../../operator/src/kube/labels.js";
import { desiredJob, runJobName } from "../../../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { defaults, run } from "../../helpers/objects.js";

function contractOf(job: V1Job) {
  return parseJobSpec(job.metadata!.annotations![JOB_SPEC_ANNOTATION]!, "annotation") as RunJobSpec;
}

const templates = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };

describe("desiredJob (EcmwfRun)", () => {
  const r = run({
    members: ["control", "ens01", "ens02"],
    parallelism: 2,
    credentials: { secretRef: { name: "s3-creds" } },
  });
  const job = desiredJob(r, templates, defaults);
  const podSpec = job.spec!.template.spec!;
  const container = podSpec.containers[0]!;

  it("is an Indexed Job named from the run, controlled by it", () => {
    expect(job.metadata).toMatchObject({
      name: "er-run-20250101",
      namespace: "gik",
      ownerReferences: [
        {
          apiVersion: "gik.dev/v1alpha1",
          kind: "EcmwfRun",
          name: "run-20250101",
          uid: "uid-run",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(job.metadata!.labels).toMatchObject({
      "gik.dev/run": "run-20250101",
      "app.kubernetes.io/managed-by": "gik-operator",
      "app.kubernetes.io/name": "gik",
      "app.kubernetes.io/component": "member",
    });
    expect(job.spec).toMatchObject({
      completionMode: "Indexed",
      completions: 3,
      parallelism: 2,
      backoffLimitPerIndex: 2,
      ttlSecondsAfterFinished: 86_400,
    });
    expect(job.spec!.template.metadata!.labels).toEqual(job.metadata!.labels);
  });

  it("fails an index at once on exit code 2 of the gik container and ignores disruptions", () => {
    expect(job.spec!.podFailurePolicy!.rules).toEqual([
      { action: "FailIndex", onExitCodes: { containerName: "gik", operator: "In", values: [2] } },
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
    ]);
  });

  it("runs gik job with the contract in the pod and on the Job, from one rendering", () => {
    expect(container.name).toBe("gik");
    expect(container.image).toBe("gik-job-image:dev");
    expect(container.command).toEqual(["gik"]);
    expect(container.args).toEqual(["job", "--log-format", "json"]);
    const contract: RunJobSpec = {
      kind: "EcmwfRun",
      run: { date: "20250101", cycle: 0 },
      members: ["control", "ens01", "ens02"],
      templates: { store: "s3://gik-templates/20240529", referenceDate: "20240529" },
      source: "s3://ecmwf-forecasts",
      output: "s3://gik-out/stores",
      format: "parquet",
      layout: "members",
      onDrift: "rebuild",
      membersPerPod: 1,
      wait: { deadline: "2025-01-01T12:00:00.000Z", pollSeconds: 10 },
    };
    expect(container.env).toEqual([{ name: "GIK_JOB_SPEC", value: JSON.stringify(contract) }]);
    expect(parseJobSpec(job.metadata!.annotations![JOB_SPEC_ANNOTATION]!, "annotation")).toEqual(contract);
    expect(container.envFrom).toEqual([{ secretRef: { name: "s3-creds" } }]);
    expect(container.resources).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { memory: "1Gi" },
    });
    expect(container.terminationMessagePath).toBe("/dev/termination-log");
    expect(container.terminationMessagePolicy).toBe("FallbackToLogsOnError");
  });

  it("locks the pod down", () => {
    expect(podSpec.restartPolicy).toBe("Never");
    expect(podSpec.serviceAccountName).toBe("gik-job");
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
  });

  it("a change of parallelism keeps the name and the spec hash; other changes change the hash only", () => {
    const scaled = desiredJob(run({ ...r.spec, parallelism: 3 }), templates, defaults);
    expect(scaled.metadata!.name).toBe(job.metadata!.name);
    expect(scaled.spec!.parallelism).toBe(3);
    expect(scaled.metadata!.annotations![SPEC_HASH_ANNOTATION]).toBe(
      job.metadata!.annotations![SPEC_HASH_ANNOTATION],
    );
    const moved = desiredJob(run({ ...r.spec, output: "gs://elsewhere/x" }), templates, defaults);
    expect(moved.metadata!.name).toBe(job.metadata!.name);
    expect(moved.metadata!.annotations![SPEC_HASH_ANNOTATION]).not.toBe(
      job.metadata!.annotations![SPEC_HASH_ANNOTATION],
    );
  });

  it("defaults: all 51 members, parallelism from the operator (never above the members), its service account", () => {
    const all = desiredJob(run({ parallelism: undefined, members: undefined }), templates, defaults);
    expect(all.spec).toMatchObject({ completions: 51, parallelism: 8 });
    expect(contractOf(all).members).toHaveLength(51);
    const one = desiredJob(run({ parallelism: undefined, members: ["ens07"] }), templates, defaults);
    expect(one.spec!.parallelism).toBe(1);
    expect(
      desiredJob(run({ serviceAccountName: "mine" }), templates, defaults).spec!.template.spec!
        .serviceAccountName,
    ).toBe("mine");
  });

  it("membersPerPod: one index per share of members, parallelism never above the shares", () => {
    const all = desiredJob(
      run({ parallelism: undefined, members: undefined, membersPerPod: 26 }),
      templates,
      defaults,
    );
    expect(all.spec).toMatchObject({ completions: 2, parallelism: 2 });
    const contract = contractOf(all);
    expect(contract.membersPerPod).toBe(26);
    expect(jobShares(contract)).toBe(2);
    expect(shareMembers(contract, 0)).toEqual(contract.members.slice(0, 26));
    expect(shareMembers(contract, 1)).toEqual([...contract.members.slice(26)]);
    expect(shareMembers(contract, 1)).toHaveLength(25);
    expect([0, 25, 26, 50].map((i) => shareOf(contract, i))).toEqual([0, 0, 1, 1]);
    // Every member in exactly one share, in the contract's order.
    expect([0, 1].flatMap((i) => shareMembers(contract, i))).toEqual(contract.members);
    const one = desiredJob(
      run({ members: ["control", "ens01", "ens02"], membersPerPod: 51 }),
      templates,
      defaults,
    );
    expect(one.spec).toMatchObject({ completions: 1, parallelism: 1 });
    expect(contractOf(job).membersPerPod).toBe(1);
  });

  it("a running Job keeps its indexes: a later members or membersPerPod does not scale it below its parallelism", () => {
    const running = desiredJob(run({ parallelism: undefined, members: undefined }), templates, defaults);
    expect(running.spec).toMatchObject({ completions: 51, parallelism: 8 });
    for (const later of [{ membersPerPod: 51 }, { members: ["ens07"] }]) {
      const again = desiredJob(run({ parallelism: undefined, ...later }), templates, defaults, running);
      expect(again.spec!.parallelism).toBe(8);
    }
    const scaled = desiredJob(
      run({ parallelism: 60 as never, membersPerPod: 51 }),
      templates,
      defaults,
      running,
    );
    expect(scaled.spec!.parallelism).toBe(51);
  });

  it("a contract without membersPerPod (a Job made before it existed) reads as one member per pod; 0 is refused by name", () => {
    const text = job.metadata!.annotations![JOB_SPEC_ANNOTATION]!;
    const { membersPerPod: _, ...older } = JSON.parse(text);
    expect((parseJobSpec(JSON.stringify(older), "annotation") as RunJobSpec).membersPerPod).toBe(1);
    expect(() => parseJobSpec(JSON.stringify({ ...older, membersPerPod: 0 }), "annotation")).toThrow(
      "annotation.membersPerPod: expected a positive integer, got 0",
    );
  });

  it("the output defaults to the operator's, and no output at all is a terminal error", () => {
    const noOutput = run({ output: undefined });
    const job = desiredJob(noOutput, templates, { ...defaults, output: "gs://default/out" });
    expect(contractOf(job).output).toBe("gs://default/out");
    expect(() => desiredJob(noOutput, templates, defaults)).toThrow(TerminalError);
  });

  it("carries layout and collection in the contract", () => {
    const both = desiredJob(
      run({ ...r.spec, layout: "both", collection: { url: "s3://gik-out/collection" } }),
      templates,
      defaults,
    );
    expect(contractOf(both)).toMatchObject({
      layout: "both",
      collection: { url: "s3://gik-out/collection" },
    });
    expect(contractOf(job).collection).toBeUndefined();
  });

  it("waits for ECMWF's files until the run time plus sourceDeadline (default 12 h), polling at most every sourcePollSeconds", () => {
    expect(contractOf(job).wait).toEqual({ deadline: "2025-01-01T12:00:00.000Z", pollSeconds: 10 });
    const later = desiredJob(
      run({ ...r.spec, date: "20250102", cycle: 18, sourceDeadline: "1d2h30m", sourcePollSeconds: 3 }),
      templates,
      defaults,
    );
    expect(contractOf(later).wait).toEqual({ deadline: "2025-01-03T20:30:00.000Z", pollSeconds: 3 });
  });

  it("never ends a waiting pod itself: no activeDeadlineSeconds, and only exit 2 fails an index", () => {
    expect(job.spec!.activeDeadlineSeconds).toBeUndefined();
    expect(job.spec!.template.spec!.activeDeadlineSeconds).toBeUndefined();
    expect(job.spec!.podFailurePolicy!.rules.map((rule) => rule.action)).toEqual(["FailIndex", "Ignore"]);
  });

  it("with a queue: the queue label on the Job and its pods, partial admission allowed, never spec.suspend", () => {
    const queued = desiredJob(run({ ...r.spec, queueName: "forecasts" }), templates, defaults);
    expect(queued.metadata!.labels).toMatchObject({ "kueue.x-k8s.io/queue-name": "forecasts" });
    expect(queued.spec!.template.metadata!.labels).toEqual(queued.metadata!.labels);
    expect(queued.metadata!.annotations).toMatchObject({ "kueue.x-k8s.io/job-min-parallelism": "1" });
    expect(queued.spec).not.toHaveProperty("suspend");
    // Kueue refuses a minimum that is not below the pods asked for: none for one pod.
    const single = desiredJob(
      run({ ...r.spec, queueName: "forecasts", parallelism: 1 }),
      templates,
      defaults,
    );
    expect(single.metadata!.annotations).not.toHaveProperty("kueue.x-k8s.io/job-min-parallelism");
    // Without a queue: neither.
    expect(job.metadata!.labels).not.toHaveProperty("kueue.x-k8s.io/queue-name");
    expect(job.metadata!.annotations).not.toHaveProperty("kueue.x-k8s.io/job-min-parallelism");
    expect(job.spec).not.toHaveProperty("suspend");
  });

  it("is deterministic", () => {
    expect(desiredJob(r, templates, defaults)).toEqual(job);
    expect(runJobName(run({}, { name: "x".repeat(200) }))).toHaveLength(52);
  });
});
