/**
 * Kueue queues for the end-to-end tests (Kueue itself runs in the test infrastructure, see
 * `test/infra/README.md`): a ResourceFlavor, a ClusterQueue whose quota is `pods` pods (and cpu and
 * memory enough for them: Kueue admits only workloads whose every requested resource the queue
 * covers), held (`stopPolicy: Hold`) until released so a test sees its Jobs wait, and a LocalQueue
 * in a run namespace. Flavors and ClusterQueues are cluster-scoped: named per call, removed after.
 *
 * @module
 */
import type { Kubectl } from "./cluster.js";
import { ok, writeManifests } from "./cluster.js";

const KUEUE_API = "kueue.x-k8s.io/v1beta2";

export interface Queue {
  /** The LocalQueue's name, for `spec.queueName`. */
  localQueue: string;
  clusterQueue: string;
  /** Lets the ClusterQueue admit workloads (`stopPolicy: None`). */
  release(): Promise<void>;
  /** Deletes the cluster-scoped objects. */
  remove(): Promise<void>;
}

/** A held queue of `pods` pods for namespace `ns`, its manifests written to `dir`. */
export async function heldQueue(kubectl: Kubectl, dir: string, ns: string, pods: number): Promise<Queue> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const flavor = `gik-e2e-flavor-${suffix}`;
  const clusterQueue = `gik-e2e-pods-${suffix}`;
  const localQueue = "gik-runs";
  const object = (kind: string, name: string, spec: object, namespace?: string) => ({
    apiVersion: KUEUE_API,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec,
  });
  const manifests = await writeManifests(
    dir,
    `queue-${suffix}.yaml`,
    object("ResourceFlavor", flavor, {}),
    object("ClusterQueue", clusterQueue, {
      namespaceSelector: {},
      stopPolicy: "Hold",
      resourceGroups: [
        {
          coveredResources: ["cpu", "memory", "pods"],
          flavors: [
            {
              name: flavor,
              resources: [
                { name: "cpu", nominalQuota: 64 },
                { name: "memory", nominalQuota: "64Gi" },
                { name: "pods", nominalQuota: pods },
              ],
            },
          ],
        },
      ],
    }),
    object("LocalQueue", localQueue, { clusterQueue }, ns),
  );
  ok(await kubectl(["apply", "-f", manifests]));
  return {
    localQueue,
    clusterQueue,
    release: async () => {
      const patch = JSON.stringify({ spec: { stopPolicy: "None" } });
      ok(await kubectl(["patch", "clusterqueues.kueue.x-k8s.io", clusterQueue, "--type=merge", "-p", patch]));
    },
    remove: async () => {
      await kubectl(["delete", "-f", manifests, "--wait=false", "--ignore-not-found"]);
    },
  };
}
