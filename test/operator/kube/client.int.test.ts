/**
 * The operator's Kubernetes layer on the real API server: server-side apply of the desired Jobs
 * (the API server's Job validation accepts them), re-apply as a no-op, `parallelism` under its own
 * field manager, a queued Job's `spec.suspend` left to Kueue, status merge patches guarded by resourceVersion, Events, the Lease, the
 * informers, the job pods' member report, garbage collection of a run's Job, and the runs of
 * schedules: created once (a second create is AlreadyExists), deleted only as the object read.
 */
import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Job,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { EcmwfRun, TemplateBuild } from "../../../job-image/src/api/index.js";
import { sleep, systemClock } from "../../../operator/src/controller/clock.js";
import { makeKubeApi, makeLeaseClient, SCALE_FIELD_MANAGER } from "../../../operator/src/kube/client.js";
import { httpStatus } from "../../../operator/src/kube/errors.js";
import { makeEventRecorder } from "../../../operator/src/kube/events.js";
import { makeInformers } from "../../../operator/src/kube/informers.js";
import { LeaderElector } from "../../../operator/src/kube/leader-election.js";
import { desiredJob } from "../../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { desiredRun } from "../../../operator/src/reconcilers/ecmwf-schedule/desired-run.js";
import { desiredTemplateBuildJob } from "../../../operator/src/reconcilers/template-build/desired-job.js";
import { ok } from "../e2e/cluster.js";
import { createNamespace, installCrds, namespaceName } from "../helpers/cluster.js";
import { kubectlFor } from "../helpers/kubectl.js";
import { defaults, schedule } from "../helpers/objects.js";
import { until } from "../helpers/until.js";

const infra = inject("infra");
const kubectl = kubectlFor(infra.kube);
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const custom = kc.makeApiClient(CustomObjectsApi);
const batch = kc.makeApiClient(BatchV1Api);
const core = kc.makeApiClient(CoreV1Api);
const api = makeKubeApi(kc);
const log = pino({ level: "warn" }, process.stderr);
const NS = namespaceName("gik-client");
// An image the pod runner does not claim: the pods stay Pending, nothing runs.
const jobDefaults = { ...defaults, image: "registry.invalid/gik-not-run:1" };
const templates = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };

async function createRun(name: string, spec: object = {}): Promise<EcmwfRun> {
  return (await custom.createNamespacedCustomObject({
    group: "gik.dev",
    version: "v1alpha1",
    namespace: NS,
    plural: "ecmwfruns",
    body: {
      apiVersion: "gik.dev/v1alpha1",
      kind: "EcmwfRun",
      metadata: { name, namespace: NS },
      spec: {
        date: "20250101",
        members: ["control", "ens01"],
        templates,
        output: "s3://gik-out/stores",
        ...spec,
      },
    },
  })) as EcmwfRun;
}

const readRun = async (name: string) =>
  (await custom.getNamespacedCustomObject({
    group: "gik.dev",
    version: "v1alpha1",
    namespace: NS,
    plural: "ecmwfruns",
    name,
  })) as EcmwfRun;

beforeAll(async () => {
  await installCrds(kubectl);
  await createNamespace(kubectl, NS, defaults.serviceAccountName);
});
afterAll(() => kubectl(["delete", "namespace", NS, "--wait=false"]));

describe("server-side apply of Jobs", () => {
  it("the API server accepts the desired Jobs; re-applying is a no-op; parallelism changes under its own manager", async () => {
    const run = await createRun("apply");
    const desired = desiredJob(run, templates, jobDefaults);
    const created = await api.applyJob(desired);
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec).toMatchObject({
      completionMode: "Indexed",
      completions: 2,
      backoffLimitPerIndex: 2,
    });
    expect(created.spec?.podFailurePolicy?.rules).toHaveLength(2);

    const again = await api.applyJob(desired);
    expect(again.metadata?.uid).toBe(created.metadata?.uid);
    expect(again.metadata?.generation).toBe(created.metadata?.generation);

    await api.scaleJob(NS, desired.metadata!.name!, 1);
    const scaled = await batch.readNamespacedJob({ name: desired.metadata!.name!, namespace: NS });
    expect(scaled.spec?.parallelism).toBe(1);
    expect(scaled.spec?.template.spec?.containers[0]?.args).toEqual(
      desired.spec?.template.spec?.containers[0]?.args,
    );
    const managers = (scaled.metadata?.managedFields ?? []).map((f) => `${f.manager}/${f.operation}`);
    expect(managers).toEqual(expect.arrayContaining(["gik-operator/Apply", `${SCALE_FIELD_MANAGER}/Apply`]));

    const tb = (await custom.createNamespacedCustomObject({
      group: "gik.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "templatebuilds",
      body: {
        apiVersion: "gik.dev/v1alpha1",
        kind: "TemplateBuild",
        metadata: { name: "tb", namespace: NS },
        spec: { referenceDate: "20240529", store: templates.store, shards: 3 },
      },
    })) as TemplateBuild;
    const tbJob = await api.applyJob(desiredTemplateBuildJob(tb, jobDefaults));
    expect(tbJob.spec).toMatchObject({ completions: 3, parallelism: 3 });
  });

  it("a queued Job: Kueue's webhook suspends it; the operator's managers never own spec.suspend, and a re-apply leaves it suspended", async () => {
    // No LocalQueue of that name: Kueue holds the Job, suspended, for as long as the test looks.
    const run = await createRun("queued", { queueName: "nowhere" });
    const desired = desiredJob(run, templates, jobDefaults);
    const created = await api.applyJob(desired);
    expect(created.spec?.suspend).toBe(true);
    expect(created.metadata?.labels?.["kueue.x-k8s.io/queue-name"]).toBe("nowhere");
    // A stale cache makes the operator apply again: still Kueue's to resume.
    const again = await api.applyJob(desired);
    expect(again.spec?.suspend).toBe(true);
    const ours = (again.metadata?.managedFields ?? []).filter((f) => f.manager?.startsWith("gik-operator"));
    expect(ours.map((f) => `${f.manager}/${f.operation}`)).toEqual(["gik-operator/Apply"]);
    expect(JSON.stringify(ours[0]?.fieldsV1)).not.toContain('"f:suspend"');
    expect(JSON.stringify(ours[0]?.fieldsV1)).toContain('"f:parallelism"');
  });

  it("deleting a run deletes its Job (owner reference, garbage collector)", async () => {
    const run = await createRun("gc");
    const job = await api.applyJob(desiredJob(run, templates, jobDefaults));
    expect((await kubectl(["delete", "er", "gc", "-n", NS])).code).toBe(0);
    await until("the Job to be garbage-collected", async () => {
      try {
        await batch.readNamespacedJob({ name: job.metadata!.name!, namespace: NS });
        return undefined;
      } catch (err) {
        return httpStatus(err) === 404 ? true : undefined;
      }
    });
  });
});

describe("the runs of schedules", () => {
  it("created once: a second create answers AlreadyExists (undefined); deleted only as the object read; gone with the schedule", async () => {
    const es = (await custom.createNamespacedCustomObject({
      group: "gik.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "ecmwfschedules",
      body: { ...schedule({}, { namespace: NS }), metadata: { name: "ens", namespace: NS } },
    })) as ReturnType<typeof schedule>;
    const made = await api.createRun(desiredRun(es, { date: "20250101", cycle: 6 }));
    expect(made?.metadata).toMatchObject({ name: "ens-2025010106", namespace: NS });
    expect(made?.metadata.ownerReferences?.[0]).toMatchObject({ uid: es.metadata.uid, controller: true });
    expect(await api.createRun(desiredRun(es, { date: "20250101", cycle: 6 }))).toBeUndefined();
    expect((await readRun("ens-2025010106")).metadata.uid).toBe(made?.metadata.uid);

    // Another object's uid: the precondition fails (409), the run stays.
    expect(await api.deleteRun(NS, "ens-2025010106", "00000000-0000-0000-0000-000000000000")).toBe(false);
    expect((await readRun("ens-2025010106")).metadata.uid).toBe(made?.metadata.uid);
    expect(await api.deleteRun(NS, "ens-2025010106", made!.metadata.uid)).toBe(true);
    expect(await api.deleteRun(NS, "ens-2025010106", made!.metadata.uid)).toBe(false);

    // The schedule's runs go with it (controller ownerReference, garbage collector).
    await api.createRun(desiredRun(es, { date: "20250101", cycle: 12 }));
    ok(await kubectl(["delete", "es", "ens", "-n", NS, "--wait=true"]));
    await until("the garbage collector to delete the schedule's run", async () =>
      (await readRun("ens-2025010112").catch((err) => (httpStatus(err) === 404 ? undefined : err)))
        ? undefined
        : true,
    );
  });
});

describe("status writes", () => {
  it("a merge patch guarded by the resourceVersion read succeeds once, then is refused as stale (409)", async () => {
    const run = await createRun("status");
    const target = {
      plural: "ecmwfruns",
      namespace: NS,
      name: "status",
      resourceVersion: run.metadata.resourceVersion,
    };
    await api.patchStatus(target, { phase: "Pending", totalMembers: 2 });
    const error = await api.patchStatus(target, { phase: "Running" }).catch((err) => err);
    expect(httpStatus(error)).toBe(409);
    expect((await readRun("status")).status).toMatchObject({ phase: "Pending", totalMembers: 2 });
  });
});

describe("Events, Lease and informers", () => {
  it("records an Event about a run", async () => {
    const run = await createRun("events");
    const recorder = makeEventRecorder({
      client: core,
      component: "gik-operator",
      instance: "test",
      clock: systemClock,
      log,
    });
    await recorder.emit(run, {
      type: "Warning",
      reason: "MemberFailed",
      message: "member ens01 failed: test",
    });
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: "involvedObject.name=events",
    });
    expect(events.items.map((e) => [e.reason, e.message, e.type])).toEqual([
      ["MemberFailed", "member ens01 failed: test", "Warning"],
    ]);
  });

  it("one of two electors holds the Lease; after release the other takes it", async () => {
    const make = (identity: string) =>
      new LeaderElector({
        leases: makeLeaseClient(kc),
        namespace: NS,
        name: "gik-operator",
        identity,
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 200,
        clock: systemClock,
        log,
      });
    const a = make("a");
    const b = make("b");
    const stop = new AbortController();
    let leading = false;
    const running = a.run(stop.signal, () => {
      leading = true;
    });
    await until("a to lead", async () => (leading ? true : undefined));
    expect(await b.tryAcquireOrRenew()).toBe(false);
    stop.abort();
    expect(await running).toBe(false);
    await a.release();
    expect(await b.tryAcquireOrRenew()).toBe(true);
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: NS, name: "gik-operator" });
    expect(lease.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  it("the informers list and watch the namespace's runs and the operator's Jobs", async () => {
    const informers = makeInformers(kc, {
      namespace: NS,
      log,
      delay: (ms, signal) => sleep(systemClock, ms, signal),
    });
    const all = Object.values(informers);
    await Promise.all(all.map((i) => i.start()));
    try {
      expect(
        Object.entries(informers)
          .filter(([, i]) => !i.synced)
          .map(([name]) => name),
      ).toEqual([]);
      expect(informers.runs.get("apply", NS)?.spec.date).toBe("20250101");
      expect(informers.jobs.get("er-apply", NS)?.spec?.completions).toBe(2);
      const run = await createRun("watched");
      await until("the watch to see a new run", async () => informers.runs.get("watched", NS));
      const job = await api.applyJob(desiredJob(run, templates, jobDefaults));
      const cached = await until("the watch to see the new Job", async () =>
        informers.jobs.get(job.metadata!.name!, NS),
      );
      expect((cached as V1Job).metadata?.labels?.["gik.dev/run"]).toBe("watched");
      await until("its pods", async () =>
        informers.pods.list(NS).some((p) => p.metadata?.name?.startsWith("er-watched-")) ? true : undefined,
      );
    } finally {
      await Promise.all(all.map((i) => i.stop()));
    }
  });
});
