import { describe, expect, it } from "vitest";
import { components } from "./components.js";
import { kueueVersionLdflags, patchKueueMain } from "./kueue-build.js";

const main = `package main

func main() {
	if cfg.InternalCertManagement == nil || !*cfg.InternalCertManagement.Enable {
		metricsCertPath := "/etc/kueue/metrics/certs"
		_ = metricsCertPath
	}
}
`;

describe("building Kueue from its module", () => {
  it("takes the metrics certificate directory from metricsCertDir()", () => {
    const patched = patchKueueMain(main, "v0.17.1");
    expect(patched).toContain("metricsCertPath := metricsCertDir()\n");
    expect(patched).not.toContain('"/etc/kueue/metrics/certs"');
    expect(patched).toMatch(/^\/\/ Copied from sigs\.k8s\.io\/kueue@v0\.17\.1\/cmd\/kueue\/main\.go/);
  });

  it.each([
    { name: "lacks the fixed path", source: "package main\n" },
    { name: "has it twice", source: main + main },
  ])("refuses a main.go that $name", ({ source }) => {
    expect(() => patchKueueMain(source, "v0.17.1")).toThrow(/not once/);
  });

  it("sets the version, build date and commit of pkg/version", () => {
    expect(kueueVersionLdflags("v0.17.1", "2026-04-16T13:07:05Z", "6fcc132c")).toEqual([
      "-X sigs.k8s.io/kueue/pkg/version.GitVersion=v0.17.1",
      "-X sigs.k8s.io/kueue/pkg/version.BuildDate=2026-04-16T13:07:05Z",
      "-X sigs.k8s.io/kueue/pkg/version.GitCommit=6fcc132c",
    ]);
  });

  it("builds the copied main.go beside our additions, checked by --version", () => {
    const kueue = components.kueue;
    expect(kueue.binaries).toEqual({ kueue: "." });
    expect(kueue.files?.["gik_additions.go"]).toContain('os.Getenv("GIK_KUEUE_METRICS_CERT_DIR")');
    expect(kueue.verify?.kueue).toEqual({ args: ["--version"], expect: `kueue ${kueue.version} ` });
  });
});
