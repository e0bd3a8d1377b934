/**
 * Kubeconfig files for the test cluster: one cluster, one bearer-token user, one context. Written
 * as JSON (a valid kubeconfig) with the CA inlined, so a file stands alone wherever it is copied.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";

export interface KubeconfigSpec {
  server: string;
  /** PEM of the cluster CA. */
  ca: string;
  user: string;
  token: string;
  namespace?: string;
}

/** The kubeconfig document for `spec`. */
export function kubeconfigDocument(spec: KubeconfigSpec): object {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "gik-test",
        cluster: {
          server: spec.server,
          "certificate-authority-data": Buffer.from(spec.ca).toString("base64"),
        },
      },
    ],
    users: [{ name: spec.user, user: { token: spec.token } }],
    contexts: [
      {
        name: "gik-test",
        context: {
          cluster: "gik-test",
          user: spec.user,
          ...(spec.namespace ? { namespace: spec.namespace } : {}),
        },
      },
    ],
    "current-context": "gik-test",
  };
}

/** Writes a kubeconfig for `spec` to `path` (mode 0600: it holds a token) and returns `path`. */
export function writeKubeconfig(path: string, spec: Omit<KubeconfigSpec, "ca"> & { caFile: string }): string {
  const doc = kubeconfigDocument({ ...spec, ca: readFileSync(spec.caFile, "utf8") });
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  return path;
}
