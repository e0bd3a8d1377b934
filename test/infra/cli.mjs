#!/usr/bin/env node
// `npm run infra:build [-- component…]`: builds the integration-test components the cache lacks
// (see test/infra/build-all.ts). Node 20 cannot load TypeScript itself, so Vite's module runner
// (already a dependency through vitest) loads the TypeScript setup.
import { runnerImport } from "vite";

const only = process.argv.slice(2);
const { module } = await runnerImport(new URL("./build-all.ts", import.meta.url).pathname, {
  configFile: false,
  logLevel: "warn",
});
const { cachePaths } = (
  await runnerImport(new URL("./cache-paths.ts", import.meta.url).pathname, {
    configFile: false,
  })
).module;
const started = Date.now();
try {
  const result = await module.buildAll(
    cachePaths(),
    (line) => console.log(`infra: ${line}`),
    only.length ? only : undefined,
  );
  for (const line of result.timings) console.log(`infra: ${line}`);
  console.log(`infra: everything built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
} catch (err) {
  console.error(`infra: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
}
