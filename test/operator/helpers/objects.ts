/**
 * Builders of the API objects the operator reads: runs, TemplateBuilds, Jobs as the Job controller
 * leaves them, and their pods. Each takes overrides so a test states only what matters to it.
 */
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type {
  EcmwfRun,
  EcmwfRunSpec,
  EcmwfSchedule,
  EcmwfScheduleSpec,
  RunPhase,
  TemplateBuild,
  TemplateBuildSpec,
} from "../../../job-image/src/api/index.js";
import type { JobDefaults } from "../../../operator/src/config.js";
import { desiredJob } from "../../../operator/src/reconcilers/ecmwf-run/desired-job.js";

export const defaults: JobDefaults = {
  image: "gik-job-image:dev",
  imagePullPolicy: "IfNotPresent",
  serviceAccountName: "gik-job",
  parallelism: 8,
  membersPerPod: 1,
  source: "s3://ecmwf-forecasts",
  output: undefined,
  ttlSecondsAfterFinished: 86_400,
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  runAsUser: 1000,
};

export function run(spec: Partial<EcmwfRunSpec> = {}, meta: Partial<EcmwfRun["metadata"]> = {}): EcmwfRun {
  return {
    apiVersion: "gik.dev/v1alpha1",
    kind: "EcmwfRun",
    metadata: {
      name: "run-20250101",
      namespace: "gik",
      uid: "uid-run",
      generation: 1,
      resourceVersion: "1",
      ...meta,
    },
    spec: {
      date: "20250101",
      cycle: 0,
      templates: { templateBuild: "tb-20240529" },
      source: "s3://ecmwf-forecasts",
      output: "s3://gik-out/stores",
      format: "parquet",
      onDrift: "rebuild",
      backoffLimitPerIndex: 2,
      ...spec,
    },
  };
}

export function templateBuild(
  spec: Partial<TemplateBuildSpec> = {},
  status: TemplateBuild["status"] = undefined,
  meta: Partial<TemplateBuild["metadata"]> = {},
): TemplateBuild {
  return {
    apiVersion: "gik.dev/v1alpha1",
    kind: "TemplateBuild",
    metadata: {
      name: "tb-20240529",
      namespace: "gik",
      uid: "uid-tb",
      generation: 1,
      resourceVersion: "1",
      ...meta,
    },
    spec: { referenceDate: "20240529", cycle: 0, store: "s3://gik-templates/20240529", shards: 1, ...spec },
    ...(status ? { status } : {}),
  };
}

/** An EcmwfSchedule `ens` of the four cycles, Allow, from 20250101, its runs on `tb-20240529`. */
export function schedule(
  spec: Partial<EcmwfScheduleSpec> = {},
  meta: Partial<EcmwfSchedule["metadata"]> = {},
  status: EcmwfSchedule["status"] = undefined,
): EcmwfSchedule {
  return {
    apiVersion: "gik.dev/v1alpha1",
    kind: "EcmwfSchedule",
    metadata: {
      name: "ens",
      namespace: "gik",
      uid: "uid-ens",
      generation: 1,
      resourceVersion: "1",
      creationTimestamp: "2024-12-31T12:00:00Z",
      ...meta,
    },
    spec: {
      cycles: [0, 6, 12, 18],
      publicationDelaySeconds: 21_600,
      runTemplate: {
        templates: { templateBuild: "tb-20240529" },
        members: ["control", "ens01"],
        output: "s3://gik-out/stores",
      },
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      startFrom: "20250101",
      maxBackfill: 4,
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

/** A run of schedule `owner` for `YYYYMMDDHH`, as the schedule makes it, in `phase` (none: no status). */
export function scheduledRun(owner: EcmwfSchedule, stamp: string, phase?: RunPhase): EcmwfRun {
  const name = `${owner.metadata.name}-${stamp}`;
  return {
    apiVersion: "gik.dev/v1alpha1",
    kind: "EcmwfRun",
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      uid: `uid-${name}`,
      generation: 1,
      resourceVersion: "1",
      labels: { "gik.dev/schedule": owner.metadata.name },
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...structuredClone(owner.spec.runTemplate),
      date: stamp.slice(0, 8),
      cycle: Number(stamp.slice(8)) as 0 | 6 | 12 | 18,
    },
    ...(phase ? { status: { phase } } : {}),
  };
}

/** `job` with `status` merged in (as the Job controller would write it). */
export function withJobStatus(job: V1Job, status: V1Job["status"]): V1Job {
  return { ...job, metadata: { uid: "uid-job", ...job.metadata }, status: { ...job.status, ...status } };
}

/** A pod of `job` for `index`, in `phase`, optionally with the gik container's termination. */
export function pod(
  job: V1Job,
  index: number,
  phase: string,
  terminated?: {
    exitCode: number;
    reason?: string;
    message?: string;
    signal?: number;
    startedAt?: string;
    finishedAt?: string;
  },
  created = "2025-01-01T06:00:00Z",
): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${job.metadata?.name}-${index}-${created.slice(14, 16)}${created.slice(17, 19)}`,
      namespace: job.metadata?.namespace,
      creationTimestamp: created as unknown as Date,
      annotations: { "batch.kubernetes.io/job-completion-index": String(index) },
      ownerReferences: [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          name: job.metadata?.name ?? "",
          uid: job.metadata?.uid ?? "uid-job",
          controller: true,
        },
      ],
    },
    status: {
      phase,
      ...(terminated
        ? {
            containerStatuses: [
              {
                name: "gik",
                image: "",
                imageID: "",
                ready: false,
                restartCount: 0,
                state: { terminated: terminated as never },
              },
            ],
          }
        : {}),
    },
  };
}

/**
 * A run of 3 members whose Job ended with indexes 0–1 done and 2 failed (its pod killed by
 * SIGKILL), `control` having reported its store: the status computed from it exercises every
 * status field.
 */
export function partiallySucceededRun(meta: Partial<EcmwfRun["metadata"]> = {}) {
  const r = run({ members: ["control", "ens01", "ens02"] }, meta);
  r.status = {
    members: {
      control: {
        phase: "Succeeded",
        output: "s3://gik-out/stores/20250101/00z/control.parquet",
        refs: 12,
        startTime: "2025-01-01T06:00:01Z",
        completionTime: "2025-01-01T06:00:05Z",
      },
    },
  };
  const templates = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };
  const job = withJobStatus(desiredJob(r, templates, defaults), {
    startTime: new Date("2025-01-01T06:00:00Z"),
    completedIndexes: "0-1",
    failedIndexes: "2",
    conditions: [
      {
        type: "Failed",
        status: "True",
        reason: "FailedIndexes",
        message: "Job has failed indexes",
        lastTransitionTime: new Date("2025-01-01T06:10:00Z"),
      },
    ],
  });
  const pods = [pod(job, 2, "Failed", { exitCode: 137, signal: 9, finishedAt: "2025-01-01T06:09:00Z" })];
  return { run: r, job, pods };
}
