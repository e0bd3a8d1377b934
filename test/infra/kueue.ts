/**
 * Kueue's controller manager against the test API server, managing `batch/job` only: a Job
 * labelled {@link QUEUE_NAME_LABEL} is suspended by Kueue's webhook when created, gets a
 * `Workload`, and is unsuspended once a ClusterQueue's quota admits it.
 *
 * What a Kueue installation would get from its Deployment, Services and cert-manager is made here
 * for a process on 127.0.0.1:
 *
 * - the CRDs are the release's own (`config/components/crd` of the module download: the bases,
 *   with the conversion webhooks its kustomization patches in), waited for until Established;
 * - the webhooks are the release's `config/components/webhook/manifests.yaml`, reduced to those of
 *   Kueue's own objects and of Jobs (the other integrations are off and would only add calls),
 *   registered by URL with the `caBundle` of a CA made per run (`webhook-pki.ts`), since the API
 *   server cannot reach a Service. The Job webhooks get an `objectSelector` requiring the queue
 *   label, so Jobs of other tests never pass through Kueue, whatever becomes of it; for labelled
 *   Jobs the `failurePolicy` stays Kueue's (`Fail`);
 * - Kueue runs as the cluster admin with leader election off, its metrics and health endpoints on
 *   free ports, its webhook server on 127.0.0.1 with that certificate
 *   (`internalCertManagement.enable: false`), and the visibility API server off (an aggregated API
 *   server on a fixed port, of no use here).
 *
 * Start-up is done when Kueue answers its readiness probe (webhook server listening) and a
 * dry-run create of a labelled Job comes back suspended: the API server calls the webhook.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments, stringify } from "yaml";
import type { CachePaths } from "./cache-paths.js";
import type { KueueEndpoint } from "./endpoints.js";
import { goEnv } from "./go-build.js";
import { httpJson, httpOk } from "./http-request.js";
import { InfraError } from "./infra-error.js";
import { KUEUE_MODULE, METRICS_CERT_DIR_ENV } from "./kueue-build.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { freePort, startServer, waitReady } from "./server-process.js";
import { makeWebhookPki } from "./webhook-pki.js";

export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";
/** Kueue's own namespace (its default); it never manages Jobs there. */
export const KUEUE_NAMESPACE = "kueue-system";
/** Names of the webhook configurations, as Kueue's kustomization (`namePrefix: kueue-`) calls them. */
export const WEBHOOK_CONFIGURATIONS = {
  mutating: "kueue-mutating-webhook-configuration",
  validating: "kueue-validating-webhook-configuration",
};
const FRAMEWORKS = ["batch/job"];
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/** The API server as the cluster admin. */
export interface KubeAdmin {
  server: string;
  /** PEM of the cluster CA. */
  ca: string;
  token: string;
  kubeconfig: string;
}

export interface KueueOptions {
  run: RunDir;
  paths: CachePaths;
  bin: string;
  version: string;
  kube: KubeAdmin;
}

export interface Kueue {
  server: ServerProcess;
  endpoint: KueueEndpoint;
}

type Manifest = Record<string, unknown> & { metadata: { name: string } };

/** The fields of a webhook (admission or conversion) this module reads. */
interface Webhook {
  clientConfig: { service?: { path?: string } };
  rules: { apiGroups: string[]; resources: string[] }[];
}

/** Installs Kueue's CRDs and webhooks, starts it and waits until the API server reaches it. */
export async function startKueue(options: KueueOptions): Promise<Kueue> {
  const { run, kube, version } = options;
  const source = await kueueSource(options.paths, version);
  const pki = await makeWebhookPki(run.data("kueue-pki"), "kueue");
  const [webhookPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const webhookUrl = `https://127.0.0.1:${webhookPort}`;
  const caBundle = Buffer.from(pki.caPem).toString("base64");
  const api = adminApi(kube);

  await installKueue(api, source, webhookUrl, caBundle);

  const configFile = join(run.data("kueue"), "config.yaml");
  writeFileSync(
    configFile,
    stringify(kueueConfiguration({ webhookPort, healthPort, metricsPort, certDir: pki.certDir })),
  );
  const server = startServer(run, {
    name: "kueue",
    command: options.bin,
    args: [`--config=${configFile}`],
    env: { KUBECONFIG: kube.kubeconfig, [METRICS_CERT_DIR_ENV]: pki.certDir },
  });
  try {
    const healthUrl = `http://127.0.0.1:${healthPort}`;
    await waitReady(server, () => httpOk(`${healthUrl}/readyz`), 120_000);
    await waitReady(server, () => webhookSuspendsLabelledJobs(api), 60_000);
    return {
      server,
      endpoint: {
        version,
        namespace: KUEUE_NAMESPACE,
        queueNameLabel: QUEUE_NAME_LABEL,
        frameworks: FRAMEWORKS,
        healthUrl,
        metricsUrl: `https://127.0.0.1:${metricsPort}/metrics`,
        logPath: server.logPath,
      },
    };
  } catch (err) {
    await server.stop(2000);
    throw err;
  }
}

/** Creates Kueue's namespace, CRDs and webhook configurations, and waits until the CRDs are Established. */
async function installKueue(
  api: AdminApi,
  source: string,
  webhookUrl: string,
  caBundle: string,
): Promise<void> {
  await api("POST", "/api/v1/namespaces", { metadata: { name: KUEUE_NAMESPACE } });
  const crds = kueueCrds(source, webhookUrl, caBundle);
  const webhooks = kueueWebhookConfigurations(source, webhookUrl, caBundle).map((config) => {
    const plural = config.kind === "MutatingWebhookConfiguration" ? "mutating" : "validating";
    return api("POST", `/apis/admissionregistration.k8s.io/v1/${plural}webhookconfigurations`, config);
  });
  await Promise.all([...crds.map((crd) => api("POST", CRDS, crd.yaml, "application/yaml")), ...webhooks]);
  await waitEstablished(
    api,
    crds.map((c) => c.name),
  );
}

/** Kueue's configuration (`config.kueue.x-k8s.io/v1beta2`) for a process on 127.0.0.1. */
export function kueueConfiguration(ports: {
  webhookPort: number;
  healthPort: number;
  metricsPort: number;
  certDir: string;
}): object {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    namespace: KUEUE_NAMESPACE,
    health: { healthProbeBindAddress: `127.0.0.1:${ports.healthPort}` },
    metrics: { bindAddress: `127.0.0.1:${ports.metricsPort}` },
    webhook: { host: "127.0.0.1", port: ports.webhookPort, certDir: ports.certDir },
    leaderElection: { leaderElect: false },
    internalCertManagement: { enable: false },
    manageJobsWithoutQueueName: false,
    integrations: { frameworks: FRAMEWORKS },
    featureGates: { VisibilityOnDemand: false },
  };
}

/**
 * Kueue's CRDs as its kustomization lists them, as YAML text, with the conversion webhooks its
 * patches add, called at `webhookUrl`. The texts are not parsed here: the API server reads YAML,
 * and parsing the 1.4 MB Workload CRD in this process would take seconds (as would patching the
 * conversion in after creation, which makes the API server rebuild the CRD's OpenAPI).
 */
export function kueueCrds(
  source: string,
  webhookUrl: string,
  caBundle: string,
): { name: string; yaml: string }[] {
  const dir = join(source, "config", "components", "crd");
  const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as {
    resources: string[];
    patches?: { path: string }[];
  };
  const crds = kustomization.resources.map((file) => {
    const yaml = readFileSync(join(dir, file), "utf8");
    return { name: crdName(yaml, file), yaml };
  });
  for (const { path } of kustomization.patches ?? []) {
    const patch = parse(readFileSync(join(dir, path), "utf8")) as Manifest & {
      spec: { conversion: { webhook: { clientConfig: Webhook["clientConfig"] } } };
    };
    const crd = crds.find((c) => c.name === patch.metadata.name);
    if (!crd)
      throw new Error(`${path} patches ${patch.metadata.name}, which the kustomization does not list`);
    const { conversion } = patch.spec;
    const urlPath = conversion.webhook.clientConfig.service?.path ?? "/convert";
    crd.yaml = withConversion(crd.yaml, crd.name, {
      ...conversion,
      webhook: { ...conversion.webhook, clientConfig: { url: `${webhookUrl}${urlPath}`, caBundle } },
    });
  }
  return crds;
}

/** `metadata.name` of a CRD's YAML text, as controller-gen writes it. */
function crdName(yaml: string, file: string): string {
  const name = /^metadata:\n(?: {2}.*\n)*? {2}name: (\S+)$/m.exec(yaml)?.[1];
  if (!name) throw new Error(`${file}: no metadata.name`);
  return name;
}

/** The CRD text with `spec.conversion` set: one line of JSON (which is YAML) under the top-level `spec:`. */
export function withConversion(yaml: string, name: string, conversion: object): string {
  const specs = yaml.match(/^spec:\n/gm)?.length ?? 0;
  if (specs !== 1 || /^ {2}conversion:/m.test(yaml)) {
    throw new Error(`CRD ${name}: expected one top-level spec without a conversion`);
  }
  return yaml.replace(/^spec:\n/m, `spec:\n  conversion: ${JSON.stringify(conversion)}\n`);
}

/**
 * The webhook configurations of Kueue's `manifests.yaml`, keeping the webhooks of Kueue's own
 * objects and of Jobs, each called at `webhookUrl` + its path; Job webhooks only for Jobs that
 * carry {@link QUEUE_NAME_LABEL}.
 */
export function kueueWebhookConfigurations(source: string, webhookUrl: string, caBundle: string): Manifest[] {
  const file = join(source, "config", "components", "webhook", "manifests.yaml");
  const docs = parseAllDocuments(readFileSync(file, "utf8")).map(
    (d) => d.toJS() as Manifest & { kind: string },
  );
  const isJob = (w: Webhook) =>
    w.rules.every((r) => r.apiGroups.every((g) => g === "batch") && r.resources.every((x) => x === "jobs"));
  const isKueue = (w: Webhook) => w.rules.every((r) => r.apiGroups.every((g) => g === "kueue.x-k8s.io"));
  return docs.map((doc) => {
    const webhooks = (doc.webhooks as Webhook[])
      .filter((w) => isJob(w) || isKueue(w))
      .map((w) => ({
        ...w,
        clientConfig: { url: `${webhookUrl}${w.clientConfig.service?.path ?? ""}`, caBundle },
        ...(isJob(w)
          ? { objectSelector: { matchExpressions: [{ key: QUEUE_NAME_LABEL, operator: "Exists" }] } }
          : {}),
      }));
    const name =
      doc.kind === "MutatingWebhookConfiguration"
        ? WEBHOOK_CONFIGURATIONS.mutating
        : WEBHOOK_CONFIGURATIONS.validating;
    return { ...doc, metadata: { ...doc.metadata, name }, webhooks };
  });
}

/** Kueue's module source in the module cache; downloaded again if the cache lost it. */
async function kueueSource(paths: CachePaths, version: string): Promise<string> {
  const dir = join(paths.goModCache, `${KUEUE_MODULE}@${version}`);
  if (existsSync(join(dir, "config", "components"))) return dir;
  try {
    const { stdout } = await promisify(execFile)(
      "go",
      ["mod", "download", "-json", `${KUEUE_MODULE}@${version}`],
      {
        env: goEnv(paths, process.env),
        cwd: paths.root,
      },
    );
    return (JSON.parse(stdout) as { Dir: string }).Dir;
  } catch (err) {
    throw new InfraError("kueue", "download manifests", String(err), undefined, { cause: err });
  }
}

/** A request to the API server as the admin: `body` is JSON, or a string of `contentType`. */
type AdminApi = (method: string, path: string, body?: unknown, contentType?: string) => Promise<unknown>;

function adminApi(kube: KubeAdmin): AdminApi {
  const headers = { authorization: `Bearer ${kube.token}` };
  return (method, path, body, contentType) =>
    httpJson(`${kube.server}${path}`, { method, body, contentType, headers, ca: kube.ca, timeoutMs: 60_000 });
}

async function waitEstablished(api: AdminApi, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = (await api("GET", `${CRDS}/${name}`)) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new InfraError("kueue", "install CRDs", `CRD ${name} not Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** True once a dry-run create of a labelled Job comes back suspended by Kueue's webhook. */
async function webhookSuspendsLabelledJobs(api: AdminApi): Promise<boolean> {
  const job = (await api("POST", "/apis/batch/v1/namespaces/default/jobs?dryRun=All", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { generateName: "kueue-probe-", labels: { [QUEUE_NAME_LABEL]: "kueue-probe" } },
    spec: {
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "gik-job-image:dev" }] },
      },
    },
  })) as { spec?: { suspend?: boolean } };
  return job.spec?.suspend === true;
}
