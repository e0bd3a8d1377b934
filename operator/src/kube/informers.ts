/**
 * The five informers of the operator, over one namespace or all: EcmwfRuns, TemplateBuilds,
 * EcmwfSchedules, and the Jobs and Pods the operator made (selected by `app.kubernetes.io/managed-by=gik-operator`,
 * so the caches hold nothing else).
 *
 * @module
 */
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  ECMWF_RUN,
  ECMWF_SCHEDULE,
  type EcmwfRun,
  type EcmwfSchedule,
  GROUP,
  TEMPLATE_BUILD,
  type TemplateBuild,
  VERSION,
} from "../../../job-image/src/api/index.js";
import { ResilientInformer } from "../controller/informer.js";
import { MANAGED_SELECTOR } from "./labels.js";

export interface Informers {
  runs: ResilientInformer<EcmwfRun & KubernetesObject>;
  templateBuilds: ResilientInformer<TemplateBuild & KubernetesObject>;
  schedules: ResilientInformer<EcmwfSchedule & KubernetesObject>;
  jobs: ResilientInformer<V1Job>;
  pods: ResilientInformer<V1Pod>;
}

export interface InformerOptions {
  /** One namespace, or all when undefined. */
  namespace?: string;
  log: Logger;
  delay: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Makes (does not start) the operator's informers. */
export function makeInformers(kc: KubeConfig, options: InformerOptions): Informers {
  const { namespace } = options;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const ns = namespace ? `/namespaces/${namespace}` : "";
  const labelSelector = MANAGED_SELECTOR;

  const customList =
    <T extends KubernetesObject>(plural: string) =>
    (): Promise<KubernetesListObject<T>> =>
      namespace
        ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })
        : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });

  const wrap = <T extends KubernetesObject>(
    name: string,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    selector?: string,
  ) =>
    new ResilientInformer<T>({
      name,
      informer: makeInformer<T>(kc, path, list, selector),
      log: options.log,
      delay: options.delay,
    });

  return {
    runs: wrap(
      ECMWF_RUN.plural,
      `/apis/${GROUP}/${VERSION}${ns}/${ECMWF_RUN.plural}`,
      customList(ECMWF_RUN.plural),
    ),
    templateBuilds: wrap(
      TEMPLATE_BUILD.plural,
      `/apis/${GROUP}/${VERSION}${ns}/${TEMPLATE_BUILD.plural}`,
      customList(TEMPLATE_BUILD.plural),
    ),
    schedules: wrap(
      ECMWF_SCHEDULE.plural,
      `/apis/${GROUP}/${VERSION}${ns}/${ECMWF_SCHEDULE.plural}`,
      customList(ECMWF_SCHEDULE.plural),
    ),
    jobs: wrap<V1Job>(
      "jobs",
      `/apis/batch/v1${ns}/jobs`,
      () =>
        namespace
          ? batch.listNamespacedJob({ namespace, labelSelector })
          : batch.listJobForAllNamespaces({ labelSelector }),
      labelSelector,
    ),
    pods: wrap<V1Pod>(
      "pods",
      `/api/v1${ns}/pods`,
      () =>
        namespace
          ? core.listNamespacedPod({ namespace, labelSelector })
          : core.listPodForAllNamespaces({ labelSelector }),
      labelSelector,
    ),
  };
}
