/**
 * Setup file of the integration project (`vitest.config.ts`): a file of the cluster lane
 * (`lanes.ts`) holds the lane's lock from before its first hook to after its last, so that no two
 * cluster files overlap while storage files run beside them. Registered before the file's own
 * hooks, so the lock is held before a file starts its operator or sets a toxic.
 *
 * @module
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { acquireLock, inClusterLane } from "./lanes.js";

let release: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const file = expect.getState().testPath ?? "";
  if (!inClusterLane(file, process.cwd())) return;
  const lock = await acquireLock(join(inject("infra").runDir, "cluster-lane.lock"), file);
  release = lock.release;
  if (lock.waitedMs >= 1000)
    console.log(`cluster lane: waited ${(lock.waitedMs / 1000).toFixed(1)} s for the lock`);
});

afterAll(async () => {
  await release?.();
  release = undefined;
});
