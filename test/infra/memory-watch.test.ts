import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupRss, parseProcessGroup, parseVmRss, startMemoryWatch } from "./memory-watch.js";

const stat = (pid: number, comm: string, pgrp: number) =>
  `${pid} (${comm}) S 1 ${pgrp} ${pgrp} 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 500 1000 10\n`;
const status = (rssKb?: number) =>
  `Name:\tnode\nState:\tS (sleeping)\n${rssKb === undefined ? "" : `VmRSS:\t  ${rssKb} kB\n`}Threads:\t7\n`;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A fake /proc: pid → [command, process group, VmRSS in kB]. */
function fakeProc(processes: Record<number, [string, number, number?]>): string {
  const root = mkdtempSync(join(tmpdir(), "fake-proc-"));
  dirs.push(root);
  mkdirSync(join(root, "self"));
  for (const [pid, [comm, pgrp, rss]] of Object.entries(processes)) {
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, "stat"), stat(Number(pid), comm, pgrp));
    writeFileSync(join(root, pid, "status"), status(rss));
  }
  return root;
}

describe("the memory watch of the pod runner", () => {
  it("reads VmRSS and the process group", () => {
    expect(parseVmRss(status(2048))).toBe(2048 * 1024);
    expect(parseVmRss(status())).toBeUndefined();
    expect(parseProcessGroup(stat(7, "odd ) name (x", 42))).toBe(42);
  });

  it("sums the RSS of each watched group's processes", () => {
    const proc = fakeProc({
      100: ["node", 100, 1000],
      101: ["sh", 100, 24],
      102: ["kworker", 100],
      200: ["node", 200, 5000],
      300: ["other", 300, 9999],
    });
    expect(groupRss(new Set([100, 200, 400]), proc)).toEqual(
      new Map([
        [100, 1024 * 1024],
        [200, 5000 * 1024],
        [400, 0],
      ]),
    );
  });

  it("calls back once when a group exceeds its limit, and not for one within it", async () => {
    const proc = fakeProc({ 100: ["node", 100, 70_000], 200: ["node", 200, 10_000] });
    const watch = startMemoryWatch(10, proc);
    const exceeded: [number, number][] = [];
    watch.watch(100, 64 * 2 ** 20, (rss) => exceeded.push([100, rss]));
    const unwatch = watch.watch(200, 64 * 2 ** 20, (rss) => exceeded.push([200, rss]));
    await new Promise((r) => setTimeout(r, 100));
    unwatch();
    watch.stop();
    expect(exceeded).toEqual([[100, 70_000 * 1024]]);
  });
});
