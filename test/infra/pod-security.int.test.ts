/**
 * The pod runner holds a pod's process to the pod's security context and memory limit as a real
 * node would (`pod-launch.ts`): shown on pods created in the test cluster and run by the runner.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { V1Container, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const infra = inject("infra");
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `infra-podsec-${Math.random().toString(36).slice(2, 8)}`;
const IMAGE = "gik-job-image:dev";
const REPO = fileURLToPath(new URL("../..", import.meta.url));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Creates a pod running `node -e script`; `container` and `spec` add to the defaults. */
async function createPod(
  name: string,
  script: string,
  container: Partial<V1Container> = {},
  spec: Partial<V1PodSpec> = {},
): Promise<void> {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "main", image: IMAGE, command: ["node", "-e", script], ...container }],
        ...spec,
      },
    },
  });
}

/** The pod once it ended (Succeeded or Failed). */
const ended = (name: string) =>
  until(`pod ${name} to end`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace });
    return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed" ? pod : undefined;
  });
const stdoutOf = (name: string) =>
  readFileSync(join(infra.kube.podRunner.podLogs, namespace, name, "stdout"), "utf8");
const printed = (name: string) => JSON.parse(stdoutOf(name).trim().split("\n").at(-1)!);
const terminated = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.terminated;

/**
 * Prints who the process is, what /tmp holds, and whether it could write `WRITE_PATH`; exits 1
 * when it could not.
 */
const PROBE = `
  const fs = require("node:fs");
  const out = { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
    kubeconfig: process.env.KUBECONFIG ?? null, tmp: fs.readdirSync("/tmp") };
  const tmp = fs.statSync("/tmp");
  out.tmpOwner = [tmp.uid, tmp.gid];
  try {
    fs.writeFileSync(process.env.WRITE_PATH, "x");
    out.write = "ok";
  } catch (err) {
    out.write = err.code;
  }
  if (out.kubeconfig) out.kubeconfigReadable = JSON.parse(fs.readFileSync(out.kubeconfig, "utf8")).kind;
  console.log(JSON.stringify(out));
  process.exit(out.write === "ok" ? 0 : 1);`;

/** The operator's locked-down container and pod (`operator/src/reconcilers/common/job-spec.ts`), user `uid`. */
const lockedDown = (uid: number, writePath: string) => ({
  container: {
    env: [{ name: "WRITE_PATH", value: writePath }],
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  } satisfies Partial<V1Container>,
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid },
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
  } satisfies Partial<V1PodSpec>,
});

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await until("the default service account", () =>
    core.readNamespacedServiceAccount({ name: "default", namespace }).then(
      () => true,
      () => undefined,
    ),
  );
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe("a read-only root filesystem with an emptyDir at /tmp", () => {
  // Outside the emptyDir: the repository, and the runner's own directory of the pod's logs.
  const probe = join(REPO, `podsec-probe-${namespace}`);
  const logsProbe = join(infra.kube.podRunner.podLogs, namespace, "logs-as-root", "written-by-pod");
  afterAll(() => {
    for (const p of [probe, logsProbe]) rmSync(p, { force: true });
  });

  // A repository under /tmp (a clone in /tmp/ci-check) lies under the pod's emptyDir, which hides it
  // as a real container's /tmp would: the write finds no directory there.
  const repoRefusal = REPO.startsWith("/tmp/") ? "ENOENT" : "EROFS";

  it("lets the process write to its emptyDir only: elsewhere, the repository included, EROFS (ENOENT where the emptyDir hides it)", async () => {
    const pods = {
      "tmp-as-1000": lockedDown(1000, "/tmp/x"),
      "repo-as-1000": lockedDown(1000, probe),
      // Root could write anywhere but for the read-only root.
      "repo-as-root": {
        container: {
          env: [{ name: "WRITE_PATH", value: probe }],
          securityContext: { readOnlyRootFilesystem: true },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        },
        spec: { volumes: [{ name: "tmp", emptyDir: {} }] },
      },
      "logs-as-root": {
        container: {
          env: [{ name: "WRITE_PATH", value: logsProbe }],
          securityContext: { readOnlyRootFilesystem: true },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        },
        spec: { volumes: [{ name: "tmp", emptyDir: {} }] },
      },
    };
    for (const [name, { container, spec }] of Object.entries(pods))
      await createPod(name, PROBE, container, spec);

    const tmp = await ended("tmp-as-1000");
    expect(tmp.status?.phase).toBe("Succeeded");
    // A fresh directory of the pod, owned by its user, not this machine's /tmp.
    expect(printed("tmp-as-1000")).toMatchObject({
      uid: 1000,
      gid: 1000,
      tmp: [],
      tmpOwner: [1000, 1000],
      write: "ok",
    });

    for (const name of ["repo-as-1000", "repo-as-root", "logs-as-root"]) {
      const pod = await ended(name);
      expect(pod.status?.phase, name).toBe("Failed");
      expect(terminated(pod), name).toMatchObject({ exitCode: 1, reason: "Error" });
      expect(printed(name).write, name).toBe(name.startsWith("repo-") ? repoRefusal : "EROFS");
    }
    expect(existsSync(probe)).toBe(false);
    expect(existsSync(logsProbe)).toBe(false);
  });
});

describe("the user of the process", () => {
  it("is the container's runAsUser/runAsGroup over the pod's, with fsGroup and supplementalGroups", async () => {
    const { container, spec } = lockedDown(1000, "/tmp/x");
    await createPod(
      "uid-4321",
      PROBE,
      { ...container, securityContext: { ...container.securityContext, runAsUser: 4321, runAsGroup: 4322 } },
      { ...spec, securityContext: { ...spec.securityContext, fsGroup: 5000, supplementalGroups: [6000] } },
    );
    const pod = await ended("uid-4321");
    expect(pod.status?.phase).toBe("Succeeded");
    const out = printed("uid-4321");
    expect(out).toMatchObject({ uid: 4321, gid: 4322, tmpOwner: [4321, 5000], write: "ok" });
    expect([...out.groups].sort((a: number, b: number) => a - b)).toEqual([4322, 5000, 6000]);
  });

  it.each([
    { name: "nonroot-no-uid", sc: { runAsNonRoot: true }, message: "image will run as root" },
    { name: "nonroot-uid-0", sc: { runAsNonRoot: true, runAsUser: 0 }, message: "breaks non-root policy" },
  ])("refuses $name with CreateContainerConfigError, as the kubelet", async ({ name, sc, message }) => {
    await createPod(name, 'console.log("started")', { securityContext: sc });
    const waiting = await until(`pod ${name} to be refused`, async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      return pod.status?.containerStatuses?.[0]?.state?.waiting ?? undefined;
    });
    expect(waiting.reason).toBe("CreateContainerConfigError");
    expect(waiting.message).toContain(message);
    const pod = await core.readNamespacedPod({ name, namespace });
    expect(pod.status?.phase).toBe("Pending");
    expect(existsSync(join(infra.kube.podRunner.podLogs, namespace, name, "stdout"))).toBe(false);
  });
});

describe("a memory limit", () => {
  it("bounds the V8 heap and kills a process whose RSS grows past it: OOMKilled, exit code 137", async () => {
    // 16 MiB of filled Buffers (outside the V8 heap) every 10 ms, up to 256 MiB (four times the
    // limit), then held: the runner's memory watch must kill it however late it looks.
    const script = `
      console.log(process.env.NODE_OPTIONS);
      const kept = [];
      const grow = setInterval(() => {
        for (let i = 0; i < 4; i++) kept.push(Buffer.alloc(4 << 20, 1));
        if (kept.length >= 64) clearInterval(grow);
      }, 10);
      setInterval(() => {}, 1000);`;
    await createPod("oom", script, { resources: { limits: { memory: "64Mi" } } });
    const pod = await ended("oom");
    expect(pod.status?.phase).toBe("Failed");
    expect(terminated(pod)).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    expect(stdoutOf("oom").trim()).toBe("--max-old-space-size=48");
  });

  it("leaves a process within its limit alone", async () => {
    await createPod("within-limit", 'const b = Buffer.alloc(8 << 20, 1); console.log("done", b.length)', {
      resources: { limits: { memory: "256Mi" } },
    });
    const pod = await ended("within-limit");
    expect(pod.status?.phase).toBe("Succeeded");
    expect(stdoutOf("within-limit").trim()).toBe(`done ${8 << 20}`);
  });
});

describe("the service account token", () => {
  it("is mounted as a KUBECONFIG by default, and not when the pod or its ServiceAccount says automount false", async () => {
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: "no-token" }, automountServiceAccountToken: false },
    });
    const env = { env: [{ name: "WRITE_PATH", value: "/dev/null" }] };
    await createPod("token-default", PROBE, env);
    await createPod("token-off-pod", PROBE, env, { automountServiceAccountToken: false });
    await createPod("token-off-account", PROBE, env, { serviceAccountName: "no-token" });
    await createPod("token-on-pod-over-account", PROBE, env, {
      serviceAccountName: "no-token",
      automountServiceAccountToken: true,
    });

    for (const name of ["token-default", "token-on-pod-over-account"]) {
      expect((await ended(name)).status?.phase, name).toBe("Succeeded");
      expect(printed(name), name).toMatchObject({
        kubeconfig: "/var/run/secrets/kubernetes.io/serviceaccount/kubeconfig",
        kubeconfigReadable: "Config",
      });
    }
    for (const name of ["token-off-pod", "token-off-account"]) {
      expect((await ended(name)).status?.phase, name).toBe("Succeeded");
      expect(printed(name).kubeconfig, name).toBeNull();
    }
  });
});

describe("the termination message", () => {
  it("is what the container wrote to its terminationMessagePath, else the log tail of a failure", async () => {
    const locked = {
      securityContext: { runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true },
      terminationMessagePolicy: "FallbackToLogsOnError",
    };
    await createPod(
      "message-written",
      `require("node:fs").writeFileSync("/dev/termination-log", '{"member":"ens01"}'); process.exit(2);`,
      locked,
    );
    await createPod(
      "message-fallback",
      `console.error("line 1"); console.error("it broke"); process.exit(1);`,
      locked,
    );
    await createPod("message-none", `console.error("fine");`, locked);
    expect(terminated(await ended("message-written"))).toMatchObject({
      exitCode: 2,
      message: '{"member":"ens01"}',
    });
    expect(terminated(await ended("message-fallback"))?.message).toBe("line 1\nit broke");
    expect(terminated(await ended("message-none"))?.message).toBeUndefined();
  });
});
