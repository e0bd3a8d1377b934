/**
 * The integration files run two at a time (`maxWorkers: 2` in `vitest.config.ts`) on the servers of
 * `global-setup.ts`, in two lanes. The machine has two cores: while a cluster file waits on pods,
 * the operator or a clock, a storage file's Python check uses the other core.
 *
 * - **storage**: files that use only MinIO directly, fake-gcs-server and the Python environments
 *   (`inject("infra")`'s `s3`, `gcs`, `python`, `pythonPeers`), each in buckets and directories of
 *   its own; they may run beside any file.
 * - **cluster**: every other file, one at a time: the control plane's operators and pod runner are
 *   cluster-wide, and the fault proxies in front of the shared MinIO (toxiproxy's toxics, the
 *   SlowDown proxy's share) apply to every client of the proxy. Each cluster file holds the lane's
 *   lock (`cluster-lane.ts`, a setup file) from before its first hook to after its last.
 *
 * `lanes.test.ts` checks that no storage file reaches for what only the cluster lane may use.
 *
 * @module
 */

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";

/**
 * The storage lane, by name: a new integration file is in the cluster lane until it is put here.
 * `job-image/storage/s3-faults.int.test.ts` stays in the cluster lane: it sets toxics and the
 * SlowDown share.
 */
export const STORAGE_LANE = [
  "test/argocd/health.int.test.ts",
  "test/infra/gcs.int.test.ts",
  "test/infra/python-env.int.test.ts",
  "test/job-image/cli/faults.int.test.ts",
  "test/job-image/cli/latest-run.int.test.ts",
  "test/job-image/cli/template-cache.int.test.ts",
  "test/job-image/dockerfile.int.test.ts",
  "test/job-image/grib/header-vs-eccodes.int.test.ts",
  "test/job-image/interop/collection.int.test.ts",
  "test/job-image/interop/eras.int.test.ts",
  "test/job-image/interop/stores.int.test.ts",
  "test/job-image/refs/fsspec-reads.int.test.ts",
  "test/job-image/storage/gcs.int.test.ts",
  "test/job-image/storage/s3.int.test.ts",
];

/** True for an integration file (absolute, or relative to `root`) of the cluster lane. */
export function inClusterLane(file: string, root: string): boolean {
  return (
    file.endsWith(".int.test.ts") && !STORAGE_LANE.includes(isAbsolute(file) ? relative(root, file) : file)
  );
}

/** Whether the process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the lock directory `dir` (made by `mkdir`, which one process wins), waiting while another
 * live process holds it; a holder that died without releasing it is cleared. Returns the release.
 */
export async function acquireLock(
  dir: string,
  holder: string,
  pollMs = 200,
): Promise<{ waitedMs: number; release: () => Promise<void> }> {
  const started = Date.now();
  const owner = join(dir, "owner.json");
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(owner, JSON.stringify({ pid: process.pid, holder }));
      return { waitedMs: Date.now() - started, release: () => rm(dir, { recursive: true, force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const held = await readFile(owner, "utf8").then(
      (text) => JSON.parse(text) as { pid: number },
      () => undefined,
    );
    // No owner file yet: the winner is between its mkdir and its write; look again.
    if (held && !alive(held.pid)) await rm(dir, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, pollMs));
  }
}
