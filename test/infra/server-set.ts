/**
 * What one process starts and must take down again: server processes and in-process servers,
 * stopped in reverse order by `stop()`; a hard exit of the process SIGKILLs the server process
 * groups instead, and a later run reaps what a crash left (see `run-dir.ts`).
 *
 * @module
 */

import type { CachePaths } from "./cache-paths.js";
import { closeRunDir, openRunDir, type RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";

export interface ServerSet {
  run: RunDir;
  /** Server processes: stopped by `stop()`, killed with this process. */
  track(...started: ServerProcess[]): void;
  /** Anything else to stop (in-process servers, watchers). */
  onStop(stop: () => Promise<unknown>): void;
  stop(): Promise<void>;
}

export function openServerSet(paths: CachePaths, log: (line: string) => void): ServerSet {
  const run = openRunDir(paths, log);
  const servers: ServerProcess[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  const killAll = () => {
    for (const s of servers) {
      try {
        process.kill(-s.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  process.on("exit", killAll);
  return {
    run,
    track(...started) {
      servers.push(...started);
      for (const s of started) stops.push(() => s.stop());
    },
    onStop(stop) {
      stops.push(stop);
    },
    async stop() {
      for (const f of stops.splice(0).reverse()) await f().catch((err) => log(`stop: ${err}`));
      process.off("exit", killAll);
      closeRunDir(run);
    },
  };
}
