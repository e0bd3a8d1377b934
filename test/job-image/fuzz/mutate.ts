/**
 * Seeded mutation fuzzing of gik's input parsers (the ECMWF `.index` reader, the GRIB2 header
 * reader). Both take bytes from outside; a damaged file must be refused with a tagged gik error
 * that names the place, never crash with a `TypeError`/`RangeError`, hang, or allocate what a
 * damaged length field claims.
 *
 * Deterministic: case `i` draws from its own PRNG, seeded from (seed, i), so any case replays
 * alone. Settings come from the environment:
 * - `GIK_FUZZ_SEED` (decimal or `0x…`) — the run's seed, printed by every run;
 * - `GIK_FUZZ_CASES` — how many random cases (default: the test's own count);
 * - `GIK_FUZZ_CASE` — run only this case (replay), and print its input;
 * - `GIK_FUZZ_VERBOSE` — print cases, outcomes and time per mutation strategy.
 *
 * Bounds: each case is timed (a slow one is timed again before it fails, as the machine may be
 * busy) and the memory it adds is measured; the memory a whole run keeps is measured after a full
 * GC. A case that never returns cannot be stopped from its own thread: it shows as the test's
 * timeout, with the seed printed at the start.
 *
 * @module
 */

import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The seed of a run when `GIK_FUZZ_SEED` is not set: fixed, so that the suite is reproducible. */
export const DEFAULT_SEED = 0x6b1f2024;

/** mulberry32: a small, fast 32-bit PRNG, uniform enough for picking mutations. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of case `index` of a run seeded with `seed` (murmur3's finalizer of both). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Draws of one case. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** In [0, 1). */
  float(): number {
    return this.next();
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** An entry of `weighted` ([weight, value] pairs), with probability proportional to its weight. */
  weighted<T>(weighted: readonly (readonly [number, T])[]): T {
    const total = weighted.reduce((sum, [w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [w, value] of weighted) {
      r -= w;
      if (r < 0) return value;
    }
    return weighted.at(-1)![1];
  }
  u32(): number {
    return Math.floor(this.next() * 0x100000000);
  }
  byte(): number {
    return this.int(256);
  }
}

export interface FuzzSettings {
  seed: number;
  cases: number;
  /** Replay: run only this case. */
  only: number | undefined;
}

function envInt(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return n;
}

/** The run's settings: `defaultCases` random cases unless the environment says otherwise. */
export function fuzzSettings(defaultCases: number): FuzzSettings {
  return {
    seed: envInt("GIK_FUZZ_SEED") ?? DEFAULT_SEED,
    cases: envInt("GIK_FUZZ_CASES") ?? defaultCases,
    only: envInt("GIK_FUZZ_CASE"),
  };
}

/** One generated input: the strategy that made it (for the statistics), what exactly it did, the input. */
export interface FuzzCase<I> {
  strategy: string;
  detail: string;
  input: I;
}

/** A broken invariant found by a check (as opposed to what the parser threw). */
export class FuzzViolation extends Error {
  override name = "FuzzViolation";
}

export interface FuzzOptions<I> {
  /** Names the run in the summary and in failures. */
  name: string;
  /** The test file, for the replay command a failure prints. */
  file: string;
  settings: FuzzSettings;
  generate(rng: Rng, index: number): FuzzCase<I>;
  /**
   * Runs the parser on `input` and checks what it did; returns the outcome (`parsed`, or the tag
   * of the error it refused the input with); throws a {@link FuzzViolation} (or lets the
   * parser's untagged exception through) when the input was mishandled.
   */
  check(input: I): string | Promise<string>;
  /** A short excerpt of `input` to replay a failure from (hex for bytes, JSON text for text). */
  excerpt(input: I): string;
  /** A case slower than this (ms, twice) is a failure: a parser must not take time a length field claims. */
  maxCaseMs: number;
  /** A case that adds more memory than this while it runs (MB, input included) is a failure: nor memory. */
  maxCaseMB: number;
  /** How many failures to describe before stopping (default 10). */
  maxFailures?: number;
}

export interface FuzzReport {
  name: string;
  seed: number;
  cases: number;
  ms: number;
  /** Outcome → count (`parsed`, error tags). */
  outcomes: Record<string, number>;
  /** Strategy → outcome → count. */
  byStrategy: Record<string, Record<string, number>>;
  /** Strategy → milliseconds spent generating and checking its cases. */
  msByStrategy: Record<string, number>;
  failures: string[];
  slowestMs: number;
  slowestCase: number;
  /** Heap + external memory still held after the run (after a full GC), less that before it (MB). */
  retainedMB: number;
  /** The most heap + external memory one case added while it ran (garbage included, MB), and which. */
  caseMB: number;
  caseMBCase: number;
}

const MB = 1024 * 1024;
/** V8 heap in use plus external memory (array buffers): cheap enough (~1 µs) to read around every case. */
const memoryNow = () => {
  const { used_heap_size, external_memory } = getHeapStatistics();
  return used_heap_size + external_memory;
};

/**
 * V8's full garbage collection, so that memory held after a run is told apart from garbage not yet
 * collected. Node exposes it only with `--expose-gc`; setting the flag at run time and reading
 * `gc` from a fresh context (a known idiom) gets it without changing how vitest starts workers.
 */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Describes what a parser threw, with the top of its stack (where an untagged error came from). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `non-Error thrown: ${String(err)}`;
  const stack = (err.stack ?? "").split("\n").slice(1, 5).join("\n");
  return `${err.name}: ${err.message.slice(0, 300)}\n${stack}`;
}

/**
 * Runs `settings.cases` generated cases (or only the replayed one) through `check`, timing each
 * and measuring the memory it adds; collects failures (up to `maxFailures`) rather than stopping at
 * the first, and prints a summary.
 */
export async function runFuzz<I>(options: FuzzOptions<I>): Promise<FuzzReport> {
  const { settings, maxFailures = 10 } = options;
  const first = settings.only ?? 0;
  const end = settings.only === undefined ? settings.cases : settings.only + 1;
  const report: FuzzReport = {
    name: options.name,
    seed: settings.seed,
    cases: 0,
    ms: 0,
    outcomes: {},
    byStrategy: {},
    msByStrategy: {},
    failures: [],
    slowestMs: 0,
    slowestCase: -1,
    retainedMB: 0,
    caseMB: 0,
    caseMBCase: -1,
  };
  console.log(`[fuzz] ${options.name}: seed ${hex32(settings.seed)}, cases ${first}..${end - 1}`);
  collectGarbage();
  const memoryAtStart = memoryNow();
  const started = performance.now();
  for (let i = first; i < end && report.failures.length < maxFailures; i++) {
    const generated = performance.now();
    const fuzzCase = options.generate(new Rng(caseSeed(settings.seed, i)), i);
    const t0 = performance.now();
    const memoryBefore = memoryNow();
    let outcome: string;
    let failure: string | undefined;
    try {
      outcome = await options.check(fuzzCase.input);
    } catch (err) {
      outcome = "FAILED";
      failure = describeError(err);
    }
    let caseMs = performance.now() - t0;
    const caseMB = (memoryNow() - memoryBefore) / MB;
    if (failure === undefined && caseMs > options.maxCaseMs) {
      // Once more before calling it slow: on a shared machine one run may lose the CPU for a while.
      const t1 = performance.now();
      await options.check(fuzzCase.input);
      caseMs = Math.min(caseMs, performance.now() - t1);
    }
    if (caseMs > report.slowestMs) {
      report.slowestMs = caseMs;
      report.slowestCase = i;
    }
    if (caseMB > report.caseMB) {
      report.caseMB = caseMB;
      report.caseMBCase = i;
    }
    if (failure === undefined && caseMs > options.maxCaseMs) {
      failure = `took ${caseMs.toFixed(1)} ms (bound ${options.maxCaseMs} ms)`;
    }
    if (failure === undefined && caseMB > options.maxCaseMB) {
      failure = `allocated ${caseMB.toFixed(1)} MB (bound ${options.maxCaseMB} MB)`;
    }
    if (failure !== undefined || settings.only !== undefined) {
      const text =
        `${options.name}: seed ${hex32(settings.seed)} case ${i} (${fuzzCase.strategy}: ${fuzzCase.detail}): ` +
        `${failure ?? `outcome ${outcome}`}\n` +
        `  replay: GIK_FUZZ_SEED=${hex32(settings.seed)} GIK_FUZZ_CASE=${i} npx vitest run --project unit ${options.file}\n` +
        `  input: ${options.excerpt(fuzzCase.input)}`;
      if (failure !== undefined) report.failures.push(text);
      else console.log(text);
    }
    report.cases++;
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    report.byStrategy[fuzzCase.strategy] ??= {};
    const strategy = report.byStrategy[fuzzCase.strategy]!;
    strategy[outcome] = (strategy[outcome] ?? 0) + 1;
    report.msByStrategy[fuzzCase.strategy] =
      (report.msByStrategy[fuzzCase.strategy] ?? 0) + (performance.now() - generated);
  }
  report.ms = performance.now() - started;
  collectGarbage();
  report.retainedMB = (memoryNow() - memoryAtStart) / MB;
  console.log(summary(report));
  if (process.env.GIK_FUZZ_VERBOSE) console.log(strategies(report));
  return report;
}

/** One line: seed, count, time, slowest case, memory, outcomes. */
export function summary(report: FuzzReport): string {
  const outcomes = Object.entries(report.outcomes)
    .sort(([, a], [, b]) => b - a)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(", ");
  return (
    `[fuzz] ${report.name}: seed ${hex32(report.seed)}, ${report.cases} inputs in ` +
    `${(report.ms / 1000).toFixed(2)} s (slowest ${report.slowestMs.toFixed(1)} ms, case ${report.slowestCase}), ` +
    `memory retained ${signed(report.retainedMB)} MB, at most +${report.caseMB.toFixed(1)} MB ` +
    `in one case (case ${report.caseMBCase}); ${outcomes}`
  );
}

/** Per strategy: cases, outcomes and time, slowest first (printed when `GIK_FUZZ_VERBOSE` is set). */
export function strategies(report: FuzzReport): string {
  return Object.entries(report.msByStrategy)
    .sort(([, a], [, b]) => b - a)
    .map(([name, ms]) => {
      const outcomes = Object.entries(report.byStrategy[name] ?? {})
        .map(([outcome, n]) => `${outcome} ${n}`)
        .join(", ");
      return `  ${name}: ${ms.toFixed(0)} ms; ${outcomes}`;
    })
    .join("\n");
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/** `bytes` in hex (at most `max` bytes, from the start), with the total length. */
export function hexExcerpt(bytes: Uint8Array, max = 192): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString("hex");
  return `${bytes.length} bytes: ${shown}${bytes.length > max ? "…" : ""}`;
}

/** `text` as a JSON string (control characters visible), at most `max` characters, with its length. */
export function textExcerpt(text: string, max = 600): string {
  return `${text.length} chars: ${JSON.stringify(text.slice(0, max))}${text.length > max ? "…" : ""}`;
}

const signed = (mb: number) => `${mb < 0 ? "" : "+"}${mb.toFixed(1)}`;
