/**
 * The report's section on CPU profiles (pure).
 *
 * @module
 */

import type { HotFunction } from "./cpu-profile.js";
import { bytes, seconds } from "./format.js";
import type { Measured } from "./measure-process.js";
import type { TrafficSummary } from "./traffic.js";

export interface ProfileSummary {
  name: string;
  command: string;
  measured: Measured;
  traffic: TrafficSummary;
  /** The `.cpuprofile`, relative to the repository (not committed). */
  path: string;
  totalMs: number;
  functions: HotFunction[];
  categories: { category: string; ms: number; share: number }[];
}

export function profileSection(profiles: readonly ProfileSummary[]): string[] {
  if (profiles.length === 0)
    return ["## CPU profiles", "", "Every time target was met: no profile taken.", ""];
  const lines = [
    "## CPU profiles of the targets not met",
    "",
    "Each command run again under `node --cpu-prof` (V8's sampling profiler, wall-clock samples of the",
    "main thread; a sample taken while the process waited for a core counts for the function it was in).",
    "Self time by owner, then the functions with the most self time; what they mean follows the profiles.",
    "",
  ];
  for (const p of profiles) {
    const m = p.measured;
    lines.push(
      `### ${p.name}`,
      "",
      `\`${p.command}\`: ${seconds(m.wallMs / 1000)} wall, ${seconds(m.cpuMs / 1000)} CPU, peak ${bytes(m.peakRssBytes)} under the profiler; ${seconds(p.totalMs / 1000)} sampled (\`${p.path}\`).`,
      "",
      dominant(p),
      "",
      "| owner | self time | share |",
      "| --- | --- | --- |",
      ...p.categories.map(
        (c) => `| ${c.category} | ${seconds(c.ms / 1000)} | ${(c.share * 100).toFixed(1)}% |`,
      ),
      "",
      "| function | self time | share |",
      "| --- | --- | --- |",
      ...p.functions.map(
        (f) => `| \`${f.label}\` | ${seconds(f.selfMs / 1000)} | ${(f.share * 100).toFixed(1)}% |`,
      ),
      "",
    );
  }
  return lines;
}

/** One sentence: the three largest owners, and the requests the command sent (what the SDK and HTTP shares scale with). */
export function dominant(p: ProfileSummary): string {
  const top = p.categories
    .slice(0, 3)
    .map((c) => `${c.category} ${(c.share * 100).toFixed(0)}%`)
    .join(", ");
  const methods = Object.entries(p.traffic.byMethod)
    .map(([k, v]) => `${v.toLocaleString("en-US")} ${k}`)
    .join(", ");
  return `Dominated by ${top}; the command sent ${p.traffic.requests.toLocaleString("en-US")} requests (${methods}).`;
}
