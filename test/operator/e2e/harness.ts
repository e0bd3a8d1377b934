/**
 * What every end-to-end test file sets up once: the CRDs and the RBAC of `operator/rbac/`, the
 * generated ECMWF mirror uploaded to MinIO, and the operator running as a separate process
 * (`node dist/operator/src/main.js`) with a kubeconfig of its own service account, watching all
 * namespaces and electing itself leader with the Lease in `gik-system`. The Job pods are run by
 * the pod runner of the test infrastructure (real `gik` processes).
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Job,
  type V1Pod,
} from "@kubernetes/client-node";
import type { EcmwfRun, TemplateBuild } from "../../../job-image/src/api/index.js";
import { ensureMirror } from "../../helpers/mirror.js";
import { logTail, type OperatorProcess, startOperatorProcess } from "../../helpers/operator-process.js";
import { ensureBucket, s3Client, uploadTree } from "../../helpers/s3-objects.js";
import type { InfraEndpoints, S3Endpoint } from "../../infra/endpoints.js";
import { installCrds, namespaceName } from "../helpers/cluster.js";
import { kubectlFor } from "../helpers/kubectl.js";
import { until } from "../helpers/until.js";
import {
  applyRbac,
  type Kubectl,
  OPERATOR_NAMESPACE,
  OPERATOR_SERVICE_ACCOUNT,
  ok,
  prepareRunNamespace,
  serviceAccountKubeconfig,
  writeManifests,
} from "./cluster.js";

/** The mirror of 20240529 (templates) and 20250101 (the run), all 51 members, 85 steps. */
export const MIRROR_BUCKET = "gik-e2e-mirror";
export const TEMPLATES_BUCKET = "gik-e2e-templates";
export const OUT_BUCKET = "gik-e2e-out";
export const MIRROR_DATES = ["20240529", "20250101"];

export interface E2e {
  infra: InfraEndpoints;
  kubectl: Kubectl;
  /** Admin client of MinIO (`options.s3`, default `infra.s3`). */
  s3: S3Client;
  /** The local mirror (what was uploaded to `s3://gik-e2e-mirror`); "" when the file asked for none. */
  mirror: string;
  /** A scratch directory of this file (manifests, kubeconfigs, logs). */
  dir: string;
  /** The operator's log file (all its processes, appended). */
  operatorLog: string;
  /** The operator process running now. */
  operator(): OperatorProcess;
  /** Starts the operator process (again) and waits until it leads and is ready. */
  startOperator(): Promise<OperatorProcess>;
  /** A fresh namespace prepared for runs, whose Secret points at `s3` (default the MinIO of `options.s3`). */
  namespace(prefix: string, s3?: S3Endpoint): Promise<string>;
  /** Writes `objects` to `file` and applies it with kubectl, as a user does. */
  apply(file: string, ...objects: object[]): Promise<void>;
  run(ns: string, name: string): Promise<EcmwfRun>;
  templateBuild(ns: string, name: string): Promise<TemplateBuild>;
  /** Polls the run until `done` says yes; fails after `timeoutMs`. */
  waitForRun(
    ns: string,
    name: string,
    what: string,
    done: (r: EcmwfRun) => boolean,
    timeoutMs?: number,
  ): Promise<EcmwfRun>;
  jobs(ns: string): Promise<V1Job[]>;
  /** Pods of the run's Job (label `gik.dev/run`). */
  runPods(ns: string, run: string): Promise<V1Pod[]>;
  /** Everything worth reading when a test of namespace `ns` failed. */
  diagnose(ns: string): Promise<string>;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** Upload the mirror and make the buckets (default true); files whose runs never run skip it. */
  mirror?: boolean;
  /**
   * The cycle of the mirror's two runs (default 0, 85 steps): 6 or 18 has 49 steps, for a file
   * that runs many runs.
   */
  cycle?: 0 | 6 | 12 | 18;
  /** More environment of the operator process, read at each start (e.g. `GIK_CLOCK_*`). */
  env?: () => Record<string, string>;
  /**
   * The MinIO the mirror goes to, `e2e.s3` talks to and namespaces' Secrets point at by default
   * (default `infra.s3`): a file that kills its MinIO brings its own.
   */
  s3?: S3Endpoint;
}

/** Sets up the cluster, MinIO and the operator process for one test file named `name`. */
export async function setUpE2e(infra: InfraEndpoints, name: string, options: E2eOptions = {}): Promise<E2e> {
  const kubectl = kubectlFor(infra.kube);
  const kc = new KubeConfig();
  kc.loadFromFile(infra.kube.kubeconfig);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const dir = await mkdtemp(join(tmpdir(), `gik-e2e-${name}-`));
  const storage = options.s3 ?? infra.s3;
  const s3 = s3Client(storage);
  const namespaces: string[] = [];

  await installCrds(kubectl);
  await applyRbac(kubectl);
  let mirror = "";
  if (options.mirror ?? true) {
    mirror = await ensureMirror({ dates: MIRROR_DATES, cycle: options.cycle ?? 0 });
    await uploadTree(s3, mirror, MIRROR_BUCKET);
    await ensureBucket(s3, TEMPLATES_BUCKET);
    await ensureBucket(s3, OUT_BUCKET);
  }

  const kubeconfig = await serviceAccountKubeconfig(
    kubectl,
    infra.kube.kubeconfig,
    OPERATOR_NAMESPACE,
    OPERATOR_SERVICE_ACCOUNT,
    join(dir, "operator.kubeconfig"),
  );
  const operatorLog = join(dir, "operator.log");
  let current: OperatorProcess | undefined;
  const startOperator = async () => {
    const started = await startOperatorProcess({
      kubeconfig,
      logFile: operatorLog,
      env: {
        GIK_JOB_IMAGE: "gik-job-image:dev",
        POD_NAME: `gik-operator-${name}`,
        POD_NAMESPACE: OPERATOR_NAMESPACE,
        GIK_LOG_LEVEL: "info",
        ...options.env?.(),
      },
    });
    current = started;
    const leading = async () => {
      const metrics = await started.get("/metrics");
      const ready = await started.get("/readyz");
      return metrics?.text.includes("gik_leader 1\n") && ready?.status === 200 ? true : undefined;
    };
    await until(`the operator to lead and be ready:\n${logTail(operatorLog)}`, leading, 60_000);
    return started;
  };
  await startOperator();

  const run = async (ns: string, runName: string) =>
    (await custom.getNamespacedCustomObject({
      group: "gik.dev",
      version: "v1alpha1",
      namespace: ns,
      plural: "ecmwfruns",
      name: runName,
    })) as EcmwfRun;

  return {
    infra,
    kubectl,
    s3,
    mirror,
    dir,
    operatorLog,
    operator: () => current!,
    startOperator,
    namespace: async (prefix, endpoint = storage) => {
      const ns = namespaceName(prefix);
      await prepareRunNamespace(kubectl, ns, endpoint, dir);
      namespaces.push(ns);
      return ns;
    },
    apply: async (file, ...objects) => {
      ok(await kubectl(["apply", "-f", await writeManifests(dir, file, ...objects)]));
    },
    run,
    templateBuild: async (ns, tbName) =>
      (await custom.getNamespacedCustomObject({
        group: "gik.dev",
        version: "v1alpha1",
        namespace: ns,
        plural: "templatebuilds",
        name: tbName,
      })) as TemplateBuild,
    waitForRun: (ns, runName, what, done, timeoutMs = 420_000) =>
      until(
        `${ns}/${runName}: ${what}`,
        async () => {
          const r = await run(ns, runName).catch(() => undefined);
          return r && done(r) ? r : undefined;
        },
        timeoutMs,
      ),
    jobs: async (ns) => (await batch.listNamespacedJob({ namespace: ns })).items,
    runPods: async (ns, runName) =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector: `gik.dev/run=${runName}` })).items,
    diagnose: async (ns) => {
      const parts = [
        (await kubectl(["get", "er,tb,jobs,pods", "-n", ns, "-o", "wide"])).out,
        (await kubectl(["get", "events", "-n", ns, "--sort-by=.lastTimestamp"])).out,
        (await kubectl(["get", "er", "-n", ns, "-o", "yaml"])).out,
        `operator log:\n${logTail(operatorLog, 60)}`,
        podStderrTails(infra.kube.podRunner.podLogs, ns),
      ];
      return parts.join("\n\n");
    },
    close: async () => {
      const last = current;
      if (last) {
        last.kill("SIGTERM");
        await Promise.race([last.exited, new Promise((r) => setTimeout(r, 15_000))]);
        last.kill("SIGKILL");
      }
      for (const ns of namespaces) await kubectl(["delete", "namespace", ns, "--wait=false"]);
      s3.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The last lines of every pod's stderr in namespace `ns` (as the pod runner keeps them). */
function podStderrTails(podLogs: string, ns: string): string {
  const root = join(podLogs, ns);
  if (!existsSync(root)) return "(no pod logs)";
  return readdirSync(root)
    .map((pod) => {
      const file = join(root, pod, "stderr");
      const text = existsSync(file)
        ? readFileSync(file, "utf8").trimEnd().split("\n").slice(-5).join("\n")
        : "";
      return `--- ${pod}\n${text}`;
    })
    .join("\n");
}
