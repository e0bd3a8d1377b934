import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { BatchV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { killPodProcess, runningPods } from "./pod-runner-control.js";

const infra = inject("infra");
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const namespace = `infra-jobs-${Math.random().toString(36).slice(2, 8)}`;
const IMAGE = "gik-job-image:dev";
const INDEX = "batch.kubernetes.io/job-completion-index";

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const podsOf = async (job: string) =>
  (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` })).items;
const stdoutOf = (pod: V1Pod) =>
  readFileSync(join(infra.kube.podRunner.podLogs, namespace, pod.metadata!.name!, "stdout"), "utf8");
const exitCode = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
const jobCondition = async (name: string, type: string) => {
  const job = await batch.readNamespacedJob({ name, namespace });
  const c = job.status?.conditions?.find((x) => x.type === type && x.status === "True");
  return c ? { job, condition: c } : undefined;
};

function nodeJob(name: string, script: string, spec: Partial<NonNullable<V1Job["spec"]>>, env = {}): V1Job {
  return {
    metadata: { name, namespace },
    spec: {
      completionMode: "Indexed",
      ...spec,
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "main", image: IMAGE, command: ["node", "-e", script], ...env }],
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
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: "settings" }, data: { color: "blue" } },
  });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: "creds" }, stringData: { token: "s3cr3t" } },
  });
});

describe("an Indexed Job run by the real Job controller on kwok nodes", () => {
  const script = `
    const e = process.env;
    console.log(JSON.stringify({ index: e.JOB_COMPLETION_INDEX, pod: e.POD_NAME, failures: e.FAILURES,
      greeting: e.GREETING, color: e.COLOR, token: e.TOKEN }));
    if (e.JOB_COMPLETION_INDEX === "1" && e.FAILURES === "0") process.exit(3);`;
  const env = {
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      {
        name: "FAILURES",
        valueFrom: {
          fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-index-failure-count']" },
        },
      },
      { name: "GREETING", value: "hello from $(POD_NAME)" },
      { name: "COLOR", valueFrom: { configMapKeyRef: { name: "settings", key: "color" } } },
      { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
    ],
  };

  it("completes 3 indexes from local processes, retrying the index that failed once and only it", async () => {
    const job = nodeJob("three", script, { completions: 3, parallelism: 3, backoffLimitPerIndex: 1 }, env);
    await batch.createNamespacedJob({ namespace, body: job });
    const { job: done } = await until("job three to complete", () => jobCondition("three", "Complete"));
    expect(done.status).toMatchObject({ succeeded: 3, failed: 1, completedIndexes: "0-2" });

    const pods = await podsOf("three");
    const byIndex = (i: string) => pods.filter((p) => p.metadata?.annotations?.[INDEX] === i);
    expect(byIndex("0").map(exitCode)).toEqual([0]);
    expect(byIndex("2").map(exitCode)).toEqual([0]);
    expect(byIndex("1").map(exitCode).sort()).toEqual([0, 3]);
    for (const pod of pods) {
      expect(infra.kube.nodeNames).toContain(pod.spec?.nodeName);
      const printed = JSON.parse(stdoutOf(pod));
      expect(printed).toEqual({
        index: pod.metadata!.annotations![INDEX],
        pod: pod.metadata!.name,
        failures: pod.metadata!.annotations!["batch.kubernetes.io/job-index-failure-count"],
        greeting: `hello from ${pod.metadata!.name}`,
        color: "blue",
        token: "s3cr3t",
      });
    }
  });

  it("reports a process killed by SIGKILL as exit code 137, which podFailurePolicy acts on", async () => {
    const job = nodeJob("killed", 'console.log("up"); setInterval(() => {}, 1000);', {
      completions: 1,
      backoffLimit: 3,
      podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [137] } }] },
    });
    await batch.createNamespacedJob({ namespace, body: job });
    const [pod] = await until("the pod of job killed to run", async () => {
      const running = await runningPods(infra.kube.podRunner.controlUrl);
      const pods = await podsOf("killed");
      return pods.length && running.includes(`${namespace}/${pods[0]!.metadata!.name}`) ? pods : undefined;
    });
    expect(
      await killPodProcess(infra.kube.podRunner.controlUrl, namespace, pod!.metadata!.name!, "SIGKILL"),
    ).toBe(true);
    const { condition } = await until("job killed to fail", () => jobCondition("killed", "Failed"));
    expect(condition.reason).toBe("PodFailurePolicy");
    const [after] = await podsOf("killed");
    expect(after!.status?.phase).toBe("Failed");
    expect(after!.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "Error",
    });
  });

  it("gives the process the RBAC rights of the pod's service account, no more", async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "reader" } } });
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: "read-configmaps" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-configmaps" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace }],
      },
    });
    // The process reads its KUBECONFIG (JSON) and asks the API who it is and what it may read.
    const script = `
      const https = require("node:https");
      const kc = JSON.parse(require("node:fs").readFileSync(process.env.KUBECONFIG, "utf8"));
      const server = new URL(kc.clusters[0].cluster.server);
      const ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64");
      const call = (method, path, body) => new Promise((resolve, reject) => {
        const req = https.request({ host: server.hostname, port: server.port, method, path, ca,
          headers: { authorization: "Bearer " + kc.users[0].user.token, "content-type": "application/json" } },
          (res) => { let t = ""; res.on("data", (c) => (t += c)); res.on("end", () => resolve({ status: res.statusCode, t })); });
        req.on("error", reject);
        req.end(body && JSON.stringify(body));
      });
      (async () => {
        const me = await call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
          { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
        const ns = process.env.NS;
        const cm = await call("GET", "/api/v1/namespaces/" + ns + "/configmaps/settings");
        const secrets = await call("GET", "/api/v1/namespaces/" + ns + "/secrets");
        console.log(JSON.stringify({ user: JSON.parse(me.t).status.userInfo.username, configmap: cm.status, secrets: secrets.status }));
      })();`;
    const job = nodeJob(
      "whoami",
      script,
      { completions: 1, backoffLimit: 0 },
      {
        env: [{ name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
      },
    );
    job.spec!.template.spec!.serviceAccountName = "reader";
    await batch.createNamespacedJob({ namespace, body: job });
    await until("job whoami to complete", () => jobCondition("whoami", "Complete"));
    const [pod] = await podsOf("whoami");
    expect(JSON.parse(stdoutOf(pod!))).toEqual({
      user: `system:serviceaccount:${namespace}:reader`,
      configmap: 200,
      secrets: 403,
    });
  });
});

describe("garbage collection", () => {
  it("removes the pods of a deleted Job, finished ones included", async () => {
    await batch.createNamespacedJob({
      namespace,
      body: nodeJob("collected", 'console.log("done")', { completions: 2, parallelism: 2 }),
    });
    await until("job collected to complete", () => jobCondition("collected", "Complete"));
    expect(await podsOf("collected")).toHaveLength(2);
    await batch.deleteNamespacedJob({ name: "collected", namespace, propagationPolicy: "Background" });
    await until("the pods of job collected to be gone", async () =>
      (await podsOf("collected")).length === 0 ? true : undefined,
    );
  });
});

describe("a pod deleted while its process runs", () => {
  it.each([
    {
      name: "exits on SIGTERM",
      script:
        'process.on("SIGTERM", () => { console.log("SIGTERM"); process.exit(0); }); console.log("ready"); setInterval(() => {}, 1000);',
      printed: "SIGTERM",
    },
    {
      name: "ignores SIGTERM",
      script:
        'process.on("SIGTERM", () => console.log("ignored")); console.log("ready"); setInterval(() => {}, 1000);',
      printed: "ignored",
    },
  ])("is stopped and removed when the process $name", async ({ script, printed }) => {
    const name = `deleted-${Math.random().toString(36).slice(2, 8)}`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{ name: "main", image: IMAGE, command: ["node", "-e", script] }],
        },
      },
    });
    await until(
      `pod ${name} to run`,
      async () =>
        (await runningPods(infra.kube.podRunner.controlUrl)).includes(`${namespace}/${name}`) || undefined,
    );
    // The process says when its handler is installed (Node takes well over 300 ms to start on a busy machine).
    const stdout = join(infra.kube.podRunner.podLogs, namespace, name, "stdout");
    await until(`pod ${name} to install its SIGTERM handler`, async () =>
      existsSync(stdout) && readFileSync(stdout, "utf8").includes("ready") ? true : undefined,
    );
    const deleted = Date.now();
    await core.deleteNamespacedPod({ name, namespace });
    await until(`pod ${name} to be removed`, () =>
      core.readNamespacedPod({ name, namespace }).then(
        () => undefined,
        (e: { code?: number }) => e.code === 404 || undefined,
      ),
    );
    expect(Date.now() - deleted).toBeLessThan(15_000);
    expect(readFileSync(join(infra.kube.podRunner.podLogs, namespace, name, "stdout"), "utf8")).toContain(
      printed,
    );
    expect(await runningPods(infra.kube.podRunner.controlUrl)).not.toContain(`${namespace}/${name}`);
  });
});
