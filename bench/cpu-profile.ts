/**
 * What dominates a V8 CPU profile (`node --cpu-prof`): self time per function, summed over every
 * node of the call tree that names the same function at the same place.
 *
 * @module
 */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  /** Node id of each sample. */
  samples: number[];
  /** Microseconds since the previous sample, per sample. */
  timeDeltas: number[];
}

export interface HotFunction {
  /** `name (file:line)`, files relative to the repository, `(program)`/`(garbage collector)`/`(idle)` as V8 names them. */
  label: string;
  selfMs: number;
  /** Share of all sampled time, 0–1. */
  share: number;
}

/** The `top` functions by self time, and the total sampled time. */
export function hotFunctions(
  profile: CpuProfile,
  top: number,
  repoRoot = "",
): { totalMs: number; functions: HotFunction[] } {
  const labelOf = new Map<number, string>();
  for (const node of profile.nodes) labelOf.set(node.id, label(node.callFrame, repoRoot));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    // A sample's time is the delta to the next sample.
    const us = profile.timeDeltas[i + 1] ?? 0;
    totalUs += us;
    const key = labelOf.get(id) ?? "(unknown)";
    selfUs.set(key, (selfUs.get(key) ?? 0) + us);
  });
  const functions = [...selfUs]
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ label: name, selfMs: us / 1000, share: totalUs === 0 ? 0 : us / totalUs }));
  return { totalMs: totalUs / 1000, functions };
}

function label(frame: CpuProfile["nodes"][number]["callFrame"], repoRoot: string): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  let file = frame.url.replace(/^file:\/\//, "");
  if (repoRoot && file.startsWith(repoRoot)) file = file.slice(repoRoot.length).replace(/^\//, "");
  else if (file.startsWith("node:")) return `${name} (${file})`;
  else file = file.replace(/^.*\/node_modules\//, "node_modules/");
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/** Coarse owners of CPU time, in the order their rules are tried. */
const CATEGORIES: [string, RegExp][] = [
  ["garbage collector", /^\(garbage collector\)/],
  ["idle (waiting for I/O)", /^\(idle\)/],
  [
    "AWS SDK (request building, signing, parsing)",
    /node_modules\/@(smithy|aws-sdk|aws-crypto)\/|\(node:internal\/crypto/,
  ],
  [
    "HTTP and sockets (Node)",
    /\(node:(_http|net|internal\/stream|internal\/streams|stream)|^(writev|writeLatin1String|writeUtf8String|socketOnData)\b/,
  ],
  ["Parquet and Arrow", /node_modules\/(apache-arrow|parquet-wasm|flatbuffers)\/|wasm:\/\//],
  ["gik: index parsing", /job-image\/src\/index\//],
  ["gik: GRIB headers", /job-image\/src\/grib\//],
  ["gik: templates and tables", /job-image\/src\/(templates|tables)\//],
  ["gik: stages, refs and stores", /job-image\/src\//],
];

/** Self time by coarse owner (AWS SDK, GC, Parquet, gik's own modules, …), largest first. */
export function timeByCategory(
  profile: CpuProfile,
  repoRoot = "",
): { category: string; ms: number; share: number }[] {
  const { totalMs, functions } = hotFunctions(profile, Number.POSITIVE_INFINITY, repoRoot);
  const ms = new Map<string, number>();
  for (const f of functions) {
    const category =
      CATEGORIES.find(([, rule]) => rule.test(f.label))?.[0] ?? "other (Node, V8, JSON, strings)";
    ms.set(category, (ms.get(category) ?? 0) + f.selfMs);
  }
  return [...ms]
    .sort((a, b) => b[1] - a[1])
    .map(([category, t]) => ({ category, ms: t, share: totalMs === 0 ? 0 : t / totalMs }));
}
