/**
 * The chart installed with `helm install` into the test cluster, and the operator running as the
 * chart made it: with a TokenRequest token of the chart's operator service account (so exactly the
 * chart's RBAC) and the environment of the installed Deployment. The Deployment itself is scaled
 * to 0 here: the pod runner runs a pod's command on this machine, and the image's own path
 * (`/app/dist/operator/src/main.js`) exists only in the image, so the operator is that same
 * program as a local process (`dist/operator/src/main.js`), as in the end-to-end tests of issue 4.
 *
 * Shown: everything the release holds exists in the cluster; the end-to-end run of issue 4 (a
 * TemplateBuild of 20240529 and an EcmwfRun of 20250101, mirror and stores in MinIO, three of its
 * stores opened in xarray) succeeds with the Jobs made from the chart's values (parallelism,
 * image, service account, the credentials Secret of `credentials.secretRef`, locked-down security
 * context); `helm upgrade` of the default parallelism reaches the next run's Job; and the Argo CD
 * health checks read the live statuses: Progressing while running, Healthy on success, Degraded
 * for a partially succeeded and a failed run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { S3Client } from "@aws-sdk/client-s3";
import type { V1Deployment, V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { parseAllDocuments } from "yaml";
import type { EcmwfRun, EcmwfRunSpec, TemplateBuild } from "../../job-image/src/api/index.js";
import { LUA_INTERPRETERS, runHealth } from "../argocd/lua.js";
import { ensureMirror } from "../helpers/mirror.js";
import { logTail, type OperatorProcess, startOperatorProcess } from "../helpers/operator-process.js";
import { ensureBucket, s3Client, uploadTree } from "../helpers/s3-objects.js";
import {
  CREDENTIALS_SECRET,
  credentialsSecret,
  gikObject,
  ok,
  serviceAccountKubeconfig,
  writeManifests,
} from "../operator/e2e/cluster.js";
import { uploadRunWithBrokenRange } from "../operator/e2e/faults.js";
import { MIRROR_BUCKET, MIRROR_DATES, OUT_BUCKET, TEMPLATES_BUCKET } from "../operator/e2e/harness.js";
import { ecmwfRun, outputOf, RUN, TEMPLATE_BUILD, templateBuild } from "../operator/e2e/manifests.js";
import { expectSucceededRun, took } from "../operator/e2e/run-status.js";
import { checkStoresInPython } from "../operator/e2e/stores.js";
import { namespaceName } from "../operator/helpers/cluster.js";
import { kubectlFor } from "../operator/helpers/kubectl.js";
import { until } from "../operator/helpers/until.js";
import {
  CHART,
  deploymentEnv,
  type Helm,
  helmFor,
  LOCKED_DOWN_CONTAINER,
  lockedDownPod,
  type Manifest,
  valuesFile,
} from "./helm.js";

/** The run's members: more than the chart's default parallelism of 6. */
const MEMBERS = ["control", "ens01", "ens02", "ens03", "ens04", "ens05", "ens50"];
const infra = inject("infra");
const kubectl = kubectlFor(infra.kube);
/** Its full name (`<release>-gik-operator`) names the cluster-wide objects, apart from issue 4's. */
const RELEASE = "gik-chart";
const FULLNAME = `${RELEASE}-gik-operator`;
const JOB_ACCOUNT = "gik-job";
const healthScript = (kind: string) =>
  fileURLToPath(new URL(`../../argocd/health/gik.dev/${kind}/health.lua`, import.meta.url));

let helm: Helm;
let opNs: string;
let runNs: string;
let dir: string;
let s3: S3Client;
let mirror: string;
let kubeconfig: string;
let operator: OperatorProcess | undefined;

/** The chart's values in this test: the pod runner's image, and the run namespace. */
const values = (parallelism: number) => ({
  image: { repository: "gik-job-image", tag: "dev" },
  replicaCount: 0,
  jobs: { parallelism, namespaces: [runNs] },
  credentials: { secretRef: { name: CREDENTIALS_SECRET } },
});

const getJson = async <T>(args: string[]): Promise<T> =>
  JSON.parse(ok(await kubectl([...args, "-o", "json"]))) as T;
const getRun = (name: string) => getJson<EcmwfRun>(["get", "ecmwfrun", name, "-n", runNs]);
const getJob = (name: string) => getJson<V1Job>(["get", "job", name, "-n", runNs]);

/** Starts the operator with the installed Deployment's environment; waits until it leads. */
async function startOperator(): Promise<OperatorProcess> {
  const deployment = await getJson<V1Deployment>(["get", "deployment", FULLNAME, "-n", opNs]);
  const logFile = join(dir, "operator.log");
  const started = await startOperatorProcess({
    kubeconfig,
    logFile,
    env: deploymentEnv(deployment, `${FULLNAME}-0`, opNs),
  });
  operator = started;
  const leading = async () => {
    const metrics = await started.get("/metrics");
    const ready = await started.get("/readyz");
    return metrics?.text.includes("gik_leader 1\n") && ready?.status === 200 ? true : undefined;
  };
  await until(`the operator to lead:\n${logTail(logFile)}`, leading, 60_000);
  return started;
}

async function stopOperator(): Promise<void> {
  if (!operator) return;
  operator.kill("SIGTERM");
  await Promise.race([operator.exited, new Promise((r) => setTimeout(r, 15_000))]);
  operator.kill("SIGKILL");
  operator = undefined;
}

/** Applies `objects` from a file, as a user does. */
async function apply(file: string, ...objects: object[]): Promise<void> {
  ok(await kubectl(["apply", "-f", await writeManifests(dir, file, ...objects)]));
}

/** A run named `name` in the run namespace, on its TemplateBuild, with no credentials and no parallelism of its own. */
function runObject(name: string, spec: Partial<EcmwfRunSpec> = {}) {
  const { spec: base } = ecmwfRun(runNs) as { spec: EcmwfRunSpec };
  return gikObject("EcmwfRun", runNs, name, { ...base, credentials: undefined, ...spec });
}

/** Waits for run `name` to end; returns it and the first status seen while it was Running. */
async function runToEnd(name: string, timeoutMs = 600_000): Promise<{ end: EcmwfRun; running?: EcmwfRun }> {
  let running: EcmwfRun | undefined;
  const end = await until(
    `${runNs}/${name} to end`,
    async () => {
      const r = await getRun(name).catch(() => undefined);
      if (r?.status?.phase === "Running" && r.status.observedGeneration === r.metadata.generation)
        running ??= r;
      return ["Succeeded", "PartiallySucceeded", "Failed"].includes(r?.status?.phase ?? "") ? r : undefined;
    },
    timeoutMs,
  );
  return { end, running };
}

/** The Argo CD health of `obj` in every Lua interpreter; they must agree. */
async function health(kind: "EcmwfRun" | "TemplateBuild", obj: unknown) {
  const [first, ...rest] = await Promise.all(
    LUA_INTERPRETERS.map((lua) => runHealth(lua, healthScript(kind), obj)),
  );
  for (const other of rest) expect(other).toEqual(first);
  return first!;
}

async function diagnose(): Promise<string> {
  const parts = [
    (await kubectl(["get", "er,tb,jobs,pods", "-n", runNs, "-o", "wide"])).out,
    (await kubectl(["get", "events", "-n", runNs, "--sort-by=.lastTimestamp"])).out,
    `operator log:\n${logTail(join(dir, "operator.log"), 60)}`,
  ];
  return parts.join("\n\n");
}

beforeAll(async () => {
  helm = helmFor(infra.bin, infra.kube.kubeconfig);
  dir = await mkdtemp(join(tmpdir(), "gik-chart-"));
  opNs = namespaceName("gik-chart");
  runNs = namespaceName("gik-chart-runs");
  ok(await kubectl(["create", "namespace", runNs]));
  s3 = s3Client(infra.s3);
  mirror = await ensureMirror({ dates: MIRROR_DATES });
  await uploadTree(s3, mirror, MIRROR_BUCKET);
  await ensureBucket(s3, TEMPLATES_BUCKET);
  await ensureBucket(s3, OUT_BUCKET);

  const installed = await helm([
    "install",
    RELEASE,
    CHART,
    "-n",
    opNs,
    "--create-namespace",
    "-f",
    valuesFile(values(6)),
  ]);
  console.log(
    `helm install: ${installed.out
      .trim()
      .split("\n")
      .filter((l) => !l.includes("symbolic link"))
      .join(" | ")}`,
  );
  expect(installed.code, installed.out).toBe(0);
  // The storage settings of the run namespace, under the name the chart's credentials.secretRef gives.
  await apply("secret.yaml", credentialsSecret(runNs, infra.s3));
  kubeconfig = await serviceAccountKubeconfig(
    kubectl,
    infra.kube.kubeconfig,
    opNs,
    FULLNAME,
    join(dir, "operator.kubeconfig"),
  );
  await startOperator();
}, 900_000);

afterAll(async () => {
  await stopOperator();
  if (helm) await helm(["uninstall", RELEASE, "-n", opNs, "--wait"]);
  for (const ns of [runNs, opNs]) if (ns) await kubectl(["delete", "namespace", ns, "--wait=false"]);
  s3?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("helm install", () => {
  it("creates every object of the release", async () => {
    const manifest = await helm(["get", "manifest", RELEASE, "-n", opNs]);
    expect(manifest.code, manifest.out).toBe(0);
    const objects = parseAllDocuments(manifest.stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
    const found: string[] = [];
    for (const m of objects) {
      const args = [
        "get",
        m.kind,
        m.metadata.name,
        ...(m.metadata.namespace ? ["-n", m.metadata.namespace] : []),
      ];
      const got = await kubectl([...args, "-o", "name"]);
      expect(got.code, `${m.kind} ${m.metadata.name}: ${got.out}`).toBe(0);
      found.push(got.stdout.trim());
    }
    console.log(`the release's objects in the cluster:\n${found.join("\n")}`);
    const kinds = new Set(objects.map((m) => m.kind));
    for (const kind of [
      "Deployment",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "Role",
      "RoleBinding",
      "Service",
    ])
      expect(kinds).toContain(kind);
    expect(objects.some((m) => m.kind === "ServiceAccount" && m.metadata.namespace === runNs)).toBe(true);
    // The CRDs of crds/ are served (Helm installs them before the templates; a cluster that has them keeps them).
    ok(
      await kubectl([
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/ecmwfruns.gik.dev",
        "crd/templatebuilds.gik.dev",
        "crd/ecmwfschedules.gik.dev",
      ]),
    );
  });
});

describe("the operator with the chart's service account and environment", () => {
  let templateBuildObj: TemplateBuild;
  it("completes the end-to-end run from a TemplateBuild, with the chart's Job settings", async () => {
    onTestFailed(async () => console.error(await diagnose()));
    // More members than the chart's parallelism (6), fewer than 51: the whole ensemble through the
    // operator is the end-to-end test's; what this run shows is what the chart puts in the Job.
    await apply(
      "run.yaml",
      templateBuild(runNs, { credentials: undefined, members: MEMBERS }),
      runObject(RUN, { members: MEMBERS }),
    );
    const { end, running } = await runToEnd(RUN);
    templateBuildObj = await getJson<TemplateBuild>(["get", "templatebuild", TEMPLATE_BUILD, "-n", runNs]);
    console.log(`TemplateBuild: ${took(templateBuildObj.status)}; EcmwfRun: ${took(end.status)}`);
    expectSucceededRun(end, runNs, MEMBERS);
    const table = ok(await kubectl(["get", "er", "-n", runNs]));
    console.log(table);
    expect(table).toMatch(new RegExp(`${RUN}\\s+20250101\\s+0\\s+Succeeded\\s+7\\s+0\\s+7`));

    // The Job as the chart's values made it (the run names no parallelism, Secret or account).
    const job = await getJob(end.status!.jobName!);
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(job.spec!.parallelism).toBe(6);
    expect(container.image).toBe("gik-job-image:dev");
    expect(pod.serviceAccountName).toBe(JOB_ACCOUNT);
    expect(container.envFrom).toEqual([{ secretRef: { name: CREDENTIALS_SECRET } }]);
    expect(pod.securityContext).toMatchObject(lockedDownPod(1000));
    expect(container.securityContext).toMatchObject(LOCKED_DOWN_CONTAINER);
    console.log(
      `Job ${job.metadata?.name}: parallelism ${job.spec?.parallelism}, pod ${JSON.stringify(pod.securityContext)}, container ${JSON.stringify(container.securityContext)}`,
    );

    // Three of the stores open in xarray as DESIGN.md shows (the end-to-end test opens all 51).
    const stores = await checkStoresInPython(infra.python, infra.s3, `${outputOf(runNs)}/20250101/00z`, [
      "control",
      "ens01",
      "ens50",
    ]);
    console.log(stores.output.trim().split("\n").at(-1));
    expect(stores.code, stores.output).toBe(0);

    // Argo CD's view of the live objects.
    expect(running, "a Running status was seen").toBeDefined();
    const states = {
      running: await health("EcmwfRun", running),
      succeeded: await health("EcmwfRun", end),
      templates: await health("TemplateBuild", templateBuildObj),
    };
    console.log(`Argo CD health: ${JSON.stringify(states)}`);
    expect(states.running.status).toBe("Progressing");
    expect(states.succeeded).toEqual({ status: "Healthy", message: "7/7 members succeeded" });
    expect(states.templates.status).toBe("Healthy");
  });

  it("helm upgrade of the default parallelism reaches the next run's Job", async () => {
    onTestFailed(async () => console.error(await diagnose()));
    const upgraded = await helm([
      "upgrade",
      RELEASE,
      CHART,
      "-n",
      opNs,
      "--reuse-values",
      "--set",
      "jobs.parallelism=4",
    ]);
    expect(upgraded.code, upgraded.out).toBe(0);
    // What a rollout of the Deployment does: the operator starts again with the new environment.
    await stopOperator();
    await startOperator();
    const members = ["control", "ens01", "ens02", "ens03", "ens04"];
    await apply("run-p4.yaml", runObject("ens-20250101-p4", { members, output: `${outputOf(runNs)}/p4` }));
    const { end } = await runToEnd("ens-20250101-p4");
    expect(end.status?.phase).toBe("Succeeded");
    const job = await getJob(end.status!.jobName!);
    console.log(
      `after helm upgrade --set jobs.parallelism=4: Job ${job.metadata?.name} parallelism ${job.spec?.parallelism} (5 members)`,
    );
    expect(job.spec!.parallelism).toBe(4);
    // The default is the operator's for every run that names none: the first run's Job follows too
    // (parallelism is the one field of a Job the operator keeps up to date).
    await until("the first run's Job to follow the new default", async () =>
      (await getJob(`er-${RUN}`)).spec?.parallelism === 4 ? true : undefined,
    );
  });

  it("Argo CD health: a partially succeeded and a failed run are Degraded, naming the failed member", async () => {
    onTestFailed(async () => console.error(await diagnose()));
    const bucket = `gik-chart-broken-${runNs.split("-").at(-1)}`;
    await uploadRunWithBrokenRange(s3, mirror, dir, bucket, { step: 24, number: 1, param: "2t" });
    const source = `s3://${bucket}`;
    await apply(
      "broken.yaml",
      runObject("broken-partial", {
        members: ["control", "ens01", "ens02"],
        source,
        output: `${outputOf(runNs)}/partial`,
      }),
      runObject("broken-all", { members: ["ens01"], source, output: `${outputOf(runNs)}/all` }),
    );
    const partial = (await runToEnd("broken-partial")).end;
    const failed = (await runToEnd("broken-all")).end;
    expect(partial.status?.phase).toBe("PartiallySucceeded");
    expect(failed.status?.phase).toBe("Failed");
    const states = { partial: await health("EcmwfRun", partial), failed: await health("EcmwfRun", failed) };
    console.log(`Argo CD health: ${JSON.stringify(states)}`);
    expect(states.partial).toEqual({
      status: "Degraded",
      message: "PartiallySucceeded: 2/3 members succeeded; failed members: ens01",
    });
    expect(states.failed).toEqual({
      status: "Degraded",
      message: "Failed: 0/1 members succeeded; failed members: ens01",
    });
  });
});
