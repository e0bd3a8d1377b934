/**
 * The operator process (`runOperator`, what `main.ts` runs) on the real control plane: probes and
 * metrics on one port, leader election between two replicas with a Lease, and a graceful stop that
 * releases the Lease so the standby takes over at once.
 */
import { CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runOperator } from "../../operator/src/run-operator.js";
import { createNamespace, installCrds, namespaceName } from "./helpers/cluster.js";
import { kubectlFor } from "./helpers/kubectl.js";
import { until } from "./helpers/until.js";

const infra = inject("infra");
const kubectl = kubectlFor(infra.kube);
const kc = new KubeConfig();
kc.loadFromFile(infra.kube.kubeconfig);
const NS = namespaceName("gik-run");

function replica(name: string) {
  const stop = new AbortController();
  let port: number | undefined;
  const exit = runOperator({
    env: {
      GIK_JOB_IMAGE: "gik-job-image:dev",
      GIK_WATCH_NAMESPACE: NS,
      GIK_LEASE_NAMESPACE: NS,
      GIK_METRICS_PORT: "0",
      POD_NAME: name,
    },
    hostname: name,
    signal: stop.signal,
    kubeConfig: kc,
    log: pino({ level: "warn" }, process.stderr),
    onListening: (p) => {
      port = p;
    },
  });
  const get = async (path: string) => {
    const port_ = await until(`${name} to listen`, async () => port);
    const res = await fetch(`http://127.0.0.1:${port_}${path}`);
    return { status: res.status, text: await res.text() };
  };
  return { stop: () => stop.abort(), exit, get };
}

const holder = async () =>
  (
    await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: NS, name: "gik-operator" })
      .catch(() => undefined)
  )?.spec?.holderIdentity;

beforeAll(async () => {
  await installCrds(kubectl);
  await createNamespace(kubectl, NS);
});
afterAll(() => kubectl(["delete", "namespace", NS, "--wait=false"]));

describe("runOperator", () => {
  it("serves probes and metrics, elects one leader, and hands over on a graceful stop", async () => {
    const a = replica("op-a");
    await until("op-a to hold the Lease", async () => ((await holder()) === "op-a" ? true : undefined));
    await until("op-a to be ready", async () => ((await a.get("/readyz")).status === 200 ? true : undefined));
    expect((await a.get("/healthz")).status).toBe(200);
    const metrics = (await a.get("/metrics")).text;
    expect(metrics).toContain("gik_leader 1\n");
    expect(metrics).toContain('gik_ecmwfruns{phase="Running"} 0\n');
    expect(metrics).toContain("# TYPE gik_reconcile_total counter\n");

    const b = replica("op-b");
    await until("op-b to be ready as a standby", async () =>
      (await b.get("/readyz")).status === 200 ? true : undefined,
    );
    expect((await b.get("/metrics")).text).toContain("gik_leader 0\n");
    expect(await holder()).toBe("op-a");

    a.stop();
    expect(await a.exit).toBe(0);
    await until("op-b to take over", async () => ((await holder()) === "op-b" ? true : undefined), 10_000);
    await until("op-b to lead", async () =>
      (await b.get("/metrics")).text.includes("gik_leader 1\n") ? true : undefined,
    );
    b.stop();
    expect(await b.exit).toBe(0);
    expect(await holder()).toBe("");
  });
});
