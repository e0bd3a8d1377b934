/**
 * The cluster side of the end-to-end tests, done the way an administrator and a user do it: the
 * RBAC manifests of `operator/rbac/` applied with kubectl, a namespace prepared for runs (the job
 * service account and its binding, the storage credentials as a Secret), manifests written to
 * files and applied with `kubectl apply -f`, and a kubeconfig holding a TokenRequest token of a
 * service account for processes that must act as that account.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { stringify } from "yaml";
import type { S3Endpoint } from "../../infra/endpoints.js";
import { kubeconfigDocument } from "../../infra/kubeconfig.js";
import type { KubectlResult } from "../helpers/kubectl.js";

export type Kubectl = (args: string[], stdin?: string) => Promise<KubectlResult>;

/** Where the operator's service account and Lease live (as in `operator/rbac/operator.yaml`). */
export const OPERATOR_NAMESPACE = "gik-system";
export const OPERATOR_SERVICE_ACCOUNT = "gik-operator";
/** The Job pods' service account in every run namespace (`operator/rbac/job-namespace.yaml`). */
export const JOB_SERVICE_ACCOUNT = "gik-job";
/** The Secret holding the storage settings of a run namespace. */
export const CREDENTIALS_SECRET = "gik-s3";

export const rbacManifest = (file: "operator.yaml" | "job-namespace.yaml") =>
  fileURLToPath(new URL(`../../../operator/rbac/${file}`, import.meta.url));

/** Fails with kubectl's output unless it succeeded; returns its stdout. */
export function ok(result: KubectlResult): string {
  expect(result.code, result.out).toBe(0);
  return result.stdout;
}

/** The operator's namespace and the cluster-wide RBAC (idempotent: `kubectl apply`). */
export async function applyRbac(kubectl: Kubectl): Promise<void> {
  const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: OPERATOR_NAMESPACE } };
  ok(await kubectl(["apply", "-f", "-"], stringify(namespace)));
  ok(await kubectl(["apply", "-f", rbacManifest("operator.yaml")]));
}

/** A Secret of the AWS settings of `s3`, as the job image reads them from its environment. */
export function credentialsSecret(namespace: string, s3: S3Endpoint): object {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: CREDENTIALS_SECRET, namespace },
    type: "Opaque",
    stringData: {
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: s3.region,
    },
  };
}

/**
 * Makes namespace `ns` ready for runs: the namespace, the job service account and its binding
 * (`job-namespace.yaml`), and the credentials Secret for `s3` (written to `dir` and applied).
 */
export async function prepareRunNamespace(
  kubectl: Kubectl,
  ns: string,
  s3: S3Endpoint,
  dir: string,
): Promise<void> {
  ok(await kubectl(["create", "namespace", ns]));
  ok(await kubectl(["apply", "-n", ns, "-f", rbacManifest("job-namespace.yaml")]));
  ok(
    await kubectl(["apply", "-f", await writeManifests(dir, `${ns}-secret.yaml`, credentialsSecret(ns, s3))]),
  );
}

/** Writes `objects` as one multi-document YAML file `dir/file`; returns its path. */
export async function writeManifests(dir: string, file: string, ...objects: object[]): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, objects.map((o) => stringify(o)).join("---\n"));
  return path;
}

/** A `gik.dev/v1alpha1` object of `kind`. */
export function gikObject(
  kind: "EcmwfRun" | "TemplateBuild" | "EcmwfSchedule",
  namespace: string,
  name: string,
  spec: object,
) {
  return { apiVersion: "gik.dev/v1alpha1", kind, metadata: { name, namespace }, spec };
}

/**
 * Writes a kubeconfig to `path` that authenticates as service account `ns/account` with a
 * TokenRequest token (what a pod of that account gets), for the cluster of `adminKubeconfig`.
 */
export async function serviceAccountKubeconfig(
  kubectl: Kubectl,
  adminKubeconfig: string,
  ns: string,
  account: string,
  path: string,
): Promise<string> {
  const token = ok(await kubectl(["create", "token", account, "-n", ns, "--duration=4h"])).trim();
  const admin = JSON.parse(readFileSync(adminKubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  };
  const cluster = admin.clusters[0]!.cluster;
  const doc = kubeconfigDocument({
    server: cluster.server,
    ca: Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8"),
    user: `system:serviceaccount:${ns}:${account}`,
    token,
    namespace: ns,
  });
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  return path;
}
