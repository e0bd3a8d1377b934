/**
 * A forecast collection as the place a run goes (the `CollectionTarget` of `stages/forecast.ts`):
 * whether the run is already there as it is (before any mapping), and the append itself, its
 * failure a value rather than an exception so the run's stores still count.
 *
 * @module
 */
import { hostname } from "node:os";
import type { CollectionRequest } from "../api/job-spec.js";
import type { RunId } from "../api/run-id.js";
import type { Logger } from "../log/types.js";
import { ZMETADATA } from "../refs/consolidated.js";
import type { AppendOutcome, CollectionTarget } from "../stages/forecast.js";
import { openStore } from "../storage/open.js";
import type { Store } from "../storage/types.js";
import { appendRun } from "./append.js";
import type { LockOptions } from "./lock.js";
import { recordOf } from "./plan.js";
import { runKey } from "./time-axis.js";

export interface CollectionTargetOptions {
  /** The cycles of a collection this run creates. */
  cycles?: readonly number[];
  log: Logger;
  lock?: Partial<LockOptions>;
}

/** The collection a request names, opened as a run's target. */
export function openCollection(request: CollectionRequest, log: Logger): CollectionTarget {
  return collectionTarget(openStore(request.url), {
    ...(request.cycles ? { cycles: request.cycles } : {}),
    log,
  });
}

/** The collection rooted at `store`, as a run's target. */
function collectionTarget(store: Store, options: CollectionTargetOptions): CollectionTarget {
  const url = store.url("");
  const lock: LockOptions = {
    holder: `${hostname()}:${process.pid}`,
    ttlMs: 30_000,
    waitMs: 600_000,
    ...options.lock,
  };
  return {
    store,
    async unchanged(run: RunId, digest: string): Promise<boolean> {
      const bytes = await store.get(ZMETADATA);
      if (!bytes) return false;
      const held = recordOf(JSON.parse(new TextDecoder().decode(bytes)), url).runs[runKey(run)];
      return held?.digest === digest && held.failed.length === 0;
    },
    async append(run, data): Promise<AppendOutcome> {
      try {
        const r = await appendRun(store, run, data, {
          lock,
          ...(options.cycles ? { cycles: options.cycles } : {}),
        });
        const detail =
          `${r.objectsWritten} objects (${r.bytesWritten} bytes) written, ${r.objectsDeleted} removed` +
          (r.relevelled.length
            ? `; level axis of ${r.relevelled.map((x) => x.path).join(", ")} rewritten`
            : "");
        options.log.info(
          { collection: url, run: r.run, slot: r.slot, slots: r.slots, status: r.status, detail },
          "collection",
        );
        for (const x of r.relevelled) {
          options.log.warn(
            { collection: url, array: x.path, from: x.from, to: x.to },
            "level axis grew: that array's references were rewritten",
          );
        }
        return { status: r.status, url, slot: r.slot, slots: r.slots, detail };
      } catch (error) {
        options.log.error({ collection: url, err: (error as Error).message }, "append failed");
        return { status: "failed", url, error: error as Error };
      }
    },
  };
}
