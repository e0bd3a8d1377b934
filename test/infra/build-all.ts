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
import { ensurePythonEnv } from "./python-env.js";

export interface BuildAllResult {
  go: Record<ComponentName, BuiltComponent>;
  python: string;
  /** One line per component: cached or built, and how long it took. */
  timings: string[];
}

/**
 * Builds what is missing. The Go builds run one after another (each already uses every core);
 * the Python environment, mostly downloads, is made alongside them.
 */
export async function buildAll(
  paths: CachePaths,
  log: (line: string) => void,
  only?: readonly ComponentName[],
): Promise<BuildAllResult> {
  const names = only ?? (Object.keys(components) as ComponentName[]);
  const timings: string[] = [];
  const python = ensurePythonEnv({ paths, log }).then((env) => {
    timings.push(`python-env: ${env.built ? "built" : "cached"} in ${formatMs(env.ms)}`);
    return env.python;
  });
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
