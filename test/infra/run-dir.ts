/**
 * One run of the test servers gets a directory `<cache>/run/<time>-<pid>/` with `owner.json` (the
 * setup process), `pids/` (one file per server process group), `logs/` and `data/`.
 *
 * A run whose owner is gone crashed: its process groups are killed, its data removed; its logs
 * stay for a post-mortem until {@link KEEP_DEAD_RUNS} newer dead runs exist. A run whose owner is
 * alive belongs to another test session and is left alone. Processes are identified by pid and
 * start time (`/proc/<pid>/stat`), so a recycled pid is never killed by mistake.
 *
 * @module
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CachePaths } from "./cache-paths.js";

const KEEP_DEAD_RUNS = 3;

export interface ProcessId {
  pid: number;
  /** Start time in clock ticks since boot, field 22 of `/proc/<pid>/stat`. */
  start: string;
}

export interface RunDir {
  dir: string;
  logs: string;
  pids: string;
  /** A fresh data directory for one server. */
  data(name: string): string;
}

/** The start time of a live process, or undefined when there is no such process. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True when the process `id` names is still the same live process. */
export function isAlive(id: ProcessId): boolean {
  return processStart(id.pid) === id.start;
}

/** Cleans up after crashed runs, then creates the directory of this run. */
export function openRunDir(paths: CachePaths, log: (line: string) => void): RunDir {
  mkdirSync(paths.runs, { recursive: true });
  reapDeadRuns(paths.runs, log);
  const dir = join(paths.runs, `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  const run: RunDir = {
    dir,
    logs: join(dir, "logs"),
    pids: join(dir, "pids"),
    data: (name) => {
      const d = join(dir, "data", name);
      mkdirSync(d, { recursive: true });
      return d;
    },
  };
  for (const d of [run.logs, run.pids]) mkdirSync(d, { recursive: true });
  const owner: ProcessId = { pid: process.pid, start: processStart(process.pid)! };
  writeFileSync(join(dir, "owner.json"), JSON.stringify(owner));
  return run;
}

/** Removes the data of this run (logs stay until later runs sweep them). */
export function closeRunDir(run: RunDir): void {
  rmSync(join(run.dir, "data"), { recursive: true, force: true });
  writeFileSync(join(run.dir, "closed"), new Date().toISOString());
}

function reapDeadRuns(runs: string, log: (line: string) => void): void {
  const dead = readdirSync(runs)
    .sort()
    .filter((name) => {
      const owner = readJson<ProcessId>(join(runs, name, "owner.json"));
      return !owner || !isAlive(owner);
    });
  for (const name of dead) {
    const dir = join(runs, name);
    const killed = killRecorded(join(dir, "pids"));
    if (killed.length) log(`killed leftovers of crashed run ${name}: ${killed.join(", ")}`);
    rmSync(join(dir, "data"), { recursive: true, force: true });
  }
  for (const name of dead.slice(0, Math.max(0, dead.length - KEEP_DEAD_RUNS))) {
    rmSync(join(runs, name), { recursive: true, force: true });
  }
}

/** SIGKILLs every recorded process group still alive; returns their names. */
function killRecorded(pids: string): string[] {
  if (!existsSync(pids)) return [];
  const killed: string[] = [];
  for (const file of readdirSync(pids)) {
    const id = readJson<ProcessId>(join(pids, file));
    if (id && isAlive(id)) {
      try {
        process.kill(-id.pid, "SIGKILL");
        killed.push(file.replace(/\.json$/, ""));
      } catch {
        // Gone between the check and the kill.
      }
    }
    rmSync(join(pids, file), { force: true });
  }
  return killed;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
