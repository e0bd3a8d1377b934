/**
 * Where the test infrastructure keeps what it builds and runs. Everything lives under one root,
 * `~/.cache/gik-test` unless `GIK_TEST_CACHE` names another (a fresh root measures a cold setup):
 *
 * - `<component>-<version>/`: a built component; it exists only once complete.
 * - `go/mod`, `go/build`: the Go module and build caches, shared by every Go build so CI can keep them.
 * - `logs/`: one build log per component version.
 * - `oracles/`: answers of slow reference tools (kerchunk's scan_grib of a mirror's member), named by
 *   the hashes of the mirror and of the tool's environment.
 * - `run/<run id>/`: pid files, logs and data of one run of the servers.
 * - `tmp/`: half-built directories; never read, swept when their builder is gone.
 *
 * @module
 */

import { homedir } from "node:os";
import { join } from "node:path";

export interface CachePaths {
  root: string;
  goModCache: string;
  goBuildCache: string;
  logs: string;
  oracles: string;
  runs: string;
  tmp: string;
}

/** The cache layout under `GIK_TEST_CACHE` (default `~/.cache/gik-test`). */
export function cachePaths(env: NodeJS.ProcessEnv = process.env): CachePaths {
  const root = env.GIK_TEST_CACHE || join(homedir(), ".cache", "gik-test");
  return {
    root,
    goModCache: join(root, "go", "mod"),
    goBuildCache: join(root, "go", "build"),
    logs: join(root, "logs"),
    oracles: join(root, "oracles"),
    runs: join(root, "run"),
    tmp: join(root, "tmp"),
  };
}

/** The directory of one built component version, e.g. `~/.cache/gik-test/minio-v0.0.0-2026…`. */
export function componentDir(paths: CachePaths, name: string, version: string): string {
  return join(paths.root, `${name}-${version}`);
}
