import { describe, expect, it } from "vitest";
import { components } from "./components.js";
import type { GoComponent } from "./go-component.js";
import { buildModuleGoMod, goBinaryBaseName } from "./go-component.js";

const etcd = components.etcd as GoComponent;

describe("generated Go build modules", () => {
  it.each([
    { pkg: "github.com/minio/minio", base: "minio" },
    { pkg: "github.com/Shopify/toxiproxy/v2/cmd/server", base: "server" },
    { pkg: "github.com/example/tool/v2", base: "tool" },
    { pkg: ".", base: "etcd" },
  ])("names the binary of $pkg $base", ({ pkg, base }) => {
    expect(goBinaryBaseName(etcd, pkg)).toBe(base);
  });

  it("requires the pinned module and lists replacements", () => {
    const text = buildModuleGoMod(etcd, { replace: { "a.example/x": "a.example/x v1.2.3" } }, "1.26");
    expect(text).toContain("module gik-test/etcd\n");
    expect(text).toContain("go 1.26\n");
    expect(text).toContain("\tgo.etcd.io/etcd/server/v3 v3.6.16\n");
    expect(text).toContain("replace (\n\ta.example/x => a.example/x v1.2.3\n)");
  });

  it("pins every component to an exact version", () => {
    for (const c of Object.values(components) as GoComponent[]) {
      expect(c.version).toMatch(/^v\d+\.\d+\.\d+(-[\w.-]+)?$/);
      for (const version of Object.values(c.require)) expect(version).toBe(c.version);
    }
  });
});
