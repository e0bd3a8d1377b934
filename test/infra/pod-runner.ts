/**
 * The pod runner: the kubelet of the kwok nodes for pods of the job image. It watches pods that
 * the scheduler placed on a kwok node and whose first container's image starts with one of the
 * configured prefixes, and for each one:
 *
 * 1. claims it (annotation {@link POD_RUNNER_ANNOTATION}, so kwok leaves it alone);
 * 2. resolves the container's environment (see `pod-env.ts`) and requests a token of the pod's
 *    service account (TokenRequest, bound to the pod), written into a kubeconfig the process
 *    gets as `KUBECONFIG`: the process has exactly the RBAC rights of the job's service account;
 * 3. runs `command` + `args` as a local process in its own process group, the executable mapped
 *    through {@link PodRunnerOptions.executables} (`gik` → `node dist/job-image/src/cli/main.js`),
 *    stdout and stderr in `<run>/pods/<namespace>/<pod>/`;
 * 4. sets the pod Running, then Succeeded or Failed with the exit code (see `pod-status.ts`).
 *
 * A pod deleted while its process runs gets SIGTERM, SIGKILL after its grace period, and is then
 * removed (`gracePeriodSeconds: 0`), as a kubelet finalizes a pod.
 *
 * @module
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import {
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { writeKubeconfig } from "./kubeconfig.js";
import { containerEnv } from "./pod-env.js";
import type { ProcessExit } from "./pod-status.js";
import {
  claimable,
  POD_RUNNER_ANNOTATION,
  processExit,
  runningStatus,
  terminatedStatus,
  waitingStatus,
} from "./pod-status.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { startServer } from "./server-process.js";

export interface PodRunnerOptions {
  /** Admin kubeconfig: the runner acts as the nodes' kubelet. */
  kubeconfig: string;
  /** The cluster CA file, for the kubeconfigs handed to processes. */
  caFile: string;
  run: RunDir;
  nodeNames: readonly string[];
  /** Image prefixes of the pods to run. Default `["gik-job-image"]`. */
  imagePrefixes?: readonly string[];
  /** Executable name → the command line that replaces it, e.g. `{ gik: ["node", "…/main.js"] }`. */
  executables: Readonly<Record<string, readonly string[]>>;
  log: (line: string) => void;
}

export interface PodRunner {
  /** Sends `signal` to the process group of a running pod; false when no process runs for it. */
  kill(namespace: string, name: string, signal: NodeJS.Signals): boolean;
  /** `namespace/name` of the pods whose processes run now. */
  running(): string[];
  /** Where each pod's `stdout`, `stderr` and `kubeconfig` are: `<podLogs>/<namespace>/<name>/`. */
  podLogs: string;
  stop(): Promise<void>;
}

interface PodRun {
  key: string;
  process?: ServerProcess;
  deleting: boolean;
  /** Kept after the end, so late watch events of the pod cannot start it again. */
  done: boolean;
}

/** The grace period of a pod being deleted, as the kubelet applies it before SIGKILL. */
const graceMs = (pod: V1Pod) =>
  (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
/** A command line for the log: one line, at most 120 characters. */
const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
};
const isNotFound = (err: unknown) => (err as { code?: number }).code === 404;
const ignoreNotFound = (err: unknown) => {
  if (!isNotFound(err)) throw err;
};

/** Starts watching pods; resolves once the watch is established. */
export async function startPodRunner(options: PodRunnerOptions): Promise<PodRunner> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const prefixes = options.imagePrefixes ?? ["gik-job-image"];
  const podLogs = join(options.run.dir, "pods");
  const runs = new Map<string, PodRun>();
  const server = kc.getCurrentCluster()!.server;
  const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

  const setStatus = (pod: V1Pod, status: V1PodStatus) =>
    core
      .patchNamespacedPodStatus(
        { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
        strategic,
      )
      .catch(ignoreNotFound);
  const finalize = (pod: V1Pod) =>
    core
      .deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
      })
      .catch(ignoreNotFound);
  const sources = {
    secret: async (namespace: string, name: string) => {
      const s = await core
        .readNamespacedSecret({ name, namespace })
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return (
        s &&
        Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
        )
      );
    },
    configMap: async (namespace: string, name: string) => {
      const c = await core
        .readNamespacedConfigMap({ name, namespace })
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return c && { ...c.data };
    },
  };

  /** Runs one pod to its end; never throws (failures become the pod's status and a log line). */
  async function runPod(pod: V1Pod, run: PodRun): Promise<void> {
    const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
    await core.patchNamespacedPod(
      { name, namespace, body: { metadata: { annotations: { [POD_RUNNER_ANNOTATION]: "claimed" } } } },
      merge,
    );
    const container = pod.spec!.containers[0]!;
    if (pod.spec!.containers.length !== 1 || pod.spec!.initContainers?.length) {
      return void (await setStatus(
        pod,
        waitingStatus(
          pod,
          "PodRunnerUnsupported",
          "the pod runner runs pods of one container and no init containers",
        ),
      ));
    }
    const [executable, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
    if (!executable)
      return void (await setStatus(
        pod,
        waitingStatus(pod, "PodRunnerUnsupported", "container has no command"),
      ));
    const env = await resolveEnv(pod);
    if (!env || run.deleting) return void (await finalize(pod));

    const dir = join(podLogs, namespace, name);
    mkdirSync(dir, { recursive: true });
    const account = pod.spec!.serviceAccountName ?? "default";
    const token = await core.createNamespacedServiceAccountToken({
      name: account,
      namespace,
      body: {
        spec: {
          audiences: [],
          expirationSeconds: 3600,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid },
        },
      },
    });
    const kubeconfig = writeKubeconfig(join(dir, "kubeconfig"), {
      server,
      caFile: options.caFile,
      user: `system:serviceaccount:${namespace}:${account}`,
      token: token.status!.token,
      namespace,
    });
    const commandLine = [...(options.executables[executable] ?? [executable]), ...rest];
    const startedAt = new Date();
    let exit: ProcessExit;
    try {
      run.process = startServer(options.run, {
        name: `pod-${namespace}-${name}`,
        command: commandLine[0]!,
        args: commandLine.slice(1),
        cwd: dir,
        inheritEnv: false,
        env: { PATH: process.env.PATH, HOME: dir, ...env, KUBECONFIG: kubeconfig },
        output: { stdout: join(dir, "stdout"), stderr: join(dir, "stderr") },
      });
      options.log(`pod ${run.key}: started ${oneLine(commandLine.join(" "))} (pid ${run.process.pid})`);
      if (run.deleting) void run.process.stop(graceMs(pod));
      await setStatus(pod, runningStatus(pod, run.process.pid, startedAt));
      exit = processExit(await run.process.exited);
    } catch (err) {
      exit = { exitCode: 128, reason: "StartError", message: String(err) };
    }
    options.log(`pod ${run.key}: exited ${exit.exitCode}${exit.message ? ` (${exit.message})` : ""}`);
    await setStatus(pod, terminatedStatus(pod, run.process?.pid ?? 0, startedAt, exit, new Date()));
    await run.process?.stop(0);
    if (run.deleting) await finalize(pod);
  }

  /** The pod's environment; retried every 2 s while a source is missing, undefined once the pod is gone. */
  async function resolveEnv(pod: V1Pod): Promise<Record<string, string> | undefined> {
    for (let current: V1Pod | undefined = pod; current && !current.metadata?.deletionTimestamp; ) {
      try {
        return await containerEnv(current, current.spec!.containers[0]!, sources);
      } catch (err) {
        await setStatus(current, waitingStatus(current, "CreateContainerConfigError", String(err)));
        await new Promise((r) => setTimeout(r, 2000));
        const { name, namespace } = current.metadata as { name: string; namespace: string };
        current = await core
          .readNamespacedPod({ name, namespace })
          .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      }
    }
    return undefined;
  }

  const onPod = (pod: V1Pod) => {
    const mine = options.nodeNames.includes(pod.spec?.nodeName ?? "") && claimable(pod, prefixes);
    if (!mine) return;
    const uid = pod.metadata?.uid ?? "";
    const run = runs.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (run && !run.done) {
        // Stopped here if running now, or by runPod right after the start (it checks `deleting`).
        if (!run.deleting) void run.process?.stop(graceMs(pod));
        run.deleting = true;
      } else if (pod.metadata.annotations?.[POD_RUNNER_ANNOTATION]) {
        void finalize(pod).catch((e) => options.log(`pod ${uid}: finalize: ${e}`));
      }
      return;
    }
    if (run || pod.status?.phase !== "Pending") return;
    const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    const next: PodRun = { key, deleting: false, done: false };
    runs.set(uid, next);
    void runPod(pod, next)
      .catch(async (err) => {
        options.log(`pod ${key}: ${err instanceof Error ? err.message : err}`);
        await setStatus(pod, waitingStatus(pod, "PodRunnerError", String(err))).catch(() => undefined);
      })
      .finally(() => {
        next.done = true;
      });
  };

  const informer = makeInformer<V1Pod>(kc, "/api/v1/pods", () => core.listPodForAllNamespaces());
  informer.on("add", onPod);
  informer.on("update", onPod);
  informer.on("delete", (pod) => void runs.get(pod.metadata?.uid ?? "")?.process?.stop(2000));
  let stopped = false;
  informer.on("error", (err) => {
    if (stopped) return;
    options.log(`pod watch failed (${String(err)}); restarting`);
    setTimeout(() => void informer.start().catch(() => undefined), 1000);
  });
  await informer.start();

  const live = () => [...runs.values()].filter((r) => r.process && !r.done);
  return {
    podLogs,
    kill: (namespace, name, signal) => {
      const run = live().find((r) => r.key === `${namespace}/${name}`);
      if (!run) return false;
      try {
        process.kill(-run.process!.pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    running: () => live().map((r) => r.key),
    stop: async () => {
      stopped = true;
      await informer.stop();
      await Promise.all(live().map((r) => r.process!.stop(0)));
    },
  };
}
