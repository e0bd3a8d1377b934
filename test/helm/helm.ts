/**
 * The Helm chart `helm/gik-operator` as the tests use it: the `helm` binary the infrastructure
 * built from its Go module (`inject("infra").bin.helm`), values given as a file like a user's
 * `-f values.yaml`, rendered manifests parsed, and the operator's environment read out of the
 * rendered Deployment — what the operator process of a test runs with.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import { parseAllDocuments, stringify } from "yaml";

export const CHART = fileURLToPath(new URL("../../helm/gik-operator", import.meta.url));

export interface HelmResult {
  code: number;
  stdout: string;
  /** stdout and stderr together, for messages. */
  out: string;
}

/** A parsed manifest: what every Kubernetes object has, the rest loosely typed. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export type Helm = (args: string[]) => Promise<HelmResult>;

/** A runner of the built helm with its own config/cache directories; never rejects. */
export function helmFor(bin: Record<string, string>, kubeconfig?: string): Helm {
  const home = mkdtempSync(join(tmpdir(), "gik-helm-home-"));
  const env = {
    PATH: process.env.PATH,
    // Without HOME, client-go keeps its discovery cache in ./.kube of the working directory.
    HOME: home,
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_DATA_HOME: join(home, "data"),
    ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
  };
  const helm = join(bin.helm ?? "", "helm");
  return (args) =>
    new Promise((resolve) => {
      execFile(helm, args, { env, timeout: 300_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, out: stdout + stderr }),
      );
    });
}

/** Writes `values` to a new file (the `-f` of a user) and returns its path. */
export function valuesFile(values: object): string {
  const path = join(mkdtempSync(join(tmpdir(), "gik-values-")), "values.yaml");
  writeFileSync(path, stringify(values));
  return path;
}

/** Renders the chart (`helm template`) as release `release` in `namespace` with `values`. */
export async function render(
  helm: Helm,
  values: object,
  release = "gik-operator",
  namespace = "gik-system",
  extra: string[] = [],
): Promise<{ result: HelmResult; manifests: Manifest[] }> {
  const result = await helm([
    "template",
    release,
    CHART,
    "-n",
    namespace,
    "-f",
    valuesFile(values),
    ...extra,
  ]);
  const manifests =
    result.code === 0
      ? parseAllDocuments(result.stdout)
          .map((d) => d.toJS() as Manifest | null)
          .filter((m): m is Manifest => m !== null)
      : [];
  return { result, manifests };
}

/** The one manifest of `kind` (and `name` when given); throws naming what is missing. */
export function one<T = Manifest>(manifests: readonly Manifest[], kind: string, name?: string): T {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
  return found[0] as T;
}

/** The operator container of a Deployment of the chart. */
export function operatorContainer(deployment: V1Deployment): V1Container {
  const container = deployment.spec?.template.spec?.containers.find((c) => c.name === "operator");
  if (!container) throw new Error(`Deployment ${deployment.metadata?.name} has no operator container`);
  return container;
}

/**
 * The operator's environment as the kubelet gives it to pod `podName` of `deployment` in
 * `namespace`: plain values as they are, the downward-API fields (`metadata.name`,
 * `metadata.namespace`) resolved. Any other source throws, so a new kind of entry is noticed.
 */
export function deploymentEnv(deployment: V1Deployment, podName: string, namespace: string) {
  const env: Record<string, string> = {};
  for (const e of operatorContainer(deployment).env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (field === "metadata.name") env[e.name] = podName;
    else if (field === "metadata.namespace") env[e.name] = namespace;
    else throw new Error(`operator env ${e.name}: a source the test cannot resolve`);
  }
  return env;
}

/** {@link deploymentEnv} of the rendered Deployment among `manifests`. */
export function operatorEnv(manifests: readonly Manifest[], podName: string, namespace: string) {
  return deploymentEnv(one<V1Deployment>(manifests, "Deployment"), podName, namespace);
}

/** The pod security context issue 5 asks of every pod the chart makes: non-root as `uid`, seccomp RuntimeDefault. */
export function lockedDownPod(uid: number): object {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** The container security context issue 5 asks of every container: read-only root, no escalation, no capabilities. */
export const LOCKED_DOWN_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  privileged: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
