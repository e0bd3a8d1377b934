/**
 * A Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (TLS, static-token
 * authentication, RBAC authorization, service-account token signing), kube-controller-manager
 * (all default controllers, each with its own service account) and kube-scheduler.
 *
 * The flags are those of a kubeadm-style cluster reduced to loopback; etcd runs without fsync,
 * which only matters for crash safety, not for what the API does.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { httpOk } from "./http-request.js";
import type { KubePki } from "./kube-pki.js";
import { makeKubePki } from "./kube-pki.js";
import { writeKubeconfig } from "./kubeconfig.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { freePort, startServer, waitReady } from "./server-process.js";

export interface ControlPlaneBinaries {
  etcd: string;
  "kube-apiserver": string;
  "kube-controller-manager": string;
  "kube-scheduler": string;
}

export interface ControlPlane {
  server: string;
  /** Kubeconfig of the cluster admin (`system:masters`). */
  adminKubeconfig: string;
  pki: KubePki;
  /** In start order; stop in reverse. */
  servers: ServerProcess[];
}

/** Starts etcd, the API server, the controller manager and the scheduler, each waited for. */
export async function startControlPlane(run: RunDir, bin: ControlPlaneBinaries): Promise<ControlPlane> {
  const pki = await makeKubePki(run.data("pki"));
  const servers: ServerProcess[] = [];
  try {
    const etcd = await startEtcd(run, bin.etcd);
    servers.push(etcd.server);

    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startServer(run, {
      name: "kube-apiserver",
      command: bin["kube-apiserver"],
      args: [
        ...["--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`],
        ...[
          `--tls-cert-file=${pki.serverCert}`,
          `--tls-private-key-file=${pki.serverKey}`,
          `--client-ca-file=${pki.caCert}`,
        ],
        `--etcd-servers=${etcd.url}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        `--token-auth-file=${pki.tokenFile}`,
        // pods/log goes to the kubelet server of the pod runner, at the nodes' InternalIP (their
        // Hostname address is the node name, which no DNS resolves), with a client certificate;
        // the kubelet's serving certificate is verified.
        "--kubelet-preferred-address-types=InternalIP",
        `--kubelet-client-certificate=${pki.kubeletClientCert}`,
        `--kubelet-client-key=${pki.kubeletClientKey}`,
        `--kubelet-certificate-authority=${pki.caCert}`,
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        "--v=1",
      ],
    });
    servers.push(apiserver);
    const ca = readFileSync(pki.caCert, "utf8");
    const admin = { authorization: `Bearer ${pki.tokens.admin}` };
    await waitReady(apiserver, () => httpOk(`${server}/readyz`, { ca, headers: admin }), 120_000);

    const kubeconfigs = run.data("kubeconfig");
    const kubeconfig = (name: string, user: string, token: string) =>
      writeKubeconfig(join(kubeconfigs, `${name}.kubeconfig`), { server, caFile: pki.caCert, user, token });
    const adminKubeconfig = kubeconfig("admin", "gik-test-admin", pki.tokens.admin);

    const kcmPort = await freePort();
    const kcm = startServer(run, {
      name: "kube-controller-manager",
      command: bin["kube-controller-manager"],
      args: [
        `--kubeconfig=${kubeconfig("kube-controller-manager", "system:kube-controller-manager", pki.tokens.controllerManager)}`,
        ...["--bind-address=127.0.0.1", `--secure-port=${kcmPort}`, "--leader-elect=false"],
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        ...[`--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`],
        "--controllers=*",
        "--v=1",
      ],
    });
    servers.push(kcm);

    const schedulerPort = await freePort();
    const scheduler = startServer(run, {
      name: "kube-scheduler",
      command: bin["kube-scheduler"],
      args: [
        `--kubeconfig=${kubeconfig("kube-scheduler", "system:kube-scheduler", pki.tokens.scheduler)}`,
        ...["--bind-address=127.0.0.1", `--secure-port=${schedulerPort}`, "--leader-elect=false", "--v=1"],
      ],
    });
    servers.push(scheduler);
    // Both serve /healthz over TLS with a self-signed certificate of their own.
    await waitReady(kcm, () => httpOk(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true }), 120_000);
    await waitReady(
      scheduler,
      () => httpOk(`https://127.0.0.1:${schedulerPort}/healthz`, { insecure: true }),
      120_000,
    );
    return { server, adminKubeconfig, pki, servers };
  } catch (err) {
    await Promise.all(servers.reverse().map((s) => s.stop(2000)));
    throw err;
  }
}

async function startEtcd(run: RunDir, bin: string): Promise<{ server: ServerProcess; url: string }> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const server = startServer(run, {
    name: "etcd",
    command: bin,
    args: [
      ...["--name=default", `--data-dir=${run.data("etcd")}`],
      ...[`--listen-client-urls=${url}`, `--advertise-client-urls=${url}`],
      ...[
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
      ],
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
  });
  await waitReady(server, () => httpOk(`${url}/health`), 60_000);
  return { server, url };
}
