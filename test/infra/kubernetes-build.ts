/**
 * How `k8s.io/kubernetes` is built outside its repository. Its go.mod points every `k8s.io/*`
 * staging module at `./staging/src/…`, which a module download does not have; each of them is
 * published separately as `v0.<minor>.<patch>` of the same release. The build module therefore
 * replaces each staging module, read from the release's own go.mod, by that version, and passes
 * the linker flags of `hack/lib/version.sh` so `--version` reports the release.
 *
 * @module
 */

import type { GoComponent, ModuleLookup, PreparedBuild } from "./go-component.js";

/** The staging modules named by `replace k8s.io/x => ./staging/src/k8s.io/x` lines of a go.mod. */
export function stagingModules(goMod: string): string[] {
  const found = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\/src\/\1\s*$/gm)];
  return found.map((m) => m[1]!).sort();
}

/** `v1.35.4` → `v0.35.4`, the version of the staging modules published with that release. */
export function stagingVersion(release: string): string {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(release);
  if (!m) throw new Error(`not a Kubernetes release version: ${release}`);
  return `v0.${m[1]}.${m[2]}`;
}

/** The `-X` flags of `hack/lib/version.sh` for both version packages. */
export function versionLdflags(release: string, buildDate: string): string[] {
  const [major, minor] = release.replace(/^v/, "").split(".");
  const values: Record<string, string> = {
    gitVersion: release,
    gitMajor: major!,
    gitMinor: minor!,
    // The sources come from module archives of the release, not from a git checkout.
    gitTreeState: "archive",
    buildDate,
  };
  return ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"].flatMap((pkg) =>
    Object.entries(values).map(([key, value]) => `-X ${pkg}.${key}=${value}`),
  );
}

async function prepareKubernetes(release: string, lookup: ModuleLookup): Promise<PreparedBuild> {
  const info = await lookup("k8s.io/kubernetes", release);
  const modules = stagingModules(info.goMod);
  if (modules.length === 0) throw new Error(`no staging replace directives in k8s.io/kubernetes@${release}`);
  const version = stagingVersion(release);
  return {
    replace: Object.fromEntries(modules.map((m) => [m, `${m} ${version}`])),
    ldflags: versionLdflags(release, info.time),
  };
}

/** The control-plane binaries of one Kubernetes release, compiled together. */
export function kubernetesComponent(release: string): GoComponent {
  const cmd = (name: string) => `k8s.io/kubernetes/cmd/${name}`;
  const servers = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];
  const expect = `Kubernetes ${release}`;
  return {
    name: "kubernetes",
    version: release,
    require: { "k8s.io/kubernetes": release },
    binaries: Object.fromEntries([...servers, "kubectl"].map((b) => [b, cmd(b)])),
    verify: {
      ...Object.fromEntries(servers.map((b) => [b, { args: ["--version"], expect }])),
      kubectl: { args: ["version", "--client"], expect: `Client Version: ${release}` },
    },
    prepare: (lookup) => prepareKubernetes(release, lookup),
  };
}
