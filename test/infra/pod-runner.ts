/**
 * The pod runner: the kubelet of the kwok nodes for pods of the job image. It watches pods that
 * the scheduler placed on a kwok node and whose first container's image starts with one of the
 * configured prefixes, and for each one:
 *
 * 1. claims it (annotation {@link POD_RUNNER_ANNOTATION}, so kwok leaves it alone);
 * 2. resolves the container's environment (see `pod-env.ts`) and makes its launch plan (see
 *    `pod-launch.ts`): the user of its security context, a read-only root filesystem with its
 *    emptyDir volumes, the memory bound; a container the kubelet would refuse (`runAsNonRoot`
 *    without a non-root UID) stays Pending with `CreateContainerConfigError`;
 * 3. when the service account token is mounted (`automountServiceAccountToken` of the pod, else of
 *    the ServiceAccount, not false), requests a token of the pod's service account (TokenRequest,
 *    bound to the pod), written into a kubeconfig the process gets as `KUBECONFIG`: the process has
 *    exactly the RBAC rights of the job's service account; otherwise it gets no KUBECONFIG;
 * 4. runs `command` + `args` as a local process in its own process group (as root: in its own
 *    mount namespace, as the pod's user), the executable mapped through
 *    {@link PodRunnerOptions.executables} (`gik` → `node dist/job-image/src/cli/main.js`), stdout
 *    and stderr read from pipes into `<run>/pods/<namespace>/<pod>/`: `stdout`, `stderr` and the
 *    container log of both (`pod-log.ts`); with a memory limit, a watch of the group's RSS
 *    kills it past the limit (`memory-watch.ts`), reported as `OOMKilled`, exit code 137;
 * 5. sets the pod Running, then (once the process exited, what is left of its group is killed, as
 *    a container's processes end with it, and its output is drained) Succeeded or Failed with the
 *    exit code (see `pod-status.ts`), and removes the pod's emptyDir directories.
 *
 * It serves the container logs as a kubelet does (`kubelet-server.ts`, HTTPS on 127.0.0.1 with a
 * certificate of the cluster CA): the kwok nodes name its port in their status, so the API
 * server's `pods/log` (`kubectl logs`) reaches it.
 *
 * A pod deleted while its process runs gets SIGTERM, SIGKILL after its grace period, and is then
 * removed (`gracePeriodSeconds: 0`), as a kubelet finalizes a pod.
 *
 * @module
 */

import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
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
import type { KubeletServer, PodLogSource } from "./kubelet-server.js";
import { startKubeletServer } from "./kubelet-server.js";
import { startMemoryWatch } from "./memory-watch.js";
import { containerEnv } from "./pod-env.js";
import type { LaunchPlan, LaunchRefusal } from "./pod-launch.js";
import { launchPlan, parseMountInfo } from "./pod-launch.js";
import type { PodOutput } from "./pod-log.js";
import { CONTAINER_LOG, logText, recordPodOutput } from "./pod-log.js";
import type { ProcessExit } from "./pod-status.js";
import {
  claimable,
  oomKilledExit,
  POD_RUNNER_ANNOTATION,
  processExit,
  runningStatus,
  terminatedStatus,
  terminationMessageOf,
  waitingStatus,
} from "./pod-status.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { startServer } from "./server-process.js";

export interface PodRunnerOptions {
  /** Admin kubeconfig: the runner acts as the nodes' kubelet. */
  kubeconfig: string;
  /** The cluster CA file, for the kubeconfigs handed to processes; the kubelet server accepts client certificates it signed. */
  caFile: string;
  /** The kubelet server's serving certificate and key (PEM files), valid for 127.0.0.1. */
  kubeletCert: string;
  kubeletKey: string;
  run: RunDir;
  nodeNames: readonly string[];
  /** Image prefixes of the pods to run. Default `["gik-job-image"]`. */
  imagePrefixes?: readonly string[];
  /** Executable name → the command line that replaces it, e.g. `{ gik: ["node", "…/main.js"] }`. */
  executables: Readonly<Record<string, readonly string[]>>;
  log: (line: string) => void;
  /**
   * Whether to run each process in its own mount namespace as the pod's user (see `pod-launch.ts`).
   * Default: when this process is root, which it must be for that.
   */
  isolate?: boolean;
}

export interface PodRunner {
  /** Sends `signal` to the process group of a running pod; false when no process runs for it. */
  kill(namespace: string, name: string, signal: NodeJS.Signals): boolean;
  /** `namespace/name` of the pods whose processes run now. */
  running(): string[];
  /** Where each pod's `stdout`, `stderr`, `container.log` and `serviceaccount/kubeconfig` are: `<podLogs>/<namespace>/<name>/`. */
  podLogs: string;
  /** The port of the kubelet server on 127.0.0.1: the nodes' `daemonEndpoints.kubeletEndpoint.Port`. */
  kubeletPort: number;
  stop(): Promise<void>;
}

interface PodRun {
  key: string;
  container: string;
  process?: ServerProcess;
  /** The process's output being recorded, once it started. */
  output?: PodOutput;
  /** Why the container did not start, when the runner refused it. */
  waitingReason?: string;
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
/** A mount point the wrapper cannot mount on: it must be a directory of this machine (or below the pod's /run). */
const missingMountPoint = (plan: LaunchPlan): LaunchRefusal | undefined => {
  const missing = plan.emptyDirs.find(
    (d) =>
      !d.mountPath.startsWith("/run/") && !statSync(d.mountPath, { throwIfNoEntry: false })?.isDirectory(),
  );
  return (
    missing && {
      reason: "PodRunnerUnsupported",
      message: `mountPath ${missing.mountPath} is no directory of this machine; the pod runner mounts only on existing directories`,
    }
  );
};
/** The path of `name` in this process's PATH (or the system's). */
const findExecutable = (name: string) =>
  `${process.env.PATH ?? ""}:/usr/sbin:/usr/bin:/sbin:/bin`
    .split(":")
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
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
  /** The latest run of each `namespace/name`, for the kubelet server. */
  const latest = new Map<string, PodRun>();
  const server = kc.getCurrentCluster()!.server;
  const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const unshare = (options.isolate ?? process.getuid?.() === 0) ? findExecutable("unshare") : undefined;
  if (!unshare) options.log("not root (or no unshare): pods run as this user, without their own mounts");
  const volumesRoot = options.run.data("pod-volumes");
  const memoryWatch = startMemoryWatch();

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
      run.waitingReason = "PodRunnerUnsupported";
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
    if (!executable) {
      run.waitingReason = "PodRunnerUnsupported";
      return void (await setStatus(
        pod,
        waitingStatus(pod, "PodRunnerUnsupported", "container has no command"),
      ));
    }
    const env = await resolveEnv(pod);
    if (!env || run.deleting) return void (await finalize(pod));

    const dir = join(podLogs, namespace, name);
    mkdirSync(dir, { recursive: true });
    const account = pod.spec!.serviceAccountName ?? "default";
    const commandLine = [...(options.executables[executable] ?? [executable]), ...rest];
    const launch = launchPlan({
      pod,
      container,
      commandLine,
      env,
      path: process.env.PATH ?? "/usr/bin:/bin",
      podDir: dir,
      volumesDir: join(volumesRoot, uid),
      serviceAccountAutomount:
        pod.spec!.automountServiceAccountToken === undefined
          ? await accountAutomount(namespace, account)
          : undefined,
      isolation: unshare
        ? { hostMounts: parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8")), unshare }
        : undefined,
    });
    const refusal = "refused" in launch ? launch.refused : missingMountPoint(launch.plan);
    if (refusal) {
      options.log(`pod ${run.key}: not started: ${refusal.reason}: ${refusal.message}`);
      run.waitingReason = refusal.reason;
      return void (await setStatus(pod, waitingStatus(pod, refusal.reason, refusal.message)));
    }
    const plan = (launch as { plan: LaunchPlan }).plan;
    for (const what of plan.notApplied) options.log(`pod ${run.key}: not applied: ${what}`);
    // Without isolation nothing is mounted, and a runner that is not root cannot give files away.
    for (const d of unshare ? plan.emptyDirs : []) {
      // A fresh directory, as the kubelet makes an emptyDir: writable by all, the group fsGroup's.
      mkdirSync(d.hostPath, { recursive: true });
      chownSync(d.hostPath, plan.uid, plan.volumeGroup);
      chmodSync(d.hostPath, plan.volumeGroup === plan.gid ? 0o777 : 0o2777);
    }
    if (plan.serviceAccount) {
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
      mkdirSync(plan.serviceAccount.hostDir, { recursive: true, mode: 0o755 });
      writeKubeconfig(plan.serviceAccount.kubeconfigHostPath, {
        server,
        caFile: options.caFile,
        user: `system:serviceaccount:${namespace}:${account}`,
        token: token.status!.token,
        namespace,
      });
      if (unshare) chownSync(plan.serviceAccount.kubeconfigHostPath, plan.uid, plan.gid);
    }
    if (plan.terminationMessage) {
      // The kubelet's file of the container's termination message, mounted at its path in the pod.
      const { hostPath, path } = plan.terminationMessage;
      if (!existsSync(path)) writeFileSync(path, "");
      writeFileSync(hostPath, "");
      chownSync(hostPath, plan.uid, plan.gid);
    }
    const startedAt = new Date();
    let exit: ProcessExit;
    let oomKilled: ProcessExit | undefined;
    let unwatch = () => {};
    try {
      run.process = startServer(options.run, {
        name: `pod-${namespace}-${name}`,
        command: plan.argv[0]!,
        args: plan.argv.slice(1),
        cwd: plan.spawnCwd,
        inheritEnv: false,
        env: plan.env,
        output: "pipe",
      });
      run.output = recordPodOutput(dir, run.process.pipes!);
      const pid = run.process.pid;
      const limit = plan.memoryLimitBytes;
      if (limit !== undefined)
        unwatch = memoryWatch.watch(pid, limit, (rss) => {
          oomKilled = oomKilledExit(limit, rss);
          options.log(`pod ${run.key}: ${oomKilled.message}: killing it`);
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            // Gone already.
          }
        });
      const user = `uid ${plan.uid}, gid ${plan.gid}${plan.readOnlyRootFilesystem ? ", read-only root" : ""}`;
      options.log(`pod ${run.key}: started ${oneLine(commandLine.join(" "))} (pid ${pid}, ${user})`);
      if (run.deleting) void run.process.stop(graceMs(pod));
      await setStatus(pod, runningStatus(pod, pid, startedAt));
      exit = processExit(await run.process.exited);
      if (oomKilled && exit.signal) exit = oomKilled;
    } catch (err) {
      exit = { exitCode: 128, reason: "StartError", message: String(err) };
    } finally {
      unwatch();
    }
    // The container's processes end with it; its output is complete once the pipes are drained
    // (a process that left the group and holds them open is cut off after 2 s).
    await run.process?.stop(0);
    if (run.output) {
      const drained = await Promise.race([
        run.output.done.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 2000).unref()),
      ]);
      if (!drained) {
        options.log(`pod ${run.key}: output still open 2 s after the exit: closing it`);
        run.output.close();
      }
      await run.output.done;
    }
    options.log(`pod ${run.key}: exited ${exit.exitCode}${exit.message ? ` (${exit.message})` : ""}`);
    exit = {
      ...exit,
      message:
        terminationMessageOf(pod.spec!.containers[0]!, exit.exitCode, {
          file: plan.terminationMessage && readIfThere(plan.terminationMessage.hostPath),
          log: () => logText(readIfThereBytes(join(dir, CONTAINER_LOG))),
        }) ?? exit.message,
    };
    await setStatus(pod, terminatedStatus(pod, run.process?.pid ?? 0, startedAt, exit, new Date()));
    rmSync(join(volumesRoot, uid), { recursive: true, force: true });
    if (run.deleting) await finalize(pod);
  }

  /** The ServiceAccount's own `automountServiceAccountToken` (undefined when unset or absent). */
  async function accountAutomount(namespace: string, name: string): Promise<boolean | undefined> {
    const account = await core
      .readNamespacedServiceAccount({ name, namespace })
      .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    return account?.automountServiceAccountToken;
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
    const next: PodRun = { key, container: pod.spec!.containers[0]!.name, deleting: false, done: false };
    runs.set(uid, next);
    latest.set(key, next);
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

  let kubelet: KubeletServer;
  try {
    kubelet = await startKubeletServer({
      cert: options.kubeletCert,
      key: options.kubeletKey,
      clientCa: options.caFile,
      pods: (namespace, name): PodLogSource | undefined => {
        const run = latest.get(`${namespace}/${name}`);
        return run && { containers: [run.container], output: run.output, waitingReason: run.waitingReason };
      },
      log: options.log,
    });
  } catch (err) {
    stopped = true;
    memoryWatch.stop();
    await informer.stop();
    throw err;
  }

  const live = () => [...runs.values()].filter((r) => r.process && !r.done);
  return {
    podLogs,
    kubeletPort: kubelet.port,
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
      memoryWatch.stop();
      await informer.stop();
      await kubelet.close();
      await Promise.all(live().map((r) => r.process!.stop(0)));
    },
  };
}

/** A file's text, or "" when it is not there. */
function readIfThere(path: string): string {
  return readIfThereBytes(path).toString("utf8");
}

/** A file's bytes, or none when it is not there. */
function readIfThereBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}
