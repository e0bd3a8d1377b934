/**
 * Setting up the integration control plane for operator tests: the CRDs installed and
 * established, and a fresh namespace per test file.
 */
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { KubectlResult } from "./kubectl.js";

type Kubectl = (args: string[], stdin?: string) => Promise<KubectlResult>;

export const CRD_NAMES = ["ecmwfruns.gik.dev", "templatebuilds.gik.dev", "ecmwfschedules.gik.dev"];

/** Applies `crds/` (server-side, so repeated installs by several files agree) and waits until served. */
export async function installCrds(kubectl: Kubectl): Promise<void> {
  for (const crd of CRD_NAMES) {
    const file = fileURLToPath(new URL(`../../../crds/${crd}.yaml`, import.meta.url));
    const applied = await kubectl(["apply", "--server-side", "--force-conflicts", "-f", file]);
    expect(applied.code, applied.out).toBe(0);
  }
  const established = await kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...CRD_NAMES.map((c) => `crd/${c}`),
  ]);
  expect(established.code, established.out).toBe(0);
}

/** A fresh namespace name, `<prefix>-<random>`. */
export function namespaceName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Creates namespace `ns`, with a service account when given (Job pods naming a missing service
 * account are refused by admission).
 */
export async function createNamespace(kubectl: Kubectl, ns: string, serviceAccount?: string): Promise<void> {
  expect((await kubectl(["create", "namespace", ns])).code).toBe(0);
  if (serviceAccount)
    expect((await kubectl(["create", "serviceaccount", serviceAccount, "-n", ns])).code).toBe(0);
}
