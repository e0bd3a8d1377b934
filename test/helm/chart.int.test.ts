/**
 * The Helm chart `helm/gik-operator` with Helm v4 built from its Go module: `helm lint --strict`
 * and `helm template` pass with the default values and with every option set, bad values are
 * refused naming the value, the packaged chart's CRDs are the repository's `crds/` byte for byte,
 * the rendered manifests are accepted by the real API server (`kubectl apply --dry-run=server`)
 * and meet the `restricted` Pod Security Standard, and the Deployment's environment, read by the
 * operator's own `loadConfig`, makes the Jobs the values ask for (parallelism, image, service
 * account, credentials, resources, UID, locked-down security context).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { V1Job, V1Service } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { JOB_SPEC_ENV, parseJobSpec } from "../../job-image/src/api/index.js";
import { loadConfig } from "../../operator/src/config.js";
import { desiredJob } from "../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { namespaceName } from "../operator/helpers/cluster.js";
import { kubectlFor } from "../operator/helpers/kubectl.js";
import { run } from "../operator/helpers/objects.js";
import {
  CHART,
  type Helm,
  helmFor,
  LOCKED_DOWN_CONTAINER,
  lockedDownPod,
  type Manifest,
  one,
  operatorEnv,
  render,
  valuesFile,
} from "./helm.js";

const infra = inject("infra");
const kubectl = kubectlFor(infra.kube);
const REPO_CRDS = fileURLToPath(new URL("../../crds", import.meta.url));
let helm: Helm;
const namespaces: string[] = [];

/** Every option of values.yaml set to something other than its default. */
const everything = {
  image: { repository: "registry.example/gik-job-image", tag: "1.2.3", pullPolicy: "Always" },
  imagePullSecrets: [{ name: "registry" }],
  replicaCount: 2,
  watchNamespace: "forecasts",
  operator: {
    serviceAccount: { name: "gik-op", annotations: { "example.com/owner": "platform" } },
    workers: 4,
    logLevel: "debug",
    podAnnotations: { "example.com/scrape": "true" },
    nodeSelector: { "kubernetes.io/os": "linux" },
    tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }],
    priorityClassName: "gik-critical",
  },
  jobs: {
    parallelism: 5,
    membersPerPod: 17,
    output: "s3://gik-stores/ens",
    resources: { requests: { cpu: "1", memory: "512Mi" }, limits: { memory: "2Gi" } },
    ttlSecondsAfterFinished: 3600,
    serviceAccount: {
      name: "gik-pods",
      annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/gik" },
    },
    namespaces: ["forecasts", "reanalysis"],
  },
  credentials: { secretRef: { name: "gik-s3" } },
  podSecurityContext: { runAsUser: 2000, runAsGroup: 2000 },
  metrics: { port: 9090, service: { port: 9090 } },
  serviceMonitor: { enabled: true, interval: "15s", labels: { release: "prometheus" } },
};

beforeAll(() => {
  helm = helmFor(infra.bin);
});

afterAll(async () => {
  for (const ns of namespaces) await kubectl(["delete", "namespace", ns, "--wait=false"]);
});

describe("helm lint and template", () => {
  it.each([
    ["the default values", {}],
    ["every option set", everything],
  ])("pass with %s", async (_name, values) => {
    const lint = await helm(["lint", "--strict", CHART, "-f", valuesFile(values)]);
    console.log(
      `helm lint --strict (${_name}): ${lint.out
        .trim()
        .split("\n")
        .filter((l) => !l.includes("symbolic link"))
        .join(" | ")}`,
    );
    expect(lint.code, lint.out).toBe(0);
    const { result, manifests } = await render(helm, values);
    expect(result.code, result.out).toBe(0);
    const kinds = manifests.map((m) => m.kind).sort();
    console.log(`helm template (${_name}): ${kinds.join(", ")}`);
    for (const kind of [
      "ClusterRole",
      "ClusterRole",
      "Deployment",
      "Role",
      "RoleBinding",
      "Service",
      "ServiceAccount",
    ])
      expect(kinds).toContain(kind);
  });

  it.each([
    ["a parallelism of 0", { jobs: { parallelism: 0 } }, "/jobs/parallelism"],
    ["a parallelism of 52", { jobs: { parallelism: 52 } }, "/jobs/parallelism"],
    ["membersPerPod 0", { jobs: { membersPerPod: 0 } }, "/jobs/membersPerPod"],
    ["a file:// output", { jobs: { output: "file:///data" } }, "/jobs/output"],
    [
      "a Secret name that is no name",
      { credentials: { secretRef: { name: "Gik_S3" } } },
      "/credentials/secretRef/name",
    ],
    ["a misspelt value", { jobs: { paralelism: 4 } }, "paralelism"],
    ["an unknown pull policy", { image: { pullPolicy: "Sometimes" } }, "/image/pullPolicy"],
    [
      "two replicas without leader election",
      { replicaCount: 2, leaderElection: { enabled: false } },
      "leaderElection.enabled",
    ],
    [
      "a ServiceMonitor without its Service",
      { serviceMonitor: { enabled: true }, metrics: { service: { enabled: false } } },
      "metrics.service.enabled",
    ],
  ])("refuse %s, naming it", async (_name, values, named) => {
    const { result } = await render(helm, values);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain(named);
  });
});

describe("the chart's CRDs", () => {
  it("are the repository's crds/ byte for byte in the packaged chart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gik-chart-package-"));
    const packaged = await helm(["package", CHART, "-d", dir]);
    expect(packaged.code, packaged.out).toBe(0);
    const tgz = join(dir, "gik-operator-0.1.0.tgz");
    await promisify(execFile)("tar", ["xzf", tgz, "-C", dir]);
    const inChart = (await readdir(join(dir, "gik-operator", "crds"))).sort();
    const inRepo = (await readdir(REPO_CRDS)).filter((f) => f.endsWith(".yaml")).sort();
    expect(inChart).toEqual(inRepo);
    for (const file of inRepo) {
      const chartBytes = await readFile(join(dir, "gik-operator", "crds", file));
      expect(chartBytes.equals(await readFile(join(REPO_CRDS, file))), file).toBe(true);
    }
  });

  it("share the output URL and name patterns of values.schema.json", async () => {
    const schema = JSON.parse(await readFile(join(CHART, "values.schema.json"), "utf8"));
    const crd = parse(await readFile(join(REPO_CRDS, "ecmwfruns.gik.dev.yaml"), "utf8"));
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    expect(schema.definitions.writableUrl.pattern).toBe(spec.output.pattern);
    expect(schema.definitions.name.pattern).toBe(spec.serviceAccountName.pattern);
  });
});

describe("the chart's RBAC", () => {
  /** Every object of the `operator/rbac/*.yaml` files. */
  async function rbacManifests(): Promise<Manifest[]> {
    const dir = fileURLToPath(new URL("../../operator/rbac", import.meta.url));
    const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml"));
    const docs = await Promise.all(
      files.map(async (f) => parseAllDocuments(await readFile(join(dir, f), "utf8"))),
    );
    return docs.flat().map((d) => d.toJS() as Manifest);
  }
  /** Rules in a canonical order, each list sorted: what a role grants, however it is written. */
  const grants = (role: Manifest) =>
    ((role.rules ?? []) as Record<string, string[]>[])
      .map((rule) =>
        JSON.stringify(
          Object.keys(rule)
            .sort()
            .map((k) => [k, [...(rule[k] ?? [])].sort()]),
        ),
      )
      .sort();
  /** What a binding binds: role kind and who, by kind and name. */
  const binds = (b: Manifest, roleName: string) => ({
    role: (b.roleRef as { kind: string }).kind,
    roleName,
    subjects: (b.subjects as { kind: string; name: string }[]).map((x) => `${x.kind}/${x.name}`),
  });

  it("grants what operator/rbac/ grants, to the same accounts", async () => {
    const { result, manifests } = await render(helm, {});
    expect(result.code, result.out).toBe(0);
    const plain = await rbacManifests();
    const pairs: [string, string, string, string][] = [
      ["ClusterRole", "gik-operator", "ClusterRole", "gik-operator"],
      ["Role", "gik-operator-leader-election", "Role", "gik-operator-leader-election"],
    ];
    for (const [kind, chartName, plainKind, plainName] of pairs) {
      expect(grants(one(manifests, kind, chartName)), chartName).toEqual(
        grants(one(plain, plainKind, plainName)),
      );
    }
    expect(binds(one(manifests, "ClusterRoleBinding", "gik-operator"), "operator")).toEqual(
      binds(one(plain, "ClusterRoleBinding", "gik-operator"), "operator"),
    );
    // The Job pods' account is bound to nothing, in the chart as in operator/rbac/.
    for (const ms of [manifests, plain]) {
      expect(ms.filter((m) => m.kind === "RoleBinding" && /job/.test(m.metadata.name))).toEqual([]);
    }
    // And the chart grants nothing else.
    const roles = (ms: Manifest[]) => ms.filter((m) => m.kind === "Role" || m.kind === "ClusterRole").length;
    expect(roles(manifests)).toBe(roles(plain));
  });
});

describe("the rendered manifests on the real API server", () => {
  /** Namespaces enforcing (and warning about) the `restricted` Pod Security Standard. */
  async function restrictedNamespaces(): Promise<[string, string]> {
    const made: [string, string] = [namespaceName("gik-chart-dry"), namespaceName("gik-chart-dry-jobs")];
    namespaces.push(...made);
    for (const n of made) {
      expect((await kubectl(["create", "namespace", n])).code).toBe(0);
      const labels = ["enforce", "warn"].map((m) => `pod-security.kubernetes.io/${m}=restricted`);
      expect((await kubectl(["label", "namespace", n, ...labels])).code).toBe(0);
    }
    return made;
  }

  /**
   * Server-side dry-run apply of the chart rendered with `values` (CRDs included) and of the Job
   * the operator makes from the rendered Deployment's environment, in the run namespace.
   */
  async function dryRun(values: Record<string, unknown>) {
    const [ns, jobNs] = await restrictedNamespaces();
    const all = {
      ...values,
      watchNamespace: jobNs,
      jobs: { ...(values.jobs as object), namespaces: [jobNs] },
    };
    const { result, manifests } = await render(helm, all, "gik-dry", ns, ["--include-crds"]);
    expect(result.code, result.out).toBe(0);
    const job = desiredJob(
      run({ members: ["control", "ens01"] }, { namespace: jobNs }),
      { store: "s3://gik-templates/20240529", referenceDate: "20240529" },
      loadConfig(operatorEnv(manifests, "gik-dry-0", ns), "host").job,
    );
    const objects = [...manifests, job as unknown as Manifest];
    const applied = await kubectl(
      ["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", "-"],
      objects.map((m) => stringify(m)).join("---\n"),
    );
    return { objects, applied };
  }

  it("are accepted by kubectl apply --dry-run=server and meet the restricted Pod Security Standard", async () => {
    const { objects, applied } = await dryRun({ ...everything, serviceMonitor: { enabled: false } });
    console.log(`kubectl apply --server-side --dry-run=server:\n${applied.out.trim()}`);
    expect(applied.code, applied.out).toBe(0);
    expect(applied.out).not.toMatch(/PodSecurity|would violate/);
    const lines = applied.stdout.trim().split("\n");
    expect(lines).toHaveLength(objects.length);
    for (const m of objects) {
      expect(
        lines.some((l) => l.includes(`/${m.metadata.name} `) && l.endsWith("(server dry run)")),
        `${m.kind} ${m.metadata.name}`,
      ).toBe(true);
    }
  });

  it("(the Pod Security check is live: an operator pod allowed to escalate is reported)", async () => {
    const { applied } = await dryRun({ securityContext: { allowPrivilegeEscalation: true } });
    expect(applied.out).toMatch(/would violate PodSecurity "restricted:latest": allowPrivilegeEscalation/);
  });
});

describe("values reach the operator and its Jobs", () => {
  const templates = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };
  const cases: [string, object, Record<string, unknown>][] = [
    [
      "default values",
      {},
      {
        parallelism: 8,
        completions: 51,
        image: "gik-job-image:0.1.0",
        pullPolicy: "IfNotPresent",
        account: "gik-job",
        secret: undefined,
        uid: 1000,
        output: undefined,
        ttl: 86_400,
        memoryLimit: "1Gi",
        lease: "gik-operator",
      },
    ],
    [
      "every option set",
      everything,
      {
        parallelism: 3,
        completions: 3,
        image: "registry.example/gik-job-image:1.2.3",
        pullPolicy: "Always",
        account: "gik-pods",
        secret: "gik-s3",
        uid: 2000,
        output: "s3://gik-stores/ens",
        ttl: 3600,
        memoryLimit: "2Gi",
        lease: "gik-operator",
      },
    ],
  ];

  it.each(cases)("%s", async (_name, values, want) => {
    const { result, manifests } = await render(helm, values);
    expect(result.code, result.out).toBe(0);
    const config = loadConfig(operatorEnv(manifests, "gik-operator-abc", "gik-system"), "host");
    expect(config.leaderElection).toMatchObject({
      enabled: true,
      namespace: "gik-system",
      leaseName: want.lease,
      identity: "gik-operator-abc",
    });
    // A run that says nothing of parallelism, credentials, service account or output.
    const r = run({
      members: Array.from({ length: 51 }, (_, i) => (i ? `ens${String(i).padStart(2, "0")}` : "control")),
      output: want.output === undefined ? "s3://x/y" : undefined,
    });
    const job: V1Job = desiredJob(r, templates, config.job);
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(job.spec!.parallelism).toBe(want.parallelism);
    expect(job.spec!.completions).toBe(want.completions);
    expect(job.spec!.ttlSecondsAfterFinished).toBe(want.ttl);
    expect(container.image).toBe(want.image);
    expect(container.imagePullPolicy).toBe(want.pullPolicy);
    expect(pod.serviceAccountName).toBe(want.account);
    expect(container.envFrom?.[0]?.secretRef?.name).toBe(want.secret);
    expect(container.resources?.limits?.memory).toBe(want.memoryLimit);
    // The output reaches the pods in the Job contract (api/job-spec.ts), not in their arguments.
    const contract = container.env?.find((e) => e.name === JOB_SPEC_ENV)?.value ?? "";
    if (want.output) expect(parseJobSpec(contract, JOB_SPEC_ENV)).toMatchObject({ output: want.output });
    expect(pod.securityContext).toEqual(lockedDownPod(want.uid as number));
    expect(container.securityContext).toEqual(LOCKED_DOWN_CONTAINER);
  });

  it("the operator pod is locked down the same way", async () => {
    const { manifests } = await render(helm, {});
    const deployment = one<{
      spec: { template: { spec: { securityContext: object; containers: { securityContext: object }[] } } };
    }>(manifests, "Deployment");
    expect(deployment.spec.template.spec.securityContext).toEqual(lockedDownPod(1000));
    expect(deployment.spec.template.spec.containers[0]!.securityContext).toEqual(LOCKED_DOWN_CONTAINER);
  });

  it("the ServiceMonitor scrapes the metrics Service, only when enabled", async () => {
    expect((await render(helm, {})).manifests.some((m) => m.kind === "ServiceMonitor")).toBe(false);
    const { manifests } = await render(helm, everything);
    const monitor = one<{
      spec: {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; interval: string }[];
      };
      metadata: { labels: Record<string, string> };
    }>(manifests, "ServiceMonitor");
    const service = one<V1Service>(manifests, "Service");
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels))
      expect(service.metadata?.labels?.[k]).toBe(v);
    expect(service.spec?.ports?.map((p) => p.name)).toContain(monitor.spec.endpoints[0]!.port);
    expect(monitor.spec.endpoints[0]!.interval).toBe("15s");
    expect(monitor.metadata.labels.release).toBe("prometheus");
    // The Service reaches the operator's metrics port.
    const env = operatorEnv(manifests, "p", "gik-system");
    expect(service.spec?.ports?.[0]?.targetPort).toBe("metrics");
    expect(env.GIK_METRICS_PORT).toBe("9090");
  });
});
