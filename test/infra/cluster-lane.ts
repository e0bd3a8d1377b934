/**
 * Setup file of the integration project (`vitest.config.ts`): a file of the cluster lane
 * (`lanes.ts`) holds the lane's lock from before its first hook to after its last, so that no two
 * cluster files overlap while storage files run beside them. Registered before the file's own
 * hooks, so the lock is held before a file starts its operator or sets a toxic. The time a file
 * waited goes into its meta, and the timing reporter leaves it out of the file's time.
 *
 * @module
 */
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import { acquireLock, inClusterLane } from "./lanes.js";

declare module "vitest" {
  interface TaskMeta {
    /** How long the file waited for the cluster lane's lock before its first hook. */
    clusterLaneWaitMs?: number;
  }
}

let release: (() => Promise<void>) | undefined;

// biome-ignore lint/correctness/noEmptyPattern: vitest reads a hook's first parameter as fixtures, which must be destructured
beforeAll(async ({}, suite) => {
  const file = suite.file;
  if (!inClusterLane(file.filepath, process.cwd())) return;
  const lock = await acquireLock(join(inject("infra").runDir, "cluster-lane.lock"), file.filepath);
  release = lock.release;
  file.meta.clusterLaneWaitMs = lock.waitedMs;
});

afterAll(async () => {
  await release?.();
  release = undefined;
});
