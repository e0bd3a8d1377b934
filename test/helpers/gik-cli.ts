/**
 * Runs the built `gik` executable (`dist/`, made by `npm run build`, which `npm test` runs first)
 * as a user would, and returns its exit code and output.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const GIK = fileURLToPath(new URL("../../dist/job-image/src/cli/main.js", import.meta.url));

export interface GikResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runGik(args: string[], env: NodeJS.ProcessEnv = {}): Promise<GikResult> {
  if (!existsSync(GIK)) throw new Error(`${GIK} is missing: run "npm run build" first (npm test does)`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [GIK, ...args, "--log-format", "json"],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The JSON log records a run wrote to stderr. */
export function logRecords(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
