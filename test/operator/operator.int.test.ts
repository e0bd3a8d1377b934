/**
 * The operator's wiring on the real control plane, with this test acting as the kubelet (the Job
 * image is one the pod runner does not claim, so nothing runs; the test writes pod outcomes as a
 * kubelet would). It shows: a run waits for its TemplateBuild; the build's Job completing makes it
 * Succeeded with its store; the run then gets one Job; exit code 2 fails an index at once through
 * the pod failure policy; the run ends PartiallySucceeded with the member named in status and in
 * an Event; `spec.parallelism` reaches the Job; a restarted operator changes nothing.
 *
 * The end-to-end runs with the real job image come with issue 4's later tests.
 */
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { stringify } from "yaml";
import {
  type EcmwfRun,
  JOB_SPEC_ANNOTATION,
  parseJobSpec,
  type TemplateBuild,
} from "../../job-image/src/api/index.js";
import { sleep, systemClock } from "../../operator/src/controller/clock.js";
import { makeKubeApi } from "../../operator/src/kube/client.js";
import { makeEventRecorder } from "../../operator/src/kube/events.js";
import { makeInformers } from "../../operator/src/kube/informers.js";
import { type Operator, wireOperator } from "../../operator/src/operator.js";
import { processExit, terminatedStatus } from "../infra/pod-status.js";
import { createNamespace, installCrds, namespaceName } from "./helpers/cluster.js";
import { kubectlFor } from "./helpers/kubectl.js";
import { defaults } from "./helpers/objects.js";
import { until } from "./helpers/until.js";

const infra = inject("infra");
const kubectl = kubectlFor(infra.kube);
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const log = pino({ level: "warn" }, process.stderr);
const NS = namespaceName("gik-operator");
const INDEX = "batch.kubernetes.io/job-completion-index";

function startOperator(): Operator {
  const informers = makeInformers(kc, {
    namespace: NS,
    log,
    delay: (ms, signal) => sleep(systemClock, ms, signal),
  });
  const operator = wireOperator({
    informers,
    api: makeKubeApi(kc),
    events: makeEventRecorder({
      client: core,
      component: "gik-operator",
      instance: "test",
      clock: systemClock,
      log,
    }),
    clock: systemClock,
    defaults: { ...defaults, image: "registry.invalid/gik-not-run:1" },
    log,
    workers: 2,
  });
  void operator.start();
  return operator;
}

const get = async <T>(plural: string, name: string) =>
  (await custom.getNamespacedCustomObject({
    group: "gik.dev",
    version: "v1alpha1",
    namespace: NS,
    plural,
    name,
  })) as T;
const apply = (kind: string, name: string, spec: object) =>
  kubectl(
    ["apply", "-f", "-"],
    stringify({ apiVersion: "gik.dev/v1alpha1", kind, metadata: { name, namespace: NS }, spec }),
  );

/** The Job's pods that are scheduled, running and not being deleted. */
const livePods = async (job: string): Promise<V1Pod[]> =>
  (
    await core.listNamespacedPod({ namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${job}` })
  ).items.filter(
    (p) =>
      p.spec?.nodeName &&
      !p.metadata?.deletionTimestamp &&
      p.status?.phase !== "Succeeded" &&
      p.status?.phase !== "Failed",
  );
const indexOf = (pod: V1Pod) => Number(pod.metadata?.annotations?.[INDEX]);

/** Ends the Job pod of `index` with `exitCode`, as the kubelet would. */
async function finishPod(job: string, index: number, exitCode: number): Promise<void> {
  const pod = await until(`pod ${index} of ${job}`, async () =>
    (await livePods(job)).find((p) => indexOf(p) === index),
  );
  const now = new Date();
  const status = terminatedStatus(pod, 1, now, processExit(exitCode), now);
  const patched = await kubectl([
    ...["patch", "pod", pod.metadata!.name!, "-n", NS],
    ...["--subresource=status", "--type=merge", "-p", JSON.stringify({ status })],
  ]);
  expect(patched.code, patched.out).toBe(0);
}

let operator: Operator;

beforeAll(async () => {
  await installCrds(kubectl);
  await createNamespace(kubectl, NS, defaults.serviceAccountName);
  operator = startOperator();
});
afterAll(async () => {
  await operator?.stop();
  await kubectl(["delete", "namespace", NS, "--wait=false"]);
});

describe("the operator on the real control plane", () => {
  it("runs a TemplateBuild, then the run waiting for it, to PartiallySucceeded; scales; survives a restart", async () => {
    onTestFailed(async () => {
      console.log((await kubectl(["get", "pods,jobs,events", "-n", NS, "-o", "wide"])).out);
    });
    const run = {
      date: "20250101",
      members: ["control", "ens01", "ens02"],
      templates: { templateBuild: "tb-20240529" },
      output: "s3://gik-out/stores",
      parallelism: 3,
    };
    expect((await apply("EcmwfRun", "smoke", run)).code).toBe(0);
    const waiting = await until("the run to wait for its templates", async () => {
      const r = await get<EcmwfRun>("ecmwfruns", "smoke");
      return r.status?.conditions?.some(
        (c) => c.type === "TemplatesReady" && c.reason === "TemplateBuildNotFound",
      )
        ? r
        : undefined;
    });
    expect(waiting.status?.phase).toBe("Pending");

    expect(
      (
        await apply("TemplateBuild", "tb-20240529", {
          referenceDate: "20240529",
          store: "s3://gik-templates/20240529",
        })
      ).code,
    ).toBe(0);
    await finishPod("tb-tb-20240529", 0, 0);
    const built = await until("the TemplateBuild to succeed", async () => {
      const tb = await get<TemplateBuild>("templatebuilds", "tb-20240529");
      return tb.status?.phase === "Succeeded" ? tb : undefined;
    });
    expect(built.status?.store).toBe("s3://gik-templates/20240529");

    const job = await until("the run's Job", async () =>
      batch.readNamespacedJob({ name: "er-smoke", namespace: NS }).catch(() => undefined),
    );
    const contract = parseJobSpec(job.metadata!.annotations![JOB_SPEC_ANNOTATION]!, "annotation");
    expect(contract).toMatchObject({
      templates: { store: "s3://gik-templates/20240529", referenceDate: "20240529" },
    });

    await until("the Job's 3 pods", async () =>
      (await livePods("er-smoke")).length === 3 ? true : undefined,
    );
    expect((await apply("EcmwfRun", "smoke", { ...run, parallelism: 2 })).code).toBe(0);
    await until("parallelism to reach the Job", async () =>
      (await batch.readNamespacedJob({ name: "er-smoke", namespace: NS })).spec?.parallelism === 2
        ? true
        : undefined,
    );

    // Scaling to 2 removed one of the 3 pods, whichever the Job controller chose; its index runs
    // once another finishes. Index 1 (ens01) exits with 2, the others with 0.
    const exitCode = (index: number) => (index === 1 ? 2 : 0);
    const running = await until("the Job to run 2 pods", async () => {
      const pods = await livePods("er-smoke");
      return pods.length === 2 ? pods.map(indexOf) : undefined;
    });
    for (const index of running) await finishPod("er-smoke", index, exitCode(index));
    const removed = [0, 1, 2].filter((i) => !running.includes(i));
    expect(removed).toHaveLength(1);
    await finishPod("er-smoke", removed[0]!, exitCode(removed[0]!));
    const done = await until("the run to end", async () => {
      const r = await get<EcmwfRun>("ecmwfruns", "smoke");
      return r.status?.completionTime ? r : undefined;
    });
    expect(done.status).toMatchObject({
      phase: "PartiallySucceeded",
      completedMembers: 2,
      failedMembers: 1,
      failedMemberNames: ["ens01"],
      totalMembers: 3,
      jobName: "er-smoke",
      observedGeneration: 2,
      members: {
        control: { phase: "Succeeded", output: "s3://gik-out/stores/20250101/00z/control.parquet" },
        ens01: { phase: "Failed", message: "exited with code 2" },
      },
    });
    const events = async () =>
      (
        await core.listNamespacedEvent({ namespace: NS, fieldSelector: "involvedObject.name=smoke" })
      ).items.map((e) => e.reason);
    // The operator writes the status, then its Events one after the other.
    const expected = [
      "TemplatesNotReady",
      "TemplatesReady",
      "JobCreated",
      "MemberFailed",
      "PartiallySucceeded",
    ];
    const seen = await until("the Events", async () => {
      const reasons = await events();
      return expected.every((r) => reasons.includes(r)) ? reasons : undefined;
    });
    expect(seen.filter((r) => r === "MemberFailed")).toHaveLength(1);

    await operator.stop();
    operator = startOperator();
    await until("the restarted operator to sync", async () => (operator.synced() ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    expect(await events()).toEqual(seen);
    const jobs = await batch.listNamespacedJob({ namespace: NS, labelSelector: "gik.dev/run=smoke" });
    expect(jobs.items.map((j) => j.metadata?.uid)).toEqual([job.metadata?.uid]);
    expect((await get<EcmwfRun>("ecmwfruns", "smoke")).status).toEqual(done.status);
  });
});
