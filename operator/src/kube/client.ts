/**
 * The {@link KubeApi} (and the Lease client of leader election) over client-node 1.4: server-side
 * apply of Jobs through the typed `BatchV1Api` with the apply content type, JSON merge patches of
 * the status subresource through `CustomObjectsApi`, guarded by the resourceVersion that was read,
 * the creates and deletes of EcmwfRuns that schedules make, and the tails of pods' logs.
 *
 * client-node's typed patch methods send `application/json-patch+json` unless told otherwise;
 * `setHeaderOptions("Content-Type", …)` picks the patch strategy per call.
 *
 * @module
 */
import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
} from "@kubernetes/client-node";
import { ECMWF_RUN, type EcmwfRun, GROUP, VERSION } from "../../../job-image/src/api/index.js";
import type { KubeApi, StatusTarget } from "./api.js";
import { httpStatus, isNotFound } from "./errors.js";
import type { LeaseClient } from "./leader-election.js";

/** The field manager of the operator's applies: it owns every field of the Jobs it makes. */
const FIELD_MANAGER = "gik-operator";
/**
 * The field manager of `parallelism` updates. Separate from {@link FIELD_MANAGER} because an apply
 * that names fewer fields than its manager owns removes the others: applying `{parallelism}` as
 * `gik-operator` would drop the Job's template.
 */
export const SCALE_FIELD_MANAGER = "gik-operator-scale";

const apply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** The operator's API writes over a kubeconfig. */
export function makeKubeApi(kc: KubeConfig): KubeApi {
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  return {
    applyJob: (job: V1Job) =>
      batch.patchNamespacedJob(
        {
          name: job.metadata?.name ?? "",
          namespace: job.metadata?.namespace ?? "",
          body: job,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        apply,
      ),
    scaleJob: async (namespace: string, name: string, parallelism: number) => {
      await batch.patchNamespacedJob(
        {
          name,
          namespace,
          body: { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace }, spec: { parallelism } },
          fieldManager: SCALE_FIELD_MANAGER,
          force: true,
        },
        apply,
      );
    },
    patchStatus: async (target: StatusTarget, patch: Record<string, unknown>) => {
      const metadata =
        target.resourceVersion === undefined ? {} : { metadata: { resourceVersion: target.resourceVersion } };
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: target.namespace,
          plural: target.plural,
          name: target.name,
          body: { ...metadata, status: patch },
        },
        mergePatch,
      );
    },
    createRun: async (run) => {
      try {
        return (await custom.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: run.metadata.namespace,
          plural: ECMWF_RUN.plural,
          body: run,
          fieldManager: FIELD_MANAGER,
        })) as EcmwfRun;
      } catch (err) {
        if (httpStatus(err) === 409) return undefined;
        throw err;
      }
    },
    deleteRun: async (namespace, name, uid) => {
      try {
        await custom.deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: ECMWF_RUN.plural,
          name,
          propagationPolicy: "Background",
          body: { preconditions: { uid } },
        });
        return true;
      } catch (err) {
        // 404: gone; 409: the name is another object's now (the precondition failed).
        if (isNotFound(err) || httpStatus(err) === 409) return false;
        throw err;
      }
    },
    readPodLog: (tail) =>
      core.readNamespacedPodLog({
        namespace: tail.namespace,
        name: tail.pod,
        container: tail.container,
        tailLines: tail.tailLines,
        limitBytes: tail.limitBytes,
      }),
  };
}

/** Lease reads and writes for leader election, over `CoordinationV1Api`. */
export function makeLeaseClient(kc: KubeConfig): LeaseClient {
  const coordination = kc.makeApiClient(CoordinationV1Api);
  return {
    get: async (namespace, name) => {
      try {
        return await coordination.readNamespacedLease({ namespace, name });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create: (lease) =>
      coordination.createNamespacedLease({ namespace: lease.metadata?.namespace ?? "", body: lease }),
    replace: (lease) =>
      coordination.replaceNamespacedLease({
        namespace: lease.metadata?.namespace ?? "",
        name: lease.metadata?.name ?? "",
        body: lease,
      }),
  };
}
