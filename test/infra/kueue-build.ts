/**
 * How Kueue's controller manager (`sigs.k8s.io/kueue/cmd/kueue`) is built for the tests. Two
 * things of its `main.go` do not fit a process on 127.0.0.1:
 *
 * - when Kueue does not manage its own certificates (`internalCertManagement.enable: false`, the
 *   only way to serve its webhooks with a certificate valid for 127.0.0.1), it reads the metrics
 *   server's certificate from the fixed path `/etc/kueue/metrics/certs`, the mount point of its
 *   Deployment, and fails to start without it;
 * - it cannot print its version, so nothing would prove which version was built.
 *
 * The build module therefore compiles a copy of the release's own `cmd/kueue/main.go`, taken from
 * the module download, with that one path replaced by `metricsCertDir()` (`$GIK_KUEUE_METRICS_CERT_DIR`,
 * the original path when unset), beside a small file of ours that defines it and answers
 * `--version`. Everything else, including every import, is the release's. The patch is checked to
 * apply exactly once, so a release that changes the line fails the build instead of running
 * unpatched. Kueue's go.mod has no `replace` directives: its requirements are used as they are.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GoComponent, ModuleLookup, PreparedBuild } from "./go-component.js";

export const KUEUE_MODULE = "sigs.k8s.io/kueue";
/** Environment variable naming the directory of the metrics server's `tls.crt` and `tls.key`. */
export const METRICS_CERT_DIR_ENV = "GIK_KUEUE_METRICS_CERT_DIR";

const FIXED_PATH_LINE = 'metricsCertPath := "/etc/kueue/metrics/certs"';

const additions = `// Added by gik's test/infra/kueue-build.ts beside a copy of Kueue's cmd/kueue/main.go.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kueue/pkg/version"
)

// metricsCertDir is where the metrics server finds tls.crt and tls.key when Kueue does not manage
// its certificates: $${METRICS_CERT_DIR_ENV}, else the mount point of Kueue's Deployment.
func metricsCertDir() string {
	if dir := os.Getenv("${METRICS_CERT_DIR_ENV}"); dir != "" {
		return dir
	}
	return "/etc/kueue/metrics/certs"
}

// "kueue --version" prints the version the linker set, before anything else starts.
func init() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("kueue %s (commit %s, built %s)\\n", version.GitVersion, version.GitCommit, version.BuildDate)
		os.Exit(0)
	}
}
`;

/** Kueue's `cmd/kueue/main.go` with the fixed metrics certificate path replaced; throws unless it occurs once. */
export function patchKueueMain(source: string, version: string): string {
  const found = source.split(FIXED_PATH_LINE).length - 1;
  if (found !== 1) {
    throw new Error(
      `${KUEUE_MODULE}@${version}/cmd/kueue/main.go: "${FIXED_PATH_LINE}" found ${found} times, not once`,
    );
  }
  const header = `// Copied from ${KUEUE_MODULE}@${version}/cmd/kueue/main.go by gik's test/infra/kueue-build.ts;\n// changed: the metrics certificate path comes from metricsCertDir() (gik_additions.go).\n`;
  return header + source.replace(FIXED_PATH_LINE, "metricsCertPath := metricsCertDir()");
}

/** The `-X` flags of Kueue's Makefile for `pkg/version`. */
export function kueueVersionLdflags(version: string, buildDate: string, commit?: string): string[] {
  const pkg = `${KUEUE_MODULE}/pkg/version`;
  return [
    `-X ${pkg}.GitVersion=${version}`,
    `-X ${pkg}.BuildDate=${buildDate}`,
    ...(commit ? [`-X ${pkg}.GitCommit=${commit}`] : []),
  ];
}

async function prepareKueue(version: string, lookup: ModuleLookup): Promise<PreparedBuild> {
  const info = await lookup(KUEUE_MODULE, version);
  const main = readFileSync(join(info.dir, "cmd", "kueue", "main.go"), "utf8");
  return {
    files: { "main.go": patchKueueMain(main, version) },
    ldflags: kueueVersionLdflags(version, info.time, info.commit),
  };
}

/** The Kueue controller manager of one release, as binary `kueue`. */
export function kueueComponent(version: string): GoComponent {
  return {
    name: "kueue",
    version,
    require: { [KUEUE_MODULE]: version },
    files: { "gik_additions.go": additions },
    binaries: { kueue: "." },
    verify: { kueue: { args: ["--version"], expect: `kueue ${version} ` } },
    prepare: (lookup) => prepareKueue(version, lookup),
  };
}
