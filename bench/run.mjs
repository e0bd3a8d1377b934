#!/usr/bin/env node
// `npm run bench`: gik against its peers on a full-size mirror served from MinIO with latency;
// prints the tables and writes docs/benchmarks.md (see bench/main.ts); `-- --render` writes it again
// from the last run's saved results with the notes as they are now. Node 20 cannot load
// TypeScript itself, so Vite's module runner (already a dependency through vitest) loads the bench,
// as test/infra/cli.mjs does for the infrastructure.
import { fileURLToPath } from "node:url";
import { runnerImport } from "vite";

const repo = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const { module } = await runnerImport(new URL("./main.ts", import.meta.url).pathname, {
  configFile: false,
  logLevel: "warn",
});
try {
  if (process.argv.includes("--render")) module.renderSaved(repo);
  else await module.runBench(repo);
} catch (err) {
  console.error(`bench: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  process.exitCode = 1;
}
