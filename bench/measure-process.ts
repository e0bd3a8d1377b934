/**
 * Runs one command of a benchmark and measures it from outside: wall time, CPU time, and the peak
 * resident memory of its process tree (the process and every descendant), sampled from `/proc`.
 * CPU time matters beside wall time on a shared machine: it does not grow while the process waits
 * for a core.
 *
 * The peak is the larger of two readings: the highest sum of `VmRSS` over the tree seen by the
 * sampler, and the highest single `VmHWM` (the kernel's own high-water mark) seen for any process
 * of the tree, which also covers a peak that fell between two samples.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { ServerCpu } from "./server-cpu.js";

export interface Measured {
  command: string;
  code: number;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  /** The servers' CPU and the machine's over the same time (set by the bench's runners). */
  servers?: ServerCpu;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Sampling period of `/proc` (default 50 ms). */
  sampleMs?: number;
}

/** Runs `command args…` to its end; fails loudly (with its stderr) unless it exits 0. */
export async function measure(
  command: string,
  args: string[],
  options: MeasureOptions = {},
): Promise<Measured> {
  const result = await measureAllowingFailure(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${result.command} exited ${result.code}\n--- stderr (tail) ---\n${tail(result.stderr, 40)}\n--- stdout (tail) ---\n${tail(result.stdout, 20)}`,
    );
  }
  return result;
}

/** As {@link measure}, but returns a failed run instead of throwing. */
export function measureAllowingFailure(
  command: string,
  args: string[],
  options: MeasureOptions = {},
): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c));
  child.stderr.on("data", (c: Buffer) => err.push(c));
  let peak = 0;
  let cpuTicks = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    let rss = 0;
    const tree = processTree(child.pid);
    for (const pid of tree) {
      const status = memoryStatus(pid);
      rss += status.rss;
      peak = Math.max(peak, status.hwm);
    }
    peak = Math.max(peak, rss);
    cpuTicks = Math.max(cpuTicks, sumCpuTicks(tree));
  };
  const timer = setInterval(sample, options.sampleMs ?? 50);
  return new Promise((resolve, reject) => {
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearInterval(timer);
      resolve({
        command: [command, ...args].join(" "),
        code: code ?? (signal ? 128 : 1),
        wallMs: performance.now() - started,
        cpuMs: cpuTicks * TICK_MS,
        peakRssBytes: peak,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** Whether the threads' `children` files exist: without them every tree would read as its root alone. */
const CHILDREN_FILES = existsSync(`/proc/self/task/${process.pid}/children`);

/**
 * `pid` and its descendants, from the `children` files of their threads in `/proc`: a few files
 * for the tree, where reading every process's parent took some milliseconds a sample, on the cores
 * the measured process uses (the kernel needs `CONFIG_PROC_CHILDREN`, as Debian's has).
 */
export function processTree(pid: number): number[] {
  if (!CHILDREN_FILES) {
    throw new Error("/proc/<pid>/task/<tid>/children is missing: the kernel lacks CONFIG_PROC_CHILDREN");
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    tree.push(p);
    queue.push(...childrenOf(p));
  }
  return tree;
}

/** The children of every thread of `pid`; none when it is gone. */
function childrenOf(pid: number): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of threads) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
    } catch {
      // The thread ended between the listing and the read.
      continue;
    }
    for (const child of text.split(" ")) if (child.trim() !== "") children.push(Number(child));
  }
  return children;
}

/** `VmRSS` and `VmHWM` of a process in bytes (0 when it is gone). */
export function memoryStatus(pid: number): { rss: number; hwm: number } {
  try {
    return parseMemoryStatus(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** The `VmRSS` and `VmHWM` lines of a `/proc/<pid>/status` text, in bytes. */
export function parseMemoryStatus(text: string): { rss: number; hwm: number } {
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Linux counts CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
export const TICK_MS = 10;

/** utime + stime of `pid` and its descendants, in clock ticks. */
export function treeCpuTicks(pid: number): number {
  return sumCpuTicks(processTree(pid));
}

function sumCpuTicks(pids: readonly number[]): number {
  return pids.reduce((ticks, pid) => ticks + cpuTicksOf(pid), 0);
}

/** utime + stime of a process, in clock ticks (0 when it is gone). */
function cpuTicksOf(pid: number): number {
  const f = statFields(pid);
  return f ? f[11]! + f[12]! : 0;
}

/** Fields 3… of `/proc/<pid>/stat` as numbers (field 4, the parent pid, is index 1). */
function statFields(pid: number): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields after its last ')'.
    return stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
  } catch {
    return undefined;
  }
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}
