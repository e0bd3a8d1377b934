/**
 * Runs the Python interop checks of `test/python/` with pytest in one of the test environments,
 * and returns pytest's exit code and output for the test to assert on.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const PYTHON_TESTS = fileURLToPath(new URL("../../python/", import.meta.url));

export interface PytestResult {
  code: number;
  output: string;
}

export function pytest(
  python: string,
  file: string,
  env: Record<string, string>,
  timeoutMs = 1_800_000,
): Promise<PytestResult> {
  return new Promise((resolve) => {
    execFile(
      python,
      ["-m", "pytest", "-q", "-W", "ignore", "-p", "no:cacheprovider", file],
      { cwd: PYTHON_TESTS, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** The outcome of a pytest run split across processes, with the number of tests passed in all. */
export interface ShardedResult extends PytestResult {
  passed: number;
  processes: number;
}

/**
 * `pytest` of `file` over `values` split across at most `processes` pytest processes at once, each
 * given its share as the comma-separated `env[name]`: the checks read, decode and wait on I/O, so
 * two processes use both cores. The outputs are joined; the exit code is the worst.
 */
export async function pytestSharded(
  python: string,
  file: string,
  env: Record<string, string>,
  name: string,
  values: readonly string[],
  processes = 2,
): Promise<ShardedResult> {
  const count = Math.min(processes, values.length);
  const shares = Array.from({ length: count }, (_, i) => values.filter((_v, j) => j % count === i));
  const results = await Promise.all(
    shares.map((share) => pytest(python, file, { ...env, [name]: share.join(",") })),
  );
  return {
    code: Math.max(...results.map((r) => r.code)),
    passed: results.reduce((sum, r) => sum + Number(/(\d+) passed/.exec(r.output)?.[1] ?? 0), 0),
    output: results.map((r) => r.output.trim()).join("\n"),
    processes: count,
  };
}

/** What a store of a run should hold, for `test_store_contents.py` (`GIK_EXPECT`). */
export function expectation(
  steps: number[],
  levels: Record<string, number[]>,
  absent: Record<string, number[]>,
): string {
  return JSON.stringify({ steps, levels, absent });
}
