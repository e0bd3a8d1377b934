import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachePaths } from "./cache-paths.js";
import { isAlive, openRunDir, processStart } from "./run-dir.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe("run directories", () => {
  it("kills the process groups a crashed run left behind, and keeps live runs' processes", async () => {
    const root = mkdtempSync(join(tmpdir(), "gik-run-dir-"));
    roots.push(root);
    const paths = cachePaths({ GIK_TEST_CACHE: root });
    const leftover = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
    const exited = new Promise((r) => leftover.on("exit", (_code, signal) => r(signal)));
    const id = { pid: leftover.pid!, start: processStart(leftover.pid!)! };
    // A run whose owner is gone: pid 0x7fffffff does not exist.
    const crashed = join(paths.runs, "2000-01-01-crashed");
    mkdirSync(join(crashed, "pids"), { recursive: true });
    mkdirSync(join(crashed, "data", "minio"), { recursive: true });
    writeFileSync(join(crashed, "owner.json"), JSON.stringify({ pid: 0x7fffffff, start: "1" }));
    writeFileSync(join(crashed, "pids", "minio.json"), JSON.stringify(id));

    const lines: string[] = [];
    const run = openRunDir(paths, (l) => lines.push(l));
    expect(await exited).toBe("SIGKILL");
    expect(isAlive(id)).toBe(false);
    expect(lines.join("\n")).toContain("killed leftovers of crashed run 2000-01-01-crashed: minio");
    expect(existsSync(join(crashed, "data"))).toBe(false);
    expect(existsSync(join(run.dir, "owner.json"))).toBe(true);

    // This run's owner (this process) is alive: a second session must leave it alone.
    openRunDir(paths, () => undefined);
    expect(existsSync(join(run.dir, "owner.json"))).toBe(true);
  });

  it("tells a recycled pid from the process it recorded", () => {
    expect(isAlive({ pid: process.pid, start: processStart(process.pid)! })).toBe(true);
    expect(isAlive({ pid: process.pid, start: "0" })).toBe(false);
  });
});
