/**
 * What the rest of the machine did while a benchmarked command ran: the CPU time of the servers it
 * talked to and how busy the machine's cores were. On two cores shared with MinIO and the proxies,
 * a command's wall time is set by their CPU as much as by its own; these readings say which, run
 * by run, instead of leaving it to an A/B taken on another day.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { seconds } from "./format.js";
import { TICK_MS, treeCpuTicks } from "./measure-process.js";

/** CPU time in ms, summed since the servers started (a reading) or over one command (a difference). */
export interface ServerCpu {
  minioMs: number;
  toxiproxyMs: number;
  /** The bench's own process: the counting proxy, which parses and forwards every request, and the sampler. */
  benchMs: number;
  /** Every process of the machine, the measured command included. */
  machineMs: number;
  cores: number;
}

/** A function that reads the CPU used so far by MinIO (`minio`), toxiproxy (`toxiproxy`), this process and the machine. */
export function serverCpuReader(pids: { minio: number; toxiproxy: number }): () => ServerCpu {
  const cores = cpus().length;
  return () => {
    const own = process.cpuUsage();
    return {
      minioMs: treeCpuTicks(pids.minio) * TICK_MS,
      toxiproxyMs: treeCpuTicks(pids.toxiproxy) * TICK_MS,
      benchMs: (own.user + own.system) / 1000,
      machineMs: machineBusyTicks(readFileSync("/proc/stat", "utf8")) * TICK_MS,
      cores,
    };
  };
}

/** The CPU used between two readings. */
export function cpuBetween(before: ServerCpu, after: ServerCpu): ServerCpu {
  return {
    minioMs: after.minioMs - before.minioMs,
    toxiproxyMs: after.toxiproxyMs - before.toxiproxyMs,
    benchMs: after.benchMs - before.benchMs,
    machineMs: after.machineMs - before.machineMs,
    cores: after.cores,
  };
}

/**
 * Busy clock ticks of all cores since boot, from the `cpu` line of `/proc/stat`: user, nice,
 * system, irq, softirq and steal (guest time is already counted in user); idle and iowait are not
 * busy.
 */
export function machineBusyTicks(procStat: string): number {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  const f = line?.trim().split(/\s+/).slice(1).map(Number);
  if (!f || f.length < 8 || f.some((n) => !Number.isFinite(n))) {
    throw new Error(`/proc/stat has no readable "cpu" line: ${JSON.stringify(line)}`);
  }
  const [user, nice, system, , , irq, softirq, steal] = f as [number, ...number[]];
  return user + nice! + system! + irq! + softirq! + steal!;
}

/** How busy the machine was over `wallMs`: its CPU time over what its cores could give, in percent. */
export function machineBusyPercent(cpu: ServerCpu, wallMs: number): number {
  return (100 * cpu.machineMs) / (wallMs * cpu.cores);
}

/** `MinIO 25.3 s, toxiproxy 8.20 s, the bench's process 6.10 s of CPU; the machine 93% busy`. */
export function describeServerCpu(cpu: ServerCpu, wallMs: number): string {
  const s = (ms: number) => seconds(ms / 1000);
  return (
    `MinIO ${s(cpu.minioMs)}, toxiproxy ${s(cpu.toxiproxyMs)}, the bench's process (counting proxy) ` +
    `${s(cpu.benchMs)} of CPU; the machine ${machineBusyPercent(cpu, wallMs).toFixed(0)}% busy`
  );
}

/** `servers 39.6 s CPU, machine 93% busy`: the short form of {@link describeServerCpu}. */
export function summarizeServerCpu(cpu: ServerCpu, wallMs: number): string {
  const servers = cpu.minioMs + cpu.toxiproxyMs + cpu.benchMs;
  return `servers ${seconds(servers / 1000)} CPU, machine ${machineBusyPercent(cpu, wallMs).toFixed(0)}% busy`;
}
