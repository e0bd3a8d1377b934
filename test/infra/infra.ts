/**
 * Brings up everything the integration tests talk to and takes it down again:
 *
 * - S3: MinIO; toxiproxy in front of it (`s3Toxic`); the SlowDown proxy in front of it (`s3SlowDown`);
 * - GCS: fake-gcs-server;
 * - Kubernetes: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok with
 *   {@link NODE_NAMES}, and the pod runner (in this process);
 * - Kueue on that cluster, started once the API server is up, beside kwok and the pod runner;
 * - the Python reader environment.
 *
 * What the cache lacks is built first. Whatever started is stopped by `stop()` (see `server-set.ts`),
 * also when a later step of the start fails.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { buildAll } from "./build-all.js";
import { cachePaths } from "./cache-paths.js";
import type { InfraEndpoints } from "./endpoints.js";
import { startFakeGcs } from "./fake-gcs.js";
import { formatMs } from "./go-build.js";
import { startControlPlane } from "./kube-control-plane.js";
import { startKueue } from "./kueue.js";
import { createFakeNodes, startKwok } from "./kwok.js";
import { startMinio } from "./minio.js";
import { startPodRunner } from "./pod-runner.js";
import { servePodRunnerControl } from "./pod-runner-control.js";
import { openServerSet } from "./server-set.js";
import { startSlowDownProxy } from "./slowdown-proxy.js";
import { createProxy, startToxiproxy } from "./toxiproxy.js";

export const NODE_NAMES = ["kwok-node-0", "kwok-node-1", "kwok-node-2"];
export const JOB_IMAGE_PREFIXES = ["gik-job-image"];
const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface Infra {
  endpoints: InfraEndpoints;
  /** One line per component: built or cached, started, and how long each took. */
  timings: string[];
  stop(): Promise<void>;
}

/** Builds what is missing, starts every server and returns their endpoints. */
export async function startInfra(log: (line: string) => void): Promise<Infra> {
  const paths = cachePaths();
  const built = await buildAll(paths, log);
  const { go } = built;
  const timings = [...built.timings];
  const set = openServerSet(paths, log);
  const { run, track, stop } = set;
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await f();
    timings.push(`${what}: started in ${formatMs(Date.now() - started)}`);
    return result;
  };

  try {
    const s3 = timed("minio + toxiproxy + slowdown proxy", async () => {
      const minio = await startMinio(run, go.minio.bin.minio!);
      track(minio.server);
      const toxiproxy = await startToxiproxy(run, go.toxiproxy.bin["toxiproxy-server"]!);
      track(toxiproxy.server);
      const toxicUrl = await createProxy(toxiproxy.api, "minio", `127.0.0.1:${minio.port}`);
      const slowDown = await startSlowDownProxy({ host: "127.0.0.1", port: minio.port });
      set.onStop(() => slowDown.close());
      return {
        s3: minio.endpoint,
        s3Toxic: { ...minio.endpoint, endpoint: toxicUrl, toxiproxyApi: toxiproxy.api, proxyName: "minio" },
        s3SlowDown: { ...minio.endpoint, endpoint: slowDown.url, controlUrl: slowDown.controlUrl },
      };
    });
    const gcs = timed("fake-gcs-server", async () => {
      const server = await startFakeGcs(run, go["fake-gcs-server"].bin["fake-gcs-server"]!);
      track(server.server);
      return { emulatorHost: server.emulatorHost, projectId: "gik-test" };
    });
    const k8s = go.kubernetes.bin;
    const controlPlane = startControlPlane(run, {
      etcd: go.etcd.bin.etcd!,
      "kube-apiserver": k8s["kube-apiserver"]!,
      "kube-controller-manager": k8s["kube-controller-manager"]!,
      "kube-scheduler": k8s["kube-scheduler"]!,
    }).then((plane) => {
      track(...plane.servers);
      return plane;
    });
    const kube = timed(
      "kubernetes (etcd, apiserver, controller-manager, scheduler, kwok, pod runner)",
      async () => {
        const plane = await controlPlane;
        // The runner first: the nodes kwok keeps name its kubelet server's port.
        const runner = await startPodRunner({
          kubeconfig: plane.adminKubeconfig,
          caFile: plane.pki.caCert,
          kubeletCert: plane.pki.kubeletCert,
          kubeletKey: plane.pki.kubeletKey,
          run,
          nodeNames: NODE_NAMES,
          imagePrefixes: JOB_IMAGE_PREFIXES,
          executables: {
            gik: [process.execPath, `${REPO}dist/job-image/src/cli/main.js`],
            node: [process.execPath],
          },
          log: (line) => log(`pod-runner: ${line}`),
        });
        set.onStop(() => runner.stop());
        track(await startKwok(run, go.kwok.bin.kwok!, plane.adminKubeconfig, runner.kubeletPort));
        const kc = new KubeConfig();
        kc.loadFromFile(plane.adminKubeconfig);
        const core = kc.makeApiClient(CoreV1Api);
        await createFakeNodes(core, NODE_NAMES);
        await waitForDefaultServiceAccount(core);
        const control = await servePodRunnerControl(runner);
        set.onStop(() => control.close());
        return {
          kubeconfig: plane.adminKubeconfig,
          server: plane.server,
          kubectl: go.kubernetes.bin.kubectl!,
          nodeNames: NODE_NAMES,
          podRunner: {
            controlUrl: control.url,
            podLogs: runner.podLogs,
            imagePrefixes: JOB_IMAGE_PREFIXES,
            kubeletPort: runner.kubeletPort,
          },
        };
      },
    );
    const kueue = controlPlane.then((plane) =>
      timed("kueue (CRDs, webhooks, controller manager)", async () => {
        const started = await startKueue({
          run,
          paths,
          bin: go.kueue.bin.kueue!,
          version: go.kueue.version,
          kube: {
            server: plane.server,
            ca: readFileSync(plane.pki.caCert, "utf8"),
            token: plane.pki.tokens.admin,
            kubeconfig: plane.adminKubeconfig,
          },
        });
        track(started.server);
        return started.endpoint;
      }),
    );
    const [s3v, gcsv, kubev, kueuev] = await allOrThrow([s3, gcs, kube, kueue] as const);
    const endpoints: InfraEndpoints = {
      ...s3v,
      gcs: gcsv,
      kube: kubev,
      kueue: kueuev,
      python: built.python.reader,
      pythonPeers: built.python.peers,
      bin: Object.fromEntries(Object.entries(go).map(([name, c]) => [name, `${c.dir}/bin`])),
      runDir: run.dir,
    };
    log(`servers and logs of this run: ${run.dir}`);
    return { endpoints, timings, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Like `Promise.all`, but waits for every promise to settle first, so nothing is still starting when a failure is handled. */
async function allOrThrow<T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === "rejected") throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** Pods of a namespace are admitted once its `default` service account exists. */
async function waitForDefaultServiceAccount(core: CoreV1Api, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await core.readNamespacedServiceAccount({ name: "default", namespace: "default" }).then(
      () => true,
      () => false,
    );
    if (found) return;
    if (Date.now() > deadline)
      throw new Error("service account default/default not created by the controller manager");
    await new Promise((r) => setTimeout(r, 300));
  }
}
