import { describe, expect, it } from "vitest";
import { kubernetesComponent, stagingModules, stagingVersion, versionLdflags } from "./kubernetes-build.js";

const goMod = `module k8s.io/kubernetes

require (
	k8s.io/api v0.0.0
	github.com/spf13/cobra v1.10.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-2025
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/cri-api => ./staging/src/k8s.io/cri-api
)
`;

describe("building Kubernetes from its module", () => {
  it("finds the staging modules among the replace directives, and only them", () => {
    expect(stagingModules(goMod)).toEqual(["k8s.io/api", "k8s.io/client-go", "k8s.io/cri-api"]);
  });

  it.each([
    { release: "v1.35.4", staging: "v0.35.4" },
    { release: "v1.34.10", staging: "v0.34.10" },
  ])("publishes the staging modules of $release as $staging", ({ release, staging }) => {
    expect(stagingVersion(release)).toBe(staging);
  });

  it.each(["1.35.4", "v1.35", "v1.35.0-rc.1"])("refuses %s as a release version", (release) => {
    expect(() => stagingVersion(release)).toThrow(/not a Kubernetes release/);
  });

  it("sets gitVersion in both version packages", () => {
    const flags = versionLdflags("v1.35.4", "2026-04-15T18:01:22Z");
    expect(flags).toContain("-X k8s.io/component-base/version.gitVersion=v1.35.4");
    expect(flags).toContain("-X k8s.io/client-go/pkg/version.gitVersion=v1.35.4");
    expect(flags).toContain("-X k8s.io/component-base/version.gitMinor=35");
    expect(flags).toContain("-X k8s.io/client-go/pkg/version.buildDate=2026-04-15T18:01:22Z");
  });

  it("replaces each staging module by its release version", async () => {
    const component = kubernetesComponent("v1.35.4");
    const prepared = await component.prepare!(async (path, version) => ({
      path,
      version,
      time: "t",
      goMod,
      dir: "",
    }));
    expect(prepared.replace).toEqual({
      "k8s.io/api": "k8s.io/api v0.35.4",
      "k8s.io/client-go": "k8s.io/client-go v0.35.4",
      "k8s.io/cri-api": "k8s.io/cri-api v0.35.4",
    });
  });
});
