import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { kueueConfiguration, kueueCrds, kueueWebhookConfigurations, withConversion } from "./kueue.js";

// A module source reduced to what kueue.ts reads, shaped like Kueue's own files.
const source = mkdtempSync(join(tmpdir(), "gik-kueue-source-"));
afterAll(() => rmSync(source, { recursive: true, force: true }));
const write = (path: string, docs: object[]) => {
  mkdirSync(join(source, path, ".."), { recursive: true });
  writeFileSync(join(source, path), docs.map((d) => stringify(d)).join("---\n"));
};
const crd = (plural: string) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.kueue.x-k8s.io` },
  spec: { group: "kueue.x-k8s.io", names: { plural }, versions: [] },
});
write("config/components/crd/kustomization.yaml", [
  {
    resources: ["bases/kueue.x-k8s.io_workloads.yaml", "bases/kueue.x-k8s.io_resourceflavors.yaml"],
    patches: [{ path: "patches/webhook_in_workloads.yaml" }],
  },
]);
write("config/components/crd/bases/kueue.x-k8s.io_workloads.yaml", [crd("workloads")]);
write("config/components/crd/bases/kueue.x-k8s.io_resourceflavors.yaml", [crd("resourceflavors")]);
write("config/components/crd/patches/webhook_in_workloads.yaml", [
  {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "workloads.kueue.x-k8s.io" },
    spec: {
      conversion: {
        strategy: "Webhook",
        webhook: {
          clientConfig: { service: { namespace: "system", name: "webhook-service", path: "/convert" } },
          conversionReviewVersions: ["v1"],
        },
      },
    },
  },
]);
const webhook = (name: string, apiGroups: string[], resources: string[], path: string) => ({
  name,
  admissionReviewVersions: ["v1"],
  clientConfig: { service: { name: "webhook-service", namespace: "system", path } },
  failurePolicy: "Fail",
  rules: [{ apiGroups, apiVersions: ["v1"], operations: ["CREATE"], resources }],
  sideEffects: "None",
});
write("config/components/webhook/manifests.yaml", [
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: "mutating-webhook-configuration" },
    webhooks: [
      webhook("mclusterqueue.kb.io", ["kueue.x-k8s.io"], ["clusterqueues"], "/mutate-clusterqueue"),
      webhook("mjob.kb.io", ["batch"], ["jobs"], "/mutate-batch-v1-job"),
      webhook("mpod.kb.io", [""], ["pods"], "/mutate--v1-pod"),
      webhook("mdeployment.kb.io", ["apps"], ["deployments"], "/mutate-apps-v1-deployment"),
    ],
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "validating-webhook-configuration" },
    webhooks: [webhook("vjob.kb.io", ["batch"], ["jobs"], "/validate-batch-v1-job")],
  },
]);

const URL = "https://127.0.0.1:9443";

describe("Kueue's manifests for a process on 127.0.0.1", () => {
  it("installs every CRD of the kustomization, conversion webhooks by URL where it patches them in", () => {
    const crds = kueueCrds(source, URL, "Q0E=");
    expect(crds.map((c) => c.name)).toEqual(["workloads.kueue.x-k8s.io", "resourceflavors.kueue.x-k8s.io"]);
    const [workloads, flavors] = crds.map((c) => parse(c.yaml));
    expect(workloads).toEqual({
      ...crd("workloads"),
      spec: {
        ...crd("workloads").spec,
        conversion: {
          strategy: "Webhook",
          webhook: {
            clientConfig: { url: `${URL}/convert`, caBundle: "Q0E=" },
            conversionReviewVersions: ["v1"],
          },
        },
      },
    });
    expect(flavors).toEqual(crd("resourceflavors"));
  });

  it("refuses to set the conversion of a CRD text it does not understand", () => {
    const twice = `${stringify(crd("a"))}---\n${stringify(crd("b"))}`;
    expect(() => withConversion(twice, "a", {})).toThrow(/one top-level spec/);
    const converted = withConversion(stringify(crd("a")), "a", { strategy: "None" });
    expect(() => withConversion(converted, "a", {})).toThrow(/without a conversion/);
  });

  it("keeps the webhooks of Kueue's objects and of labelled Jobs only, called by URL", () => {
    const [mutating, validating] = kueueWebhookConfigurations(source, URL, "Q0E=") as {
      metadata: { name: string };
      webhooks: { name: string; clientConfig: object; objectSelector?: object; failurePolicy: string }[];
    }[];
    expect(mutating!.metadata.name).toBe("kueue-mutating-webhook-configuration");
    expect(validating!.metadata.name).toBe("kueue-validating-webhook-configuration");
    expect(mutating!.webhooks.map((w) => w.name)).toEqual(["mclusterqueue.kb.io", "mjob.kb.io"]);
    const [clusterQueue, job] = mutating!.webhooks;
    expect(clusterQueue!.clientConfig).toEqual({ url: `${URL}/mutate-clusterqueue`, caBundle: "Q0E=" });
    expect(clusterQueue).not.toHaveProperty("objectSelector");
    const labelled = { matchExpressions: [{ key: "kueue.x-k8s.io/queue-name", operator: "Exists" }] };
    expect(job).toMatchObject({ objectSelector: labelled, failurePolicy: "Fail" });
    expect(validating!.webhooks[0]).toMatchObject({
      clientConfig: { url: `${URL}/validate-batch-v1-job`, caBundle: "Q0E=" },
      objectSelector: labelled,
    });
  });

  it("configures Kueue for batch/job only, on loopback, managing its own certificates not", () => {
    const config = kueueConfiguration({ webhookPort: 1, healthPort: 2, metricsPort: 3, certDir: "/c" });
    expect(config).toMatchObject({
      apiVersion: "config.kueue.x-k8s.io/v1beta2",
      webhook: { host: "127.0.0.1", port: 1, certDir: "/c" },
      health: { healthProbeBindAddress: "127.0.0.1:2" },
      metrics: { bindAddress: "127.0.0.1:3" },
      leaderElection: { leaderElect: false },
      internalCertManagement: { enable: false },
      manageJobsWithoutQueueName: false,
      integrations: { frameworks: ["batch/job"] },
    });
  });
});
