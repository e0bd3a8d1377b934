import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";

const infra = inject("infra");
const GROUP = "infra-test.gik.dev";

/** Runs kubectl as the cluster admin; resolves with exit code and output, never rejects. */
async function kubectl(
  args: string[],
  stdin?: string,
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      infra.kube.kubectl,
      [`--kubeconfig=${infra.kube.kubeconfig}`, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr, stdout }),
    );
    child.stdin!.end(stdin ?? "");
  });
}

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "integer", minimum: 1, maximum: 10 },
                  color: { type: "string", enum: ["red", "blue"] },
                },
              },
            },
          },
        },
      },
    ],
  },
};
const widget = (name: string, spec: object) =>
  stringify({ apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name, namespace: "default" }, spec });

beforeAll(async () => {
  expect((await kubectl(["apply", "-f", "-"], stringify(crd))).code).toBe(0);
  const established = await kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    `crd/widgets.${GROUP}`,
  ]);
  expect(established.out).toContain("condition met");
});
afterAll(() => kubectl(["delete", "crd", `widgets.${GROUP}`, "--wait=false"]));

describe("a CRD on the real API server", () => {
  it("accepts an object that fits its schema", async () => {
    const applied = await kubectl(["apply", "-f", "-"], widget("good", { size: 3, color: "red" }));
    expect(applied).toMatchObject({ code: 0 });
    const got = await kubectl(["get", "widget", "good", "-n", "default", "-o", "jsonpath={.spec.size}"]);
    expect(got.out).toBe("3");
  });

  it.each([
    { name: "below the minimum", spec: { size: 0 }, message: "spec.size: Invalid value: 0" },
    {
      name: "not in the enum",
      spec: { size: 2, color: "green" },
      message: 'spec.color: Unsupported value: "green"',
    },
    { name: "missing a required field", spec: { color: "blue" }, message: "spec.size: Required value" },
    { name: "of the wrong type", spec: { size: "big" }, message: "spec.size: Invalid value" },
  ])("refuses an object $name", async ({ spec, message }) => {
    const name = `bad-${Math.random().toString(36).slice(2, 8)}`;
    const applied = await kubectl(["apply", "-f", "-"], widget(name, spec));
    expect(applied.code).not.toBe(0);
    expect(applied.out).toContain(message);
    expect((await kubectl(["get", "widget", name, "-n", "default"])).out).toContain("NotFound");
  });
});

describe("RBAC on the real API server", () => {
  it.each([
    { as: "the admin", what: ["create", "jobs"], answer: "yes" },
    { as: "system:serviceaccount:default:default", what: ["create", "jobs"], answer: "no" },
    { as: "system:serviceaccount:default:default", what: ["list", "secrets"], answer: "no" },
    { as: "system:kube-scheduler", what: ["create", "pods", "--subresource=binding"], answer: "yes" },
    { as: "system:kube-scheduler", what: ["create", "secrets"], answer: "no" },
  ])("kubectl auth can-i $what as $as → $answer", async ({ as, what, answer }) => {
    const who = as === "the admin" ? [] : [`--as=${as}`];
    const res = await kubectl(["auth", "can-i", ...what, "-n", "default", ...who]);
    expect(res.stdout.trim()).toBe(answer);
  });
});
