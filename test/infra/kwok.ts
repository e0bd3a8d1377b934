/**
 * Fake nodes: kwok keeps a few Node objects Ready (status and lease heartbeats) so the scheduler
 * places pods on them. Pods are not kwok's business here: its only pod stage removes deleted pods
 * the pod runner never claimed. Pods the runner claims (annotation {@link POD_RUNNER_ANNOTATION})
 * are started, completed and finalized by the runner alone, so nothing but a real process
 * decides how a gik pod ends.
 *
 * The nodes point the API server at the pod runner's kubelet server: their status holds the
 * addresses `InternalIP` 127.0.0.1 (kwok's `--node-ip`) and `Hostname` (the node name), and
 * `daemonEndpoints.kubeletEndpoint.Port`, the kubelet server's port. Only the initializing stage
 * writes them; the heartbeat patches the conditions alone and leaves them.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CoreV1Api, V1Node } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { httpOk } from "./http-request.js";
import { POD_RUNNER_ANNOTATION } from "./pod-status.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { freePort, startServer, waitReady } from "./server-process.js";

/** The annotation kwok selects the nodes it manages by. */
const MANAGED = { key: "kwok.x-k8s.io/node", value: "fake" };

const stage = (name: string, kind: "Node" | "Pod", spec: object) => ({
  apiVersion: "kwok.x-k8s.io/v1alpha1",
  kind: "Stage",
  metadata: { name },
  spec: { resourceRef: { apiGroup: "v1", kind }, ...spec },
});

// Conditions from kwok's NodeConditions (Ready True, no pressure), stamped with the current time.
const conditionsTemplate = `{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
`;

const readyIs = (values: string[], operator: "In" | "NotIn") => ({
  key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
  operator,
  values,
});

/** The kwok configuration: two node stages and the deletion of unclaimed pods. */
export function kwokStages(kubeletPort: number): object[] {
  const capacity = { cpu: "32", memory: "128Gi", pods: "110" };
  return [
    stage("gik-node-initialize", "Node", {
      selector: { matchExpressions: [readyIs(["True"], "NotIn")] },
      next: {
        statusTemplate:
          conditionsTemplate +
          stringify({
            addresses: [
              { address: "{{ NodeIP }}", type: "InternalIP" },
              { address: "{{ NodeName }}", type: "Hostname" },
            ],
            daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
            allocatable: capacity,
            capacity,
            nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: "kwok" },
            phase: "Running",
          }),
      },
    }),
    stage("gik-node-heartbeat", "Node", {
      selector: {
        matchExpressions: [
          { key: ".status.phase", operator: "In", values: ["Running"] },
          readyIs(["True"], "In"),
        ],
      },
      delay: { durationMilliseconds: 20_000, jitterDurationMilliseconds: 25_000 },
      next: { statusTemplate: conditionsTemplate },
    }),
    stage("gik-pod-delete-unclaimed", "Pod", {
      selector: {
        matchExpressions: [
          { key: ".metadata.deletionTimestamp", operator: "Exists" },
          { key: `.metadata.annotations["${POD_RUNNER_ANNOTATION}"]`, operator: "DoesNotExist" },
        ],
      },
      next: { delete: true },
    }),
  ];
}

/**
 * Starts kwok against the cluster of `kubeconfig` and waits for its health endpoint; its nodes
 * name the kubelet server at 127.0.0.1:`kubeletPort`.
 */
export async function startKwok(
  run: RunDir,
  bin: string,
  kubeconfig: string,
  kubeletPort: number,
): Promise<ServerProcess> {
  const config = join(run.data("kwok"), "kwok.yaml");
  writeFileSync(
    config,
    kwokStages(kubeletPort)
      .map((d) => stringify(d))
      .join("---\n"),
  );
  const port = await freePort();
  const server = startServer(run, {
    name: "kwok",
    command: bin,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--config=${config}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${MANAGED.key}=${MANAGED.value}`,
      ...["--node-ip=127.0.0.1", "--cidr=10.244.0.0/16", "--node-lease-duration-seconds=40"],
      `--server-address=127.0.0.1:${port}`,
    ],
    // kwok also reads ~/.kwok/kwok.yaml when it exists: give it a home of its own.
    env: { HOME: run.data("kwok-home") },
  });
  await waitReady(server, () => httpOk(`http://127.0.0.1:${port}/healthz`));
  return server;
}

/** A Node kwok manages, schedulable like an ordinary linux/amd64 node. */
export function fakeNode(name: string): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [MANAGED.key]: MANAGED.value, "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
      },
    },
  };
}

/** Creates the nodes and waits until each is Ready and free of the not-ready taints. */
export async function createFakeNodes(
  core: CoreV1Api,
  names: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  for (const name of names) await core.createNode({ body: fakeNode(name) });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = (await core.listNode({ labelSelector: "type=kwok" })).items.filter((n) =>
      names.includes(n.metadata?.name ?? ""),
    );
    const ready = nodes.filter(
      (n) =>
        n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") &&
        !n.spec?.taints?.some((t) => t.key.startsWith("node.kubernetes.io/")),
    );
    if (ready.length === names.length) return;
    if (Date.now() > deadline) {
      throw new Error(`fake nodes not ready after ${timeoutMs} ms: ${ready.length}/${names.length} ready`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
