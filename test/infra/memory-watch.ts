/**
 * The pod runner's stand-in for a memory cgroup: it polls the total resident memory of each
 * watched process group (the sum of `VmRSS` in `/proc/<pid>/status` over the group's processes,
 * found by the process group field of `/proc/<pid>/stat`) and calls back once when it exceeds the
 * group's limit; the runner then kills the group and reports the container `OOMKilled`. One scan
 * of `/proc` per tick serves every watched group.
 *
 * Unlike a cgroup it acts after the fact: a process can overshoot by what it allocates in one
 * interval.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";

/** `VmRSS` of a `/proc/<pid>/status` text in bytes; undefined for a kernel thread or zombie. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The process group (field 5) of a `/proc/<pid>/stat` text. */
export function parseProcessGroup(stat: string): number | undefined {
  // The command (field 2) may hold spaces and parentheses: count from after its last ')'.
  const pgrp = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2];
  return pgrp === undefined ? undefined : Number(pgrp);
}

const readOrUndefined = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process is gone
  }
};

/** Total RSS in bytes of each of the process groups `pgids` (0 for a group with no process left). */
export function groupRss(pgids: ReadonlySet<number>, procDir = "/proc"): Map<number, number> {
  const totals = new Map([...pgids].map((g) => [g, 0]));
  for (const entry of readdirSync(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrUndefined(`${procDir}/${entry}/stat`);
    const group = stat === undefined ? undefined : parseProcessGroup(stat);
    if (group === undefined || !totals.has(group)) continue;
    const status = readOrUndefined(`${procDir}/${entry}/status`);
    totals.set(group, totals.get(group)! + ((status && parseVmRss(status)) || 0));
  }
  return totals;
}

export interface MemoryWatch {
  /**
   * Watches process group `pgid`; `onExceeded(rss)` is called once, the first time its RSS is
   * above `limitBytes`. Returns the function that ends the watch.
   */
  watch(pgid: number, limitBytes: number, onExceeded: (rssBytes: number) => void): () => void;
  stop(): void;
}

/** A watch that polls every `intervalMs` while it watches anything. */
export function startMemoryWatch(intervalMs = 100, procDir = "/proc"): MemoryWatch {
  const watched = new Map<number, { limit: number; onExceeded: (rss: number) => void }>();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const rss = groupRss(new Set(watched.keys()), procDir);
    for (const [pgid, total] of rss) {
      const w = watched.get(pgid);
      if (!w || total <= w.limit) continue;
      watched.delete(pgid);
      w.onExceeded(total);
    }
    if (!watched.size) stopTimer();
  };
  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    watch(pgid, limit, onExceeded) {
      const entry = { limit, onExceeded };
      watched.set(pgid, entry);
      timer ??= setInterval(tick, intervalMs).unref();
      return () => {
        if (watched.get(pgid) === entry) watched.delete(pgid);
        if (!watched.size) stopTimer();
      };
    },
    stop() {
      watched.clear();
      stopTimer();
    },
  };
}
