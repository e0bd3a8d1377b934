/**
 * Pod statuses the pod runner writes, as a kubelet would: Running with a started container, then
 * Succeeded or Failed with the container's exit code. A process killed by a signal ends with
 * exit code 128 + signal number (137 for SIGKILL), as a container runtime reports it, so Job
 * `podFailurePolicy` rules on exit codes see what they would see on a real node.
 *
 * @module
 */

import { constants } from "node:os";
import type { V1Container, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";

/** Set on pods the runner took over; kwok leaves such pods alone. */
export const POD_RUNNER_ANNOTATION = "gik-test/pod-runner";

export interface ProcessExit {
  exitCode: number;
  /**
   * As a container runtime says it: `StartError` when the process could not be started at all,
   * `OOMKilled` when it was killed for exceeding its memory limit.
   */
  reason: "Completed" | "Error" | "StartError" | "OOMKilled";
  /** Signal number when a signal ended the process. */
  signal?: number;
  message?: string;
}

/** How a process ended (`code`, or the signal name that killed it) as a container exit. */
export function processExit(ended: number | string): ProcessExit {
  if (typeof ended === "number") return { exitCode: ended, reason: ended === 0 ? "Completed" : "Error" };
  const signal = constants.signals[ended as NodeJS.Signals] ?? 0;
  return { exitCode: 128 + signal, reason: "Error", signal, message: `killed by ${ended}` };
}

/**
 * A container killed for exceeding its memory limit, as the kubelet reports an OOM kill: reason
 * `OOMKilled`, exit code 137 (SIGKILL), no signal field.
 */
export function oomKilledExit(limitBytes: number, rssBytes: number): ProcessExit {
  const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  return {
    exitCode: 137,
    reason: "OOMKilled",
    message: `memory limit ${mib(limitBytes)} exceeded (RSS ${mib(rssBytes)})`,
  };
}

const condition = (type: string, status: boolean, now: Date, reason?: string): V1PodCondition => ({
  type,
  status: status ? "True" : "False",
  lastTransitionTime: now,
  ...(reason ? { reason } : {}),
});

/** The status of a pod whose single container has just been started as process `pid`. */
export function runningStatus(pod: V1Pod, pid: number, now: Date): V1PodStatus {
  const container = pod.spec!.containers[0]!;
  return {
    phase: "Running",
    startTime: now,
    hostIP: "127.0.0.1",
    podIP: "127.0.0.1",
    conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((t) =>
      condition(t, true, now),
    ),
    containerStatuses: [
      {
        name: container.name,
        image: container.image ?? "",
        imageID: container.image ?? "",
        containerID: `gik-pod-runner://${pid}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      },
    ],
  };
}

/** The final status of a pod whose container process ended with `exit`. */
export function terminatedStatus(
  pod: V1Pod,
  pid: number,
  startedAt: Date,
  exit: ProcessExit,
  now: Date,
): V1PodStatus {
  const container = pod.spec!.containers[0]!;
  return {
    phase: exit.exitCode === 0 ? "Succeeded" : "Failed",
    conditions: [
      condition("PodScheduled", true, now),
      condition("Initialized", true, now),
      condition("ContainersReady", false, now, "PodCompleted"),
      condition("Ready", false, now, "PodCompleted"),
    ],
    containerStatuses: [
      {
        name: container.name,
        image: container.image ?? "",
        imageID: container.image ?? "",
        containerID: `gik-pod-runner://${pid}`,
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode: exit.exitCode,
            reason: exit.reason,
            ...(exit.signal ? { signal: exit.signal } : {}),
            ...(exit.message ? { message: exit.message } : {}),
            startedAt,
            finishedAt: now,
            containerID: `gik-pod-runner://${pid}`,
          },
        },
      },
    ],
  };
}

/** The status of a pod the runner cannot start (e.g. a missing secret), as `CreateContainerConfigError`. */
export function waitingStatus(pod: V1Pod, reason: string, message: string): V1PodStatus {
  const container = pod.spec!.containers[0]!;
  return {
    phase: "Pending",
    containerStatuses: [
      {
        name: container.name,
        image: container.image ?? "",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, message } },
      },
    ],
  };
}

/** True when the image of the pod's first container starts with one of `prefixes`. */
export function claimable(pod: V1Pod, prefixes: readonly string[]): boolean {
  const containers = pod.spec?.containers ?? [];
  return containers.length >= 1 && prefixes.some((p) => containers[0]!.image?.startsWith(p));
}

/** Kubernetes' bounds on a termination message: the file's first 4096 bytes; a log tail of 80 lines or 2048 bytes. */
const MESSAGE_BYTES = 4096;
const LOG_TAIL_LINES = 80;
const LOG_TAIL_BYTES = 2048;

/**
 * The `terminated.message` of a container as the kubelet makes it: what the container wrote to its
 * `terminationMessagePath`, else (with `FallbackToLogsOnError`, for a container that failed) the
 * tail of its log; `undefined` when neither says anything.
 */
export function terminationMessageOf(
  container: V1Container,
  exitCode: number,
  sources: { file: string | undefined; log: () => string },
): string | undefined {
  const written = sources.file ?? "";
  if (written !== "") return Buffer.from(written).subarray(0, MESSAGE_BYTES).toString("utf8");
  if (container.terminationMessagePolicy !== "FallbackToLogsOnError" || exitCode === 0) return undefined;
  const tail = sources.log().trimEnd().split("\n").slice(-LOG_TAIL_LINES).join("\n");
  const bytes = Buffer.from(tail);
  const cut =
    bytes.length > LOG_TAIL_BYTES ? bytes.subarray(bytes.length - LOG_TAIL_BYTES).toString("utf8") : tail;
  return cut === "" ? undefined : cut;
}
