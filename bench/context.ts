/**
 * What every benchmark gets: the servers, the mirror, and runners for gik and the Python peers
 * that measure the process and hand back the traffic it caused.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { MirrorManifest } from "../test/helpers/mirror.js";
import { type Measured, type MeasureOptions, measure } from "./measure-process.js";
import { cpuBetween } from "./server-cpu.js";
import { type BenchServers, s3Env } from "./servers.js";
import { gribLayout, type MessageLayout, summarizeTraffic, type TrafficSummary } from "./traffic.js";

export interface BenchContext {
  repo: string;
  servers: BenchServers;
  client: S3Client;
  mirror: { root: string; manifest: MirrorManifest };
  reference: string;
  target: string;
  steps: number[];
  log: (line: string) => void;
  /** Runs the built `gik` with `args`; `node` are options for Node itself (`--cpu-prof`, heap size). */
  gik(args: string[], node?: string[]): Promise<Measured>;
  /** Runs a peer script of `bench/peers` with `python`; returns the JSON line it printed. */
  python<T>(python: string, script: string, args: string[]): Promise<{ measured: Measured; result: T }>;
  /** The traffic since the last call (the records before it are dropped). */
  traffic(): TrafficSummary;
  /** Drops the records so far, e.g. before a check whose traffic is not part of a result. */
  forgetTraffic(): void;
}

export const GIK_MAIN = "dist/job-image/src/cli/main.js";

export function createContext(
  options: Pick<BenchContext, "repo" | "servers" | "client" | "mirror" | "reference" | "target" | "log">,
): BenchContext {
  const { repo, servers, mirror } = options;
  const env = s3Env(servers.s3);
  const measured = async (command: string, args: string[], opts: MeasureOptions): Promise<Measured> => {
    const before = servers.cpu();
    const result = await measure(command, args, opts);
    return { ...result, servers: cpuBetween(before, servers.cpu()) };
  };
  const layouts = new Map<string, MessageLayout[]>();
  const layoutOf = (key: string): MessageLayout[] => {
    let layout = layouts.get(key);
    if (!layout) {
      layout = gribLayout(readFileSync(join(mirror.root, key)));
      layouts.set(key, layout);
    }
    return layout;
  };
  return {
    ...options,
    steps: mirror.manifest.steps,
    gik: (args, node = []) =>
      measured(process.execPath, [...node, GIK_MAIN, ...args, "--log-format", "json"], { cwd: repo, env }),
    python: async <T>(python: string, script: string, args: string[]) => {
      const run = await measured(python, [join(repo, "bench", "peers", script), ...args], {
        cwd: join(repo, "bench", "peers"),
        env: { ...env, PYTHONDONTWRITEBYTECODE: "1" },
      });
      const line = run.stdout.trim().split("\n").pop() ?? "";
      try {
        return { measured: run, result: JSON.parse(line) as T };
      } catch {
        throw new Error(`${script} printed no JSON result:\n${run.stdout}\n${run.stderr}`);
      }
    },
    traffic: () => summarizeTraffic(servers.counter.take(), layoutOf),
    forgetTraffic: () => {
      servers.counter.take();
    },
  };
}
