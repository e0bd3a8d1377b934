/**
 * Builds every component the integration tests need (the Go tools and the Python reader
 * environment) that the cache lacks, and reports how long each took. Used by the vitest global
 * setup and by `npm run infra:build`.
 *
 * @module
 */

import type { CachePaths } from "./cache-paths.js";
import type { ComponentName } from "./components.js";
import { components } from "./components.js";
import type { BuiltComponent } from "./go-build.js";
import { ensureGoComponent, formatMs } from "./go-build.js";
import { ensurePythonEnv, type PythonEnvName } from "./python-env.js";

export interface BuildAllResult {
  go: Record<ComponentName, BuiltComponent>;
  /** Interpreters of the Python environments, by name. */
  python: Record<PythonEnvName, string>;
  /** One line per component: cached or built, and how long it took. */
  timings: string[];
}

/**
 * Builds what is missing. The Go builds run one after another (each already uses every core);
 * the Python environments, mostly downloads, are made alongside them.
 */
export async function buildAll(
  paths: CachePaths,
  log: (line: string) => void,
  only?: readonly ComponentName[],
): Promise<BuildAllResult> {
  const names = only ?? (Object.keys(components) as ComponentName[]);
  const timings: string[] = [];
  const env = async (name: PythonEnvName) => {
    const made = await ensurePythonEnv({ paths, log, name });
    timings.push(`python-env ${name}: ${made.built ? "built" : "cached"} in ${formatMs(made.ms)}`);
    return made.python;
  };
  // One after the other: both are mostly downloads and pip's cache serves the second.
  const python = env("reader").then(async (reader) => ({ reader, peers: await env("peers") }));
  // Keep the rejection handled while the Go builds run; it is re-raised by the await below.
  python.catch(() => undefined);
  const go = {} as Record<ComponentName, BuiltComponent>;
  for (const name of names) {
    const built = await ensureGoComponent(components[name], { paths, log });
    go[name] = built;
    timings.push(`${name} ${built.version}: ${built.built ? "built" : "cached"} in ${formatMs(built.ms)}`);
  }
  return { go, python: await python, timings };
}
