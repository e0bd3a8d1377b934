/**
 * Runs the built `gik` executable (`dist/`, made by `npm run build`, which `npm test` runs first)
 * as a user would, and returns its exit code and output.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { S3Endpoint } from "../infra/endpoints.js";

export const GIK = fileURLToPath(new URL("../../dist/job-image/src/cli/main.js", import.meta.url));

export interface GikResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The AWS settings of an S3 server as `gik` reads them from its environment. */
export function gikS3Env(s3: S3Endpoint): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  };
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
