/**
 * Every Go tool the integration tests run, pinned. Adding one is adding an entry here: its module
 * version, the packages to compile, and how to check the result. The versions are the newest the
 * Go module proxy serves that build with the local Go 1.26 toolchain.
 *
 * @module
 */

import type { GoComponent } from "./go-component.js";
import { kubernetesComponent } from "./kubernetes-build.js";
import { kueueComponent } from "./kueue-build.js";

const MINIO = "v0.0.0-20260212201848-7aac2a2c5b7c";
const TOXIPROXY = "v2.12.0";
const FAKE_GCS = "v1.56.1";
const ETCD = "v3.6.16";
const KWOK = "v0.8.0";
const HELM = "v4.3.1";
export const KUBERNETES_RELEASE = "v1.35.4";
// The newest release the module proxy serves; it requires the k8s.io libraries v0.35.3, the API
// of our v1.35 control plane (see kueue-build.ts for what the build changes).
export const KUEUE = "v0.17.1";

// etcd's own `server/main.go` cannot be built as a dependency (its go.mod replaces sibling
// modules by relative paths), so the build module carries this two-line equivalent.
const etcdMain = `package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`;

export const components = {
  minio: {
    name: "minio",
    version: MINIO,
    require: { "github.com/minio/minio": MINIO },
    binaries: { minio: "github.com/minio/minio" },
    verify: { minio: { args: ["--version"], expect: "minio version" } },
  },
  toxiproxy: {
    name: "toxiproxy",
    version: TOXIPROXY,
    require: { "github.com/Shopify/toxiproxy/v2": TOXIPROXY },
    binaries: {
      "toxiproxy-server": "github.com/Shopify/toxiproxy/v2/cmd/server",
      "toxiproxy-cli": "github.com/Shopify/toxiproxy/v2/cmd/cli",
    },
    ldflags: [`-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY.slice(1)}`],
    verify: { "toxiproxy-server": { args: ["-version"], expect: TOXIPROXY.slice(1) } },
  },
  "fake-gcs-server": {
    name: "fake-gcs-server",
    version: FAKE_GCS,
    require: { "github.com/fsouza/fake-gcs-server": FAKE_GCS },
    binaries: { "fake-gcs-server": "github.com/fsouza/fake-gcs-server" },
  },
  etcd: {
    name: "etcd",
    version: ETCD,
    require: { "go.etcd.io/etcd/server/v3": ETCD },
    files: { "main.go": etcdMain },
    binaries: { etcd: "." },
    verify: { etcd: { args: ["--version"], expect: `etcd Version: ${ETCD.slice(1)}` } },
  },
  kwok: {
    name: "kwok",
    version: KWOK,
    require: { "sigs.k8s.io/kwok": KWOK },
    binaries: { kwok: "sigs.k8s.io/kwok/cmd/kwok" },
    ldflags: [`-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK}`],
    verify: { kwok: { args: ["--version"], expect: KWOK } },
  },
  kubernetes: kubernetesComponent(KUBERNETES_RELEASE),
  // Job queueing: holds labelled Jobs suspended until a ClusterQueue's quota admits them.
  kueue: kueueComponent(KUEUE),
  // The chart's lint, render and install tests. Helm reads the Kubernetes version it assumes for
  // `helm template` from its own client-go requirement, so only its version needs the linker.
  helm: {
    name: "helm",
    version: HELM,
    require: { "helm.sh/helm/v4": HELM },
    binaries: { helm: "helm.sh/helm/v4/cmd/helm" },
    ldflags: [`-X helm.sh/helm/v4/internal/version.version=${HELM}`],
    verify: { helm: { args: ["version", "--short"], expect: HELM } },
  },
} satisfies Record<string, GoComponent>;

export type ComponentName = keyof typeof components;
