/**
 * kubectl against the integration control plane (`inject("infra").kube`), as the cluster admin.
 */
import { execFile } from "node:child_process";

/** The header of `kubectl get er`: the EcmwfRun printer columns. */
export const ECMWF_RUN_COLUMNS = [
  "NAME",
  "DATE",
  "CYCLE",
  "PHASE",
  "DONE",
  "FAILED",
  "TOTAL",
  "SOURCE",
  "AGE",
];

export interface KubectlResult {
  code: number;
  stdout: string;
  /** stdout and stderr together, for matching error messages. */
  out: string;
}

/** A kubectl runner bound to a kubeconfig; the promise never rejects. */
export function kubectlFor(kube: { kubectl: string; kubeconfig: string }) {
  return (args: string[], stdin?: string): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        kube.kubectl,
        [`--kubeconfig=${kube.kubeconfig}`, ...args],
        { timeout: 60_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, out: stdout + stderr }),
      );
      child.stdin?.end(stdin ?? "");
    });
}
