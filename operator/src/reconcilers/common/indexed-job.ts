/**
 * What every Job the operator makes has in common: an Indexed Job owned (as controller) by its
 * custom resource, one pod per index running `gik job` with the Job contract (a `JobSpec`, on the
 * Job as an annotation and in the pod as an environment variable, both from one rendering), a
 * failure policy that gives up on an index at once when the job says its input is bad and ignores
 * disruptions, and a locked-down pod without access to the Kubernetes API: it reports through its
 * termination message. `desired-job.ts` of each kind resolves the contract.
 *
 * Notes:
 * - Names are derived from the owner's name alone, so there is one Job per object whatever
 *   happens (restarts, stale caches): the apply of an existing name updates, never duplicates.
 * - Job names stay ≤ 52 characters: pods are named `<job>-<index>-<5 random>` and their hostname
 *   `<job>-<index>` must be a DNS label (≤ 63).
 * - The `gik.dev/spec-hash` annotation hashes the Job without `parallelism`, the one field that
 *   may change on a running Job; a different hash means the spec changed in ways a Job cannot follow.
 * - No `activeDeadlineSeconds`, and waiting is no failure: a member pod that waits for ECMWF's
 *   files runs until the deadline of its contract (`wait`), then exits 2 (`SourceNotPublished`),
 *   which fails its index at once like any bad input, without retries that would wait again.
 * - A Job with a queue (Kueue's `kueue.x-k8s.io/queue-name` label, on the pods too) never names
 *   `spec.suspend`: Kueue's webhook suspends it when it is created and Kueue unsuspends it on
 *   admission, and a server-side apply that named the field would own it and could set it back.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { V1Job } from "@kubernetes/client-node";
import {
  type Credentials,
  EXIT,
  encodeJobSpec,
  type GikResource,
  JOB_SPEC_ANNOTATION,
  JOB_SPEC_ENV,
  type JobSpec,
  type ResourceRequirements,
  TERMINATION_MESSAGE_PATH,
} from "../../../../job-image/src/api/index.js";
import type { JobDefaults } from "../../config.js";
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MIN_PARALLELISM_ANNOTATION,
  QUEUE_NAME_LABEL,
  SPEC_HASH_ANNOTATION,
} from "../../kube/labels.js";

/** The container name the pod failure policy refers to. */
export const CONTAINER_NAME = "gik";
/** Longest Job name (see the module notes). */
export const MAX_JOB_NAME = 52;

/** Everything that differs between the Jobs of the two kinds. */
export interface IndexedJobInput {
  owner: GikResource;
  name: string;
  /** `app.kubernetes.io/component`: `member`, `commit` or `templates`. */
  component: string;
  /** The label naming the owner on the Job and its pods, e.g. `["gik.dev/run", "er-1"]`. */
  ownerLabel: readonly [string, string];
  completions: number;
  parallelism: number;
  backoffLimitPerIndex: number;
  /** What the pods run with (`completions` shares of it). */
  spec: JobSpec;
  image: string;
  imagePullPolicy: string;
  serviceAccountName: string;
  secretName?: string;
  resources: ResourceRequirements;
  ttlSecondsAfterFinished: number;
  runAsUser: number;
  /** A Kueue LocalQueue the Job waits in until admitted. */
  queueName?: string;
}

/**
 * The spec fields of how the pods run (`queueName`: EcmwfRun only), with the operator's defaults
 * for what they leave out.
 */
interface PodSpecFields {
  serviceAccountName?: string;
  credentials?: Credentials;
  resources?: ResourceRequirements;
  queueName?: string;
}

/** The parts of {@link IndexedJobInput} that come from the spec's pod fields and the operator's defaults. */
export function podSettings(spec: PodSpecFields, defaults: JobDefaults) {
  return {
    image: defaults.image,
    imagePullPolicy: defaults.imagePullPolicy,
    serviceAccountName: spec.serviceAccountName ?? defaults.serviceAccountName,
    secretName: spec.credentials?.secretRef.name ?? defaults.secretName,
    resources: spec.resources ?? defaults.resources,
    ttlSecondsAfterFinished: defaults.ttlSecondsAfterFinished,
    runAsUser: defaults.runAsUser,
    queueName: spec.queueName,
  } satisfies Partial<IndexedJobInput>;
}

/**
 * `<prefix>-<name>` when that is a valid name of at most `max` characters; otherwise a readable
 * cut of it plus 8 hex digits of the name's SHA-256, so distinct names stay distinct.
 *
 * @example boundedName("er", "run-20250101") // "er-run-20250101"
 */
export function boundedName(prefix: string, name: string, max = MAX_JOB_NAME): string {
  const plain = `${prefix}-${name}`;
  if (plain.length <= max && !name.includes(".")) return plain;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  const cut = plain
    .slice(0, max - hash.length - 1)
    .replace(/\./g, "-")
    .replace(/-+$/, "");
  return `${cut}-${hash}`;
}

/** `name` as a label value (≤ 63 characters, hashed when longer). */
export function labelValue(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 54).replace(/[-.]+$/, "")}-${hash}`;
}

/** The Indexed Job for `input`, with its spec-hash annotation. Pure. */
export function indexedJob(input: IndexedJobInput): V1Job {
  const labels = {
    "app.kubernetes.io/name": "gik",
    "app.kubernetes.io/component": input.component,
    "app.kubernetes.io/instance": input.ownerLabel[1],
    "app.kubernetes.io/part-of": "gik",
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [input.ownerLabel[0]]: input.ownerLabel[1],
    ...(input.queueName ? { [QUEUE_NAME_LABEL]: input.queueName } : {}),
  };
  const { owner } = input;
  const contract = encodeJobSpec(input.spec);
  // Partial admission: Kueue may start a queued Job with fewer pods than asked (at least one).
  const partial = input.queueName !== undefined && input.parallelism > 1;
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: input.name,
      namespace: owner.metadata.namespace,
      labels,
      annotations: {
        [JOB_SPEC_ANNOTATION]: contract,
        ...(partial ? { [MIN_PARALLELISM_ANNOTATION]: "1" } : {}),
      } as Record<string, string>,
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
      completionMode: "Indexed",
      completions: input.completions,
      parallelism: input.parallelism,
      backoffLimitPerIndex: input.backoffLimitPerIndex,
      podFailurePolicy: {
        rules: [
          {
            action: "FailIndex",
            onExitCodes: { containerName: CONTAINER_NAME, operator: "In", values: [EXIT.BAD_INPUT] },
          },
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        ],
      },
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: input.serviceAccountName,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: input.runAsUser,
            runAsGroup: input.runAsUser,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: CONTAINER_NAME,
              image: input.image,
              imagePullPolicy: input.imagePullPolicy,
              command: ["gik"],
              args: ["job", "--log-format", "json"],
              env: [{ name: JOB_SPEC_ENV, value: contract }],
              ...(input.secretName ? { envFrom: [{ secretRef: { name: input.secretName } }] } : {}),
              resources: containerResources(input.resources),
              terminationMessagePath: TERMINATION_MESSAGE_PATH,
              terminationMessagePolicy: "FallbackToLogsOnError",
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
        },
      },
    },
  } satisfies V1Job;
  job.metadata.annotations[SPEC_HASH_ANNOTATION] = specHash(job);
  return job;
}

/** A spec's resources as a container takes them (quantities as strings; the CRD allows integers). */
function containerResources(resources: ResourceRequirements): {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
} {
  const strings = (q: Record<string, string | number> | undefined) =>
    q && Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
  return { limits: strings(resources.limits), requests: strings(resources.requests) };
}

/** The hash of a Job without its `parallelism` and annotations (see the module notes). */
function specHash(job: V1Job): string {
  const { parallelism: _parallelism, ...spec } = job.spec ?? { template: {} };
  const identity = { labels: job.metadata?.labels, owners: job.metadata?.ownerReferences, spec };
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);
}
