/**
 * Pod logs through the API server, as in a cluster: `pods/log` goes to the pod runner's kubelet
 * server (`kubelet-server.ts`) named by the kwok nodes' status, which serves the container log the
 * runner recorded (`pod-log.ts`).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig, Log } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const infra = inject("infra");
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `infra-podlogs-${Math.random().toString(36).slice(2, 8)}`;
const IMAGE = "gik-job-image:dev";
/** Files the pods wait for, so a test decides when a running pod writes its next line. */
const triggers = mkdtempSync(join(tmpdir(), "gik-podlogs-"));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const createPod = (name: string, script: string) =>
  core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "main", image: IMAGE, command: ["node", "-e", script] }],
      },
    },
  });
const phaseIs = (name: string, phases: string[]) =>
  until(`pod ${name} in ${phases.join(" or ")}`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace });
    return phases.includes(pod.status?.phase ?? "") ? pod : undefined;
  });
const kubectl = async (args: string[]) =>
  promisify(execFile)(infra.kube.kubectl, [
    "--kubeconfig",
    infra.kube.kubeconfig,
    "-n",
    namespace,
    ...args,
  ]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      stdout: err.stdout ?? "",
      stderr: err.stderr ?? "",
    }),
  );

/** A pod that logs a JSON record to stderr, then (100 ms later, so the order is certain) five lines to stdout. */
const PRINTER = `
  console.error(JSON.stringify({ level: 30, msg: "start" }));
  setTimeout(() => { for (let i = 1; i <= 5; i++) console.log("line " + i); }, 100);`;
/** A pod that logs progress record `n` once the file `<triggers>/<name>-<n>` exists, up to 3, then ends. */
const waiter = (name: string) => `
  const fs = require("node:fs");
  let step = 1;
  const tick = () => {
    console.error(JSON.stringify({ level: 30, msg: "progress", step }));
    if (step === 3) return;
    const next = ${JSON.stringify(join(triggers, name))} + "-" + (step + 1);
    const wait = setInterval(() => {
      if (!fs.existsSync(next)) return;
      clearInterval(wait);
      step++;
      tick();
    }, 50);
  };
  tick();`;
const trigger = (name: string, step: number) => writeFileSync(join(triggers, `${name}-${step}`), "");
/** The newest JSON record of a pod's log, as the operator reads it. */
const lastRecord = async (name: string) => {
  const text = await core.readNamespacedPodLog({ name, namespace, tailLines: 1 });
  return text.trim() ? (JSON.parse(text) as { step?: number }) : undefined;
};

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await until("the default service account", () =>
    core.readNamespacedServiceAccount({ name: "default", namespace }).then(
      () => true,
      () => undefined,
    ),
  );
  await createPod("printer", PRINTER);
  await phaseIs("printer", ["Succeeded", "Failed"]);
});
afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  rmSync(triggers, { recursive: true, force: true });
});

describe("the kwok nodes", () => {
  it("name the kubelet server: InternalIP 127.0.0.1 and the daemon endpoint's port", async () => {
    for (const name of infra.kube.nodeNames) {
      const node = await core.readNode({ name });
      expect(node.status?.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
      expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(infra.kube.podRunner.kubeletPort);
    }
  });
});

describe("pod logs through the API server", () => {
  it("readNamespacedPodLog returns the container's output, stderr and stdout in the order written", async () => {
    expect(await core.readNamespacedPodLog({ name: "printer", namespace })).toBe(
      '{"level":30,"msg":"start"}\nline 1\nline 2\nline 3\nline 4\nline 5\n',
    );
    expect(await core.readNamespacedPodLog({ name: "printer", namespace, tailLines: 2 })).toBe(
      "line 4\nline 5\n",
    );
    expect(
      await core.readNamespacedPodLog({ name: "printer", namespace, container: "main", limitBytes: 10 }),
    ).toBe('{"level":3');
    const stamped = await core.readNamespacedPodLog({
      name: "printer",
      namespace,
      tailLines: 2,
      timestamps: true,
    });
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 4\n\S+Z line 5\n$/);
  });

  it("kubectl logs prints them", async () => {
    expect(await kubectl(["logs", "printer", "--tail=2"])).toEqual({
      code: 0,
      stdout: "line 4\nline 5\n",
      stderr: "",
    });
    expect((await kubectl(["logs", "pod/printer", "-c", "main"])).stdout).toBe(
      '{"level":30,"msg":"start"}\nline 1\nline 2\nline 3\nline 4\nline 5\n',
    );
  });

  it("a running pod's log grows: a second read shows the new record", async () => {
    await createPod("waiter", waiter("waiter"));
    await phaseIs("waiter", ["Running"]);
    expect(await until("the first record", () => lastRecord("waiter"))).toMatchObject({ step: 1 });
    trigger("waiter", 2);
    await until(
      "record 2",
      async () => ((await lastRecord("waiter"))?.step === 2 ? true : undefined),
      30_000,
    );
    expect(await core.readNamespacedPodLog({ name: "waiter", namespace })).toBe(
      [1, 2].map((step) => `${JSON.stringify({ level: 30, msg: "progress", step })}\n`).join(""),
    );
    trigger("waiter", 3);
    await phaseIs("waiter", ["Succeeded"]);
    expect(await lastRecord("waiter")).toMatchObject({ step: 3 });
  });

  it("follows a running pod's log until the container ends", async () => {
    await createPod("followed", waiter("followed"));
    await phaseIs("followed", ["Running"]);
    await until("the first record", () => lastRecord("followed"));
    const out = new PassThrough();
    let seen = "";
    out.on("data", (c: Buffer) => {
      seen += c.toString("utf8");
    });
    const ended = new Promise((r) => out.on("end", r));
    await new Log(kc).log(namespace, "followed", "main", out, { follow: true, tailLines: 1 });
    await until(
      "the followed first record",
      async () => (seen.includes('"step":1') ? true : undefined),
      30_000,
    );
    trigger("followed", 2);
    await until(
      "the followed second record",
      async () => (seen.includes('"step":2') ? true : undefined),
      30_000,
    );
    trigger("followed", 3);
    await ended;
    expect(
      seen
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).step),
    ).toEqual([1, 2, 3]);
  });

  it("an unknown pod is a clean 404; previous is the kubelet's 400", async () => {
    await expect(core.readNamespacedPodLog({ name: "nobody", namespace })).rejects.toMatchObject({
      code: 404,
    });
    const missing = await kubectl(["logs", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pods "nobody" not found');
    await expect(
      core.readNamespacedPodLog({ name: "printer", namespace, previous: true }),
    ).rejects.toMatchObject({
      code: 400,
      body: expect.stringContaining(
        'previous terminated container \\"main\\" in pod \\"printer\\" not found',
      ),
    });
  });
});
