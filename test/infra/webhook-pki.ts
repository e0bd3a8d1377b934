/**
 * Certificates for servers the API server calls (admission and conversion webhooks) on
 * 127.0.0.1: there are no Services or cluster DNS, so a webhook is registered by URL
 * (`https://127.0.0.1:<port>/…`) with a `caBundle`, and its serving certificate must be valid for
 * that IP. Each server gets a CA of its own, made per run: the cluster CA also authenticates
 * clients, and a webhook has no business minting client identities.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { InfraError } from "./infra-error.js";

export interface WebhookPki {
  /** PEM of the CA: the `caBundle` of the webhook configurations. */
  caPem: string;
  /** Directory holding `tls.crt` and `tls.key` (controller-runtime's names), valid for 127.0.0.1. */
  certDir: string;
}

const opensslConfig = (cn: string) => `[req]
distinguished_name = dn
prompt = no
[dn]
CN = ${cn}
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier = keyid
`;

/** Makes a CA and a serving certificate for 127.0.0.1 in `dir`; `name` names the server in errors and subjects. */
export async function makeWebhookPki(dir: string, name: string): Promise<WebhookPki> {
  const certDir = join(dir, "certs");
  mkdirSync(certDir, { recursive: true });
  writeFileSync(join(dir, "openssl.cnf"), opensslConfig(name));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = async (step: string, args: string[]) => {
    try {
      await promisify(execFile)("openssl", args, { cwd: dir });
    } catch (err) {
      throw new InfraError(name, step, `openssl ${args.join(" ")}: ${String(err)}`, undefined, {
        cause: err,
      });
    }
  };
  await openssl("make webhook CA", [
    ...["req", "-x509", "-config", "openssl.cnf", "-extensions", "ca", ...ec],
    ...["-keyout", "ca.key", "-out", "ca.crt", "-days", "7", "-subj", `/CN=${name}-webhook-ca`],
  ]);
  await openssl("make webhook key", [
    ...["req", "-new", "-config", "openssl.cnf", ...ec],
    ...["-keyout", join("certs", "tls.key"), "-out", "server.csr", "-subj", `/CN=${name}-webhook`],
  ]);
  await openssl("sign webhook certificate", [
    ...["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"],
    ...["-out", join("certs", "tls.crt"), "-days", "7", "-extfile", "openssl.cnf", "-extensions", "server"],
  ]);
  return { caPem: readFileSync(join(dir, "ca.crt"), "utf8"), certDir };
}
