import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { laneOrder } from "./lane-sequencer.js";
import { acquireLock, inClusterLane, STORAGE_LANE } from "./lanes.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What only the cluster lane may use: the control plane, its operators and pods, the fault proxies. */
const CLUSTER_ONLY = /infra\.(kube|kueue)\b|s3Toxic|s3SlowDown|toxiproxy|setUpE2e|podRunner|operator-process/;

/**
 * A test file and the test helpers it imports, transitively: neither the code under test nor the
 * infrastructure's own modules (`test/infra/`, which define every endpoint); an import of one of
 * those names it in the importer's text.
 */
function withTestImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(REPO, file), "utf8");
  for (const [, spec] of text.matchAll(/from "(\.[^"]+)"/g)) {
    const target = normalize(join(dirname(file), spec!.replace(/\.js$/, ".ts")));
    const helper = target.startsWith("test/") && !target.startsWith("test/infra/");
    if (helper && existsSync(join(REPO, target))) withTestImports(target, seen);
  }
  return seen;
}

describe("integration lanes", () => {
  it("names only integration files that exist", () => {
    for (const file of STORAGE_LANE) {
      expect(file).toMatch(/\.int\.test\.ts$/);
      expect(existsSync(join(REPO, file)), file).toBe(true);
    }
  });

  it("keeps the control plane and the fault proxies out of the storage lane, helpers included", () => {
    const offenders = STORAGE_LANE.flatMap((file) =>
      [...withTestImports(file)]
        .filter((f) => CLUSTER_ONLY.test(readFileSync(join(REPO, f), "utf8")))
        .map((f) => `${file}${f === file ? "" : ` (through ${f})`}`),
    );
    expect(offenders).toEqual([]);
  });

  it("would catch a storage file that reaches for the cluster", () => {
    expect(CLUSTER_ONLY.test("const kc = infra.kube.kubeconfig;")).toBe(true);
    expect(CLUSTER_ONLY.test("await addToxic(infra.s3Toxic.toxiproxyApi, name, toxic);")).toBe(true);
    expect(CLUSTER_ONLY.test("const s3 = s3Client(infra.s3);")).toBe(false);
  });
});

describe("the order of the integration files", () => {
  it("alternates the lanes, each in the order given, a cluster file first", () => {
    const files = ["c1", "c2", "s1", "c3", "s2"];
    expect(laneOrder(files, (f) => f.startsWith("c"))).toEqual(["c1", "s1", "c2", "s2", "c3"]);
    expect(laneOrder(["s1", "c1", "s2", "s3"], (f) => f.startsWith("c"))).toEqual(["c1", "s1", "s2", "s3"]);
    expect(laneOrder(["s1", "s2"], (f) => f.startsWith("c"))).toEqual(["s1", "s2"]);
  });
});

describe("the cluster lane's lock", () => {
  const lockDir = () => join(mkdtempSync(join(tmpdir(), "gik-lane-")), "cluster-lane.lock");

  it("puts a file in the cluster lane unless it is listed for the storage lane", () => {
    expect(inClusterLane(join(REPO, "test/operator/e2e/end-to-end.int.test.ts"), REPO)).toBe(true);
    expect(inClusterLane(join(REPO, "test/job-image/storage/s3-faults.int.test.ts"), REPO)).toBe(true);
    expect(inClusterLane(join(REPO, "test/job-image/interop/stores.int.test.ts"), REPO)).toBe(false);
    expect(inClusterLane(join(REPO, "test/infra/lanes.test.ts"), REPO)).toBe(false);
  });

  it("lets one holder in at a time: the second waits for the first's release", async () => {
    const dir = lockDir();
    const first = await acquireLock(dir, "a", 10);
    expect(first.waitedMs).toBeLessThan(1000);
    let secondIn = false;
    const second = acquireLock(dir, "b", 10).then((lock) => {
      secondIn = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(secondIn).toBe(false);
    await first.release();
    const lock = await second;
    expect(lock.waitedMs).toBeGreaterThanOrEqual(150);
    expect(JSON.parse(readFileSync(join(dir, "owner.json"), "utf8"))).toEqual({
      pid: process.pid,
      holder: "b",
    });
    await lock.release();
    expect(existsSync(dir)).toBe(false);
  });

  it("clears a lock whose holder died without releasing it", async () => {
    const dir = lockDir();
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.on("exit", r));
    mkdirSync(dir);
    writeFileSync(join(dir, "owner.json"), JSON.stringify({ pid: dead.pid, holder: "crashed" }));
    const lock = await acquireLock(dir, "next", 10);
    expect(JSON.parse(readFileSync(join(dir, "owner.json"), "utf8")).holder).toBe("next");
    await lock.release();
  });
});
