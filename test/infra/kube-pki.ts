/**
 * Credentials of the test cluster, made fresh for each run in `<run>/data/pki`: a CA and the API
 * server's serving certificate (openssl), the service-account signing key pair (Node crypto),
 * and a static token file giving one bearer token per control-plane identity.
 *
 * The kubelet connection (`pods/log`) has a pair of its own, both signed by the cluster CA as
 * kubeadm does: the serving certificate of the pod runner's kubelet server (valid for 127.0.0.1,
 * the kwok nodes' InternalIP), which the API server verifies (`--kubelet-certificate-authority`),
 * and the API server's client certificate towards it (`kube-apiserver-kubelet-client`), which the
 * kubelet server requires.
 *
 * The identities are the ones Kubernetes' bootstrap RBAC policy already knows
 * (`system:kube-controller-manager`, `system:kube-scheduler`), plus an admin in `system:masters`
 * for the setup, kwok and the pod runner. Everything else (jobs, operators under test)
 * authenticates with service-account tokens and is subject to RBAC.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { InfraError } from "./infra-error.js";

export type KubeIdentity = "admin" | "controllerManager" | "scheduler";

export interface KubePki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  tokens: Record<KubeIdentity, string>;
  /** The kubelet server's serving certificate and key (IP 127.0.0.1, `localhost`). */
  kubeletCert: string;
  kubeletKey: string;
  /** The API server's client certificate and key for kubelet connections. */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

const USERS: Record<KubeIdentity, { user: string; groups: string }> = {
  admin: { user: "gik-test-admin", groups: "system:masters" },
  controllerManager: { user: "system:kube-controller-manager", groups: "" },
  scheduler: { user: "system:kube-scheduler", groups: "" },
};

/** The names the serving certificate is valid for: loopback and the in-cluster service names. */
const SERVER_SANS = [
  "IP:127.0.0.1",
  "IP:10.0.0.1",
  "DNS:localhost",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
];

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${SERVER_SANS.join(",")}
authorityKeyIdentifier = keyid
[kubelet]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

/** Writes a fresh set of credentials into `dir`. */
export async function makeKubePki(dir: string): Promise<KubePki> {
  const f = (name: string) => join(dir, name);
  writeFileSync(f("openssl.cnf"), OPENSSL_CONFIG);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = async (step: string, args: string[]) => {
    try {
      await promisify(execFile)("openssl", args, { cwd: dir });
    } catch (err) {
      throw new InfraError("kube-pki", step, `openssl ${args.join(" ")}: ${String(err)}`, undefined, {
        cause: err,
      });
    }
  };
  await openssl(
    "make CA",
    ["req", "-x509", "-config", "openssl.cnf", "-extensions", "ca", ...ec].concat([
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "7",
      "-subj",
      "/CN=gik-test-ca",
    ]),
  );
  await openssl(
    "make server key",
    ["req", "-new", "-config", "openssl.cnf", ...ec].concat([
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=kube-apiserver",
    ]),
  );
  await openssl(
    "sign server certificate",
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key"].concat([
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "7",
      "-extfile",
      "openssl.cnf",
      "-extensions",
      "server",
    ]),
  );

  // The kubelet connection: a serving certificate for the kubelet server, a client one for the API server.
  for (const [base, subject, extensions] of [
    ["kubelet", "/CN=gik-test-kubelet", "kubelet"],
    ["kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", "client"],
  ] as const) {
    await openssl(
      `make ${base} key`,
      ["req", "-new", "-config", "openssl.cnf", ...ec].concat([
        "-keyout",
        `${base}.key`,
        "-out",
        `${base}.csr`,
        "-subj",
        subject,
      ]),
    );
    await openssl(
      `sign ${base} certificate`,
      ["x509", "-req", "-in", `${base}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key"].concat([
        "-CAcreateserial",
        "-out",
        `${base}.crt`,
        "-days",
        "7",
        "-extfile",
        "openssl.cnf",
        "-extensions",
        extensions,
      ]),
    );
  }

  const sa = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  writeFileSync(f("sa.key"), sa.privateKey, { mode: 0o600 });
  writeFileSync(f("sa.pub"), sa.publicKey);

  const tokens = Object.fromEntries(
    Object.keys(USERS).map((id) => [id, randomBytes(24).toString("hex")]),
  ) as Record<KubeIdentity, string>;
  const lines = (Object.keys(USERS) as KubeIdentity[]).map((id) => {
    const { user, groups } = USERS[id];
    return `${tokens[id]},${user},${user}${groups ? `,"${groups}"` : ""}`;
  });
  writeFileSync(f("tokens.csv"), `${lines.join("\n")}\n`, { mode: 0o600 });

  return {
    caCert: f("ca.crt"),
    caKey: f("ca.key"),
    serverCert: f("server.crt"),
    serverKey: f("server.key"),
    serviceAccountKey: f("sa.key"),
    serviceAccountPub: f("sa.pub"),
    tokenFile: f("tokens.csv"),
    tokens,
    kubeletCert: f("kubelet.crt"),
    kubeletKey: f("kubelet.key"),
    kubeletClientCert: f("kubelet-client.crt"),
    kubeletClientKey: f("kubelet-client.key"),
  };
}
