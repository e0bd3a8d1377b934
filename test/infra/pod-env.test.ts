import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { EnvSources } from "./pod-env.js";
import { containerEnv, expandVars, podField } from "./pod-env.js";

const pod: V1Pod = {
  metadata: {
    name: "job-1-abcde",
    namespace: "runs",
    uid: "u-1",
    labels: { "batch.kubernetes.io/job-completion-index": "1" },
    annotations: { "batch.kubernetes.io/job-completion-index": "1" },
  },
  spec: { nodeName: "kwok-node-0", containers: [] },
};
const sources: EnvSources = {
  secret: async (ns, name) => (ns === "runs" && name === "creds" ? { key: "s3cr3t" } : undefined),
  configMap: async (ns, name) =>
    ns === "runs" && name === "settings" ? { color: "blue", size: "3" } : undefined,
};
const env = (container: Partial<V1Container>) => containerEnv(pod, { name: "main", ...container }, sources);

describe("container environments resolved by the pod runner", () => {
  it.each([
    { value: "$(A)-$(B)", expanded: "1-two" },
    { value: "$$(A)", expanded: "$(A)" },
    { value: "$(MISSING)", expanded: "$(MISSING)" },
  ])("expands $value to $expanded", ({ value, expanded }) => {
    expect(expandVars(value, { A: "1", B: "two" })).toBe(expanded);
  });

  it.each([
    { path: "metadata.name", value: "job-1-abcde" },
    { path: "metadata.namespace", value: "runs" },
    { path: "spec.nodeName", value: "kwok-node-0" },
    { path: "metadata.labels['batch.kubernetes.io/job-completion-index']", value: "1" },
    { path: "metadata.annotations['batch.kubernetes.io/job-completion-index']", value: "1" },
  ])("reads fieldRef $path", ({ path, value }) => {
    expect(podField(pod, path)).toBe(value);
  });

  it("refuses a field path it cannot answer", () => {
    expect(() => podField(pod, "status.podIPs")).toThrow(/not supported/);
  });

  it("resolves envFrom, then env in order", async () => {
    expect(
      await env({
        envFrom: [{ configMapRef: { name: "settings" }, prefix: "CM_" }],
        env: [
          {
            name: "INDEX",
            valueFrom: {
              fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" },
            },
          },
          { name: "LABEL", value: "shard-$(INDEX)" },
          { name: "KEY", valueFrom: { secretKeyRef: { name: "creds", key: "key" } } },
          { name: "NONE", valueFrom: { configMapKeyRef: { name: "absent", key: "x", optional: true } } },
        ],
      }),
    ).toEqual({ CM_color: "blue", CM_size: "3", INDEX: "1", LABEL: "shard-1", KEY: "s3cr3t" });
  });

  it.each([
    {
      name: "a missing secret",
      ref: { secretKeyRef: { name: "absent", key: "k" } },
      message: 'secret "runs/absent" not found',
    },
    {
      name: "a missing key",
      ref: { configMapKeyRef: { name: "settings", key: "k" } },
      message: 'has no key "k"',
    },
  ])("fails on $name, as the kubelet does", async ({ ref, message }) => {
    await expect(env({ env: [{ name: "X", valueFrom: ref }] })).rejects.toThrow(message);
  });
});
