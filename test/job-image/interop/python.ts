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

/** What a store of a run should hold, for `test_store_contents.py` (`GIK_EXPECT`). */
export function expectation(
  steps: number[],
  levels: Record<string, number[]>,
  absent: Record<string, number[]>,
): string {
  return JSON.stringify({ steps, levels, absent });
}
