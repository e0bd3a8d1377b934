import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { runningPods } from "./pod-runner-control.js";

const infra = inject("infra");
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const suffix = Math.random().toString(36).slice(2, 8);
const namespace = `infra-kueue-${suffix}`;
const flavor = `gik-flavor-${suffix}`;
const clusterQueue = `gik-pods-${suffix}`;
const localQueue = "jobs";
const QUOTA = 3;
const IMAGE = "gik-job-image:dev";
const KUEUE = { group: "kueue.x-k8s.io", version: "v1beta2" };
const MIN_PARALLELISM = "kueue.x-k8s.io/job-min-parallelism";

interface Condition {
  type: string;
  status: string;
}
interface Workload {
  metadata: { name: string; ownerReferences?: { uid: string }[] };
  status?: {
    conditions?: Condition[];
    admission?: {
      clusterQueue: string;
      podSetAssignments: { count: number; flavors: Record<string, string> }[];
    };
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (Kueue log: ${infra.kueue.logPath})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isTrue = (conditions: Condition[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === "True") ?? false;
const podsOf = async (job: string) =>
  (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` })).items;
const active = (pods: V1Pod[]) =>
  pods.filter((p) => !["Succeeded", "Failed"].includes(p.status?.phase ?? ""));
const processesOf = async (job: string) =>
  (await runningPods(infra.kube.podRunner.controlUrl)).filter((p) => p.startsWith(`${namespace}/${job}-`));
const readJob = (name: string) => batch.readNamespacedJob({ name, namespace });
const complete = async (name: string) => {
  const job = await readJob(name);
  return isTrue(job.status?.conditions as Condition[] | undefined, "Complete") ? job : undefined;
};

/** The Workload Kueue made for the Job with this uid, if any. */
async function workloadOf(uid: string): Promise<Workload | undefined> {
  const list = (await custom.listNamespacedCustomObject({ ...KUEUE, namespace, plural: "workloads" })) as {
    items: Workload[];
  };
  return list.items.find((w) => w.metadata.ownerReferences?.some((o) => o.uid === uid));
}

/** An Indexed Job of `count` pods that each sleep `ms`, handed to the LocalQueue unless `queued` is false. */
function sleeperJob(
  name: string,
  count: number,
  ms: number,
  options: { queued?: boolean; minParallelism?: number } = {},
): V1Job {
  const { queued = true, minParallelism } = options;
  return {
    metadata: {
      name,
      namespace,
      ...(queued ? { labels: { [infra.kueue.queueNameLabel]: localQueue } } : {}),
      ...(minParallelism ? { annotations: { [MIN_PARALLELISM]: String(minParallelism) } } : {}),
    },
    spec: {
      completionMode: "Indexed",
      completions: count,
      parallelism: count,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [
            { name: "main", image: IMAGE, command: ["node", "-e", `setTimeout(() => {}, ${ms})`] },
          ],
        },
      },
    },
  };
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await until("the default service account", () =>
    core.readNamespacedServiceAccount({ name: "default", namespace }).then(
      () => true,
      () => undefined,
    ),
  );
  const create = (plural: string, body: object, ns?: string) =>
    ns
      ? custom.createNamespacedCustomObject({ ...KUEUE, namespace: ns, plural, body })
      : custom.createClusterCustomObject({ ...KUEUE, plural, body });
  const kueueObject = (kind: string, name: string, spec: object) => ({
    apiVersion: `${KUEUE.group}/${KUEUE.version}`,
    kind,
    metadata: { name },
    spec,
  });
  await create("resourceflavors", kueueObject("ResourceFlavor", flavor, {}));
  await create(
    "clusterqueues",
    kueueObject("ClusterQueue", clusterQueue, {
      namespaceSelector: {},
      resourceGroups: [
        {
          coveredResources: ["pods"],
          flavors: [{ name: flavor, resources: [{ name: "pods", nominalQuota: QUOTA }] }],
        },
      ],
    }),
  );
  await create("localqueues", kueueObject("LocalQueue", localQueue, { clusterQueue }), namespace);
  await until("the ClusterQueue to be active", async () => {
    const cq = (await custom.getClusterCustomObject({
      ...KUEUE,
      plural: "clusterqueues",
      name: clusterQueue,
    })) as {
      status?: { conditions?: Condition[] };
    };
    return isTrue(cq.status?.conditions, "Active") || undefined;
  });
});

describe(`Kueue ${infra.kueue.version} on the real control plane`, () => {
  it(`holds a labelled Indexed Job suspended until admitted, then runs it at most ${QUOTA} pods at once`, async () => {
    const created = await batch.createNamespacedJob({
      namespace,
      body: sleeperJob("six", 6, 1500, { minParallelism: 1 }),
    });
    // The API server's answer is the object as stored: Kueue's webhook suspended it.
    expect(created.spec?.suspend).toBe(true);

    // Sample until the Job completes. Pods are read before the Workload: a pod seen means its
    // Workload was admitted before that read, so it must show as admitted in the read after.
    const samples: { pods: number; processes: number; admitted: boolean }[] = [];
    let done: V1Job | undefined;
    const deadline = Date.now() + 120_000;
    while (!done) {
      const pods = active(await podsOf("six"));
      const processes = await processesOf("six");
      const workload = await workloadOf(created.metadata!.uid!);
      samples.push({
        pods: pods.length,
        processes: processes.length,
        admitted: isTrue(workload?.status?.conditions, "Admitted"),
      });
      done = await complete("six");
      if (Date.now() > deadline)
        throw new Error(`job six did not complete (Kueue log: ${infra.kueue.logPath})`);
      await new Promise((r) => setTimeout(r, 200));
    }

    expect(done.status).toMatchObject({ succeeded: 6, completedIndexes: "0-5" });
    // Admitted with as many pods as the quota allows (partial admission): parallelism 6 → 3.
    expect(done.spec?.parallelism).toBe(QUOTA);
    const workload = (await workloadOf(created.metadata!.uid!))!;
    expect(isTrue(workload.status?.conditions, "Admitted")).toBe(true);
    expect(isTrue(workload.status?.conditions, "Finished")).toBe(true);
    expect(workload.status?.admission).toMatchObject({
      clusterQueue,
      podSetAssignments: [{ count: QUOTA, flavors: { pods: flavor } }],
    });

    expect(samples.filter((s) => s.pods + s.processes > 0 && !s.admitted)).toEqual([]);
    const most = Math.max(...samples.map((s) => Math.max(s.pods, s.processes)));
    expect(most).toBeLessThanOrEqual(QUOTA);
    // …and the quota was used, not one pod at a time.
    expect(most).toBeGreaterThanOrEqual(2);
    expect((await podsOf("six")).map((p) => p.status?.phase)).toEqual(Array(6).fill("Succeeded"));
  });

  it("keeps a second Job suspended while the first holds the whole quota, and admits it when the first finishes", async () => {
    const first = await batch.createNamespacedJob({ namespace, body: sleeperJob("first", QUOTA, 2500) });
    const firstWorkload = await until("the first Job's Workload to be admitted", async () => {
      const w = await workloadOf(first.metadata!.uid!);
      return w && isTrue(w.status?.conditions, "Admitted") ? w : undefined;
    });
    const second = await batch.createNamespacedJob({ namespace, body: sleeperJob("second", QUOTA, 200) });
    expect(second.spec?.suspend).toBe(true);

    // The second Job is read first: once it is unsuspended, the first Workload has finished.
    let heldWhileFirstRan = 0;
    await until("the second Job to complete", async () => {
      const job = await readJob("second");
      const w = await custom.getNamespacedCustomObject({
        ...KUEUE,
        namespace,
        plural: "workloads",
        name: firstWorkload.metadata.name,
      });
      const firstFinished = isTrue((w as Workload).status?.conditions, "Finished");
      if (job.spec?.suspend === false) expect(firstFinished).toBe(true);
      else if (!firstFinished) heldWhileFirstRan++;
      return isTrue(job.status?.conditions as Condition[] | undefined, "Complete") ? true : undefined;
    });
    expect(heldWhileFirstRan).toBeGreaterThan(0);
    expect((await readJob("first")).status?.succeeded).toBe(QUOTA);
    expect((await readJob("second")).status?.succeeded).toBe(QUOTA);
  });

  it("leaves a Job without the queue label alone: not suspended, no Workload", async () => {
    const created = await batch.createNamespacedJob({
      namespace,
      body: sleeperJob("unqueued", 2, 100, { queued: false }),
    });
    expect(created.spec?.suspend).toBe(false);
    const done = await until("job unqueued to complete", () => complete("unqueued"));
    expect(done.status?.succeeded).toBe(2);
    expect(done.metadata?.labels?.[infra.kueue.queueNameLabel]).toBeUndefined();
    expect(await workloadOf(created.metadata!.uid!)).toBeUndefined();
  });
});
