import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import {
  cpuBetween,
  describeServerCpu,
  machineBusyTicks,
  type ServerCpu,
  serverCpuReader,
  summarizeServerCpu,
} from "../../bench/server-cpu.js";

const STAT = [
  "cpu  1000 20 300 50000 400 5 6 7 0 0",
  "cpu0 500 10 150 25000 200 3 3 4 0 0",
  "intr 123 4 5",
].join("\n");

describe("machineBusyTicks", () => {
  it("adds user, nice, system, irq, softirq and steal of the cpu line, not idle or iowait", () => {
    expect(machineBusyTicks(STAT)).toBe(1000 + 20 + 300 + 5 + 6 + 7);
  });

  it("refuses a text without a readable cpu line, quoting it", () => {
    expect(() => machineBusyTicks("cpu0 1 2 3\n")).toThrow(/no readable "cpu" line: undefined/);
    expect(() => machineBusyTicks("cpu  1 2 x 4 5 6 7 8\n")).toThrow(/"cpu {2}1 2 x/);
  });
});

describe("server CPU between two readings", () => {
  const before: ServerCpu = { minioMs: 1000, toxiproxyMs: 500, benchMs: 200, machineMs: 10_000, cores: 2 };
  const after: ServerCpu = { minioMs: 26_300, toxiproxyMs: 8700, benchMs: 6300, machineMs: 90_000, cores: 2 };

  it("is the difference of every count, on the same cores", () => {
    expect(cpuBetween(before, after)).toEqual({
      minioMs: 25_300,
      toxiproxyMs: 8200,
      benchMs: 6100,
      machineMs: 80_000,
      cores: 2,
    });
  });

  it("is described per server, with the machine's share of its cores over the wall time", () => {
    const cpu = cpuBetween(before, after);
    expect(describeServerCpu(cpu, 50_000)).toBe(
      "MinIO 25.3 s, toxiproxy 8.20 s, the bench's process (counting proxy) 6.10 s of CPU; the machine 80% busy",
    );
    expect(summarizeServerCpu(cpu, 50_000)).toBe("servers 39.6 s CPU, machine 80% busy");
  });
});

describe("serverCpuReader", () => {
  it("reads the CPU a live process tree has used, and the machine's, from /proc", async () => {
    // A child that burns 300 ms of its own CPU, says so, and then waits: its ticks stay readable.
    const child = spawn(process.execPath, [
      "-e",
      "while ((process.cpuUsage().user + process.cpuUsage().system) < 300000); console.log('done'); setInterval(() => {}, 1000);",
    ]);
    try {
      const read = serverCpuReader({ minio: child.pid!, toxiproxy: process.pid });
      const before = read();
      await once(child.stdout, "data");
      const used = cpuBetween(before, read());
      expect(used.minioMs).toBeGreaterThanOrEqual(250);
      expect(used.machineMs).toBeGreaterThanOrEqual(used.minioMs);
      expect(used.cores).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});
