/**
 * The context a benchmark result needs to be read: the machine, how busy it was, and the versions
 * of everything measured.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the bench started and when it ended. */
  load: { start: number; end?: number };
  node: string;
  gikCommit: string;
  date: string;
}

export function readMachine(repo: string, now: Date = new Date()): Machine {
  const list = cpus();
  const commit = git(repo, ["rev-parse", "--short=12", "HEAD"]);
  const dirty = git(repo, ["status", "--porcelain", "--", "job-image/src", "bench"]) !== "";
  return {
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    load: { start: loadavg()[0]! },
    node: process.version,
    gikCommit: dirty ? `${commit} (with uncommitted changes to job-image/src or bench)` : commit,
    date: now.toISOString(),
  };
}

/** `{ name: version }` of the packages of `names` installed for `python` (absent ones left out). */
export function pythonPackages(python: string, names: readonly string[]): Record<string, string> {
  const listed = JSON.parse(
    execFileSync(python, ["-m", "pip", "list", "--format", "json", "--disable-pip-version-check"], {
      encoding: "utf8",
    }),
  ) as { name: string; version: string }[];
  const wanted = new Set(names.map(normalize));
  const versions: Record<string, string> = {};
  for (const p of listed) if (wanted.has(normalize(p.name))) versions[p.name] = p.version;
  const pythonVersion = execFileSync(python, ["--version"], { encoding: "utf8" })
    .trim()
    .replace(/^Python /, "");
  return { python: pythonVersion, ...versions };
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function git(repo: string, args: string[]): string {
  try {
    return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
