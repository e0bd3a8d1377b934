/**
 * vitest global setup of the `integration` project: builds what the cache lacks, starts the
 * servers (see `infra.ts`), hands their endpoints to the test files as `inject("infra")`, prints
 * how long each component took, and stops everything when the run ends, failed tests or not.
 *
 * @module
 */

import type { TestProject } from "vitest/node";
import "./endpoints.js";
import { formatMs } from "./go-build.js";
import { startInfra } from "./infra.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`infra: ${line}`);
  const started = Date.now();
  const infra = await startInfra(log);
  for (const line of infra.timings) log(line);
  log(`ready in ${formatMs(Date.now() - started)}`);
  project.provide("infra", infra.endpoints);
  return async () => {
    const stopping = Date.now();
    await infra.stop();
    log(`stopped in ${formatMs(Date.now() - stopping)}`);
  };
}
