/**
 * Appending a run to a forecast collection: one reference-parquet store holding many runs along
 * `time` (see `stages/ensemble-tree.ts` for the layout), written so that readers never see half a
 * run and two appenders never lose each other's run.
 *
 * Notes (invariants):
 * - What an append writes: the run's own reference files (each slot fills whole `refs.N.parq`
 *   files), the `time` and `valid_time` files of each group (their values for slots already there
 *   never change), the fixed coordinates of new or re-levelled groups, and `.zmetadata` last. The
 *   references of the runs already there are not rewritten — except, once, an array whose level
 *   axis grows (`plan.ts`).
 * - A run appended past the end is invisible until `.zmetadata` is written: a kill before that
 *   leaves the previous version readable. The append first records its slot (`.gik-append-intent`);
 *   the next append finds the intent of one that died, and clears that slot's files unless the
 *   slot was committed, so no leftover ever becomes visible. Filling a gap or replacing a run
 *   writes into a slot readers already see: its members appear file by file.
 * - Re-levelling copies the array's files aside first (`.gik-relevel/`), so an append killed in the
 *   middle of it is redone from the copies by the next one.
 * - Appenders hold the collection's lock (`lock.ts`) and commit with a write conditional on the
 *   `.zmetadata` version they read; on a lost race they read again and re-plan.
 *
 * @module
 */
import { CollectionError, isPreconditionFailed } from "../api/errors.js";
import { runLabel } from "../api/run-id.js";
import { ZMETADATA } from "../refs/consolidated.js";
import { decodeRefsRecord, encodeRefsRecord, refsToParquet } from "../refs/parquet.js";
import { isMetadataKey, type RefValue } from "../refs/types.js";
import {
  ensembleMetadata,
  ensembleRecordSize,
  slotDataRecords,
  slotTimeChunks,
} from "../stages/ensemble-tree.js";
import type { RunToAppend } from "../stages/forecast.js";
import type { SlotFiles } from "../stages/slot-files.js";
import { createStoreStats, withStats } from "../storage/stats.js";
import type { Store } from "../storage/types.js";
import { LOCK_KEY, type LockOptions, withLock } from "./lock.js";
import { type AppendPlan, type CollectionRecord, planAppend, recordOf, treeOf } from "./plan.js";
import { runKey } from "./time-axis.js";

export interface AppendOptions {
  lock: LockOptions;
  /** The cycles of a collection created by this append (default: the run's own cycle). */
  cycles?: readonly number[];
  /** Commits tried before giving up on a collection that keeps changing under us. */
  attempts?: number;
}

export interface AppendResult {
  url: string;
  run: string;
  slot: number;
  status: "appended" | "replaced" | "unchanged";
  /** Length of the time axis after the append. */
  slots: number;
  objectsWritten: number;
  bytesWritten: number;
  objectsDeleted: number;
  relevelled: AppendPlan["relevelled"];
}

const INTENT_KEY = ".gik-append-intent";
const RELEVEL_PREFIX = ".gik-relevel/";

/** Appends `run` (its reference files in `data`) to the collection rooted at `store`. */
export async function appendRun(
  store: Store,
  run: RunToAppend,
  data: SlotFiles,
  options: AppendOptions,
): Promise<AppendResult> {
  const stats = createStoreStats();
  const counted = withStats(store, stats);
  const url = store.url("");
  return withLock(store, options.lock, async () => {
    for (let attempt = 1; ; attempt++) {
      const current = await store.getVersioned(ZMETADATA);
      const existing = current && recordOf(parseJson(current.bytes, url), url);
      await clearLeftovers(counted, existing);
      const plan = planAppend(existing, run, url, options.cycles);
      const result = (status: AppendResult["status"]): AppendResult => ({
        url,
        run: runKey(run.run),
        slot: plan.slot,
        status,
        slots: plan.record.slots,
        objectsWritten: stats.byKind.put.requests,
        bytesWritten: stats.bytesWritten,
        objectsDeleted: stats.byKind.delete.requests,
        relevelled: plan.relevelled,
      });
      if (plan.unchanged) return result("unchanged");
      await counted.put(
        INTENT_KEY,
        new TextEncoder().encode(JSON.stringify({ slot: plan.slot, run: runKey(run.run) })),
      );
      if (existing && plan.relevelled.length > 0) await relevel(counted, existing, plan);
      await writeSlot(counted, plan, data);
      const metadata = await writeCoordinates(counted, plan);
      try {
        await counted.put(ZMETADATA, metadata, {
          contentType: "application/json",
          ...(current ? { ifMatch: current.version } : { ifNoneMatch: "*" as const }),
        });
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        if (attempt >= (options.attempts ?? 5)) {
          const why = `run ${runLabel(run.run)}: the collection kept changing under ${attempt} commits`;
          throw new CollectionError(url, why, { cause: err });
        }
        continue;
      }
      await clearLeftovers(counted, plan.record);
      return result(existing?.runs[runKey(run.run)] ? "replaced" : "appended");
    }
  });
}

/**
 * What an append that died left: the files of the slot it was writing, unless that slot was
 * committed (then the files are the run's), and the copies of a re-levelling that was committed.
 */
async function clearLeftovers(store: Store, record: CollectionRecord | undefined): Promise<void> {
  const intent = await store.get(INTENT_KEY);
  if (intent) {
    const { slot } = JSON.parse(new TextDecoder().decode(intent)) as { slot: number };
    if (!record) {
      // The first append died: nothing was ever published, so nothing there is worth keeping.
      const keys: string[] = [];
      for await (const { key } of store.list("")) if (key !== LOCK_KEY) keys.push(key);
      await Promise.all(keys.map((key) => store.delete(key)));
      return;
    }
    if (!Object.values(record.runs).some((r) => r.slot === slot)) {
      await Promise.all(
        [...slotDataRecords(treeOf(record), slot, []).keys()].map((name) => store.delete(name)),
      );
    }
    await store.delete(INTENT_KEY);
  }
  // Copies of a re-levelling the record shows committed are done with; others wait to be redone.
  const done = (record?.rewrites ?? []).map((r) => relevelAside(r.array, r.from));
  const copies: string[] = [];
  for await (const { key } of store.list(RELEVEL_PREFIX))
    if (done.some((p) => key.startsWith(p))) copies.push(key);
  await Promise.all(copies.map((key) => store.delete(key)));
}

/** Where the files of `array` with levels `from` are copied while it is re-levelled. */
function relevelAside(array: string, from: readonly number[]): string {
  return `${RELEVEL_PREFIX}${array}/${from.join("_")}/`;
}

/** The run's reference files: written where they hold a reference, removed where they hold none. */
async function writeSlot(store: Store, plan: AppendPlan, data: SlotFiles): Promise<void> {
  await Promise.all(
    [...data.files(plan.tree, plan.slot)].map(([name, bytes]) =>
      bytes ? store.put(name, bytes) : store.delete(name),
    ),
  );
}

/**
 * The `time`/`valid_time` files of every group, the fixed coordinates of new or re-levelled
 * groups, and the `.zmetadata` to commit (returned, not written).
 */
async function writeCoordinates(store: Store, plan: AppendPlan): Promise<Uint8Array> {
  const { tree, record } = plan;
  const fresh = new Set(plan.newCoordinates);
  // Every array's metadata goes into `.zmetadata`; only chunks that change are encoded.
  const refs: Record<string, RefValue> = {};
  for (const [key, value] of Object.entries(ensembleMetadata(tree, rootAttributes(record)))) {
    if (isMetadataKey(key) || fresh.has(key.split("/").slice(0, 3).join("/"))) refs[key] = value;
  }
  for (let slot = 0; slot < record.slots; slot++) {
    for (const [key, value] of slotTimeChunks(tree, slot)) refs[key] = value;
  }
  const recordSize = ensembleRecordSize(tree.axes);
  const files = refsToParquet({ version: 1, refs }, { recordSize, extra: { gik: record } });
  const metadata = files.get(ZMETADATA)!;
  files.delete(ZMETADATA);
  await Promise.all([...files].map(([name, bytes]) => store.put(name, bytes)));
  return metadata;
}

/**
 * Rewrites the references of arrays whose level axis changed, for every slot: their chunks'
 * numbers change with the number of levels. The old files are copied aside first (once), and the
 * new ones made from the copies, so that a rewrite cut short is redone from the same input.
 */
async function relevel(store: Store, existing: CollectionRecord, plan: AppendPlan): Promise<void> {
  const size = ensembleRecordSize(plan.tree.axes);
  const slots = Object.values(existing.runs)
    .map((r) => r.slot)
    .filter((s) => s !== plan.slot);
  for (const { path, from, to } of plan.relevelled) {
    const aside = relevelAside(path, from);
    const old = (slot: number, k: number) => `refs.${slot * from.length + k}.parq`;
    if (!(await store.head(`${aside}complete`))) {
      for (const slot of slots) {
        for (let k = 0; k < from.length; k++) {
          const bytes = await store.get(`${path}/${old(slot, k)}`);
          if (bytes) await store.put(aside + old(slot, k), bytes);
        }
      }
      await store.put(`${aside}complete`, new Uint8Array());
    }
    const moved = new Map<string, (RefValue | undefined)[]>();
    for (const slot of slots) {
      const rows = Array.from({ length: to.length }, () => new Array<RefValue | undefined>(size));
      for (let k = 0; k < from.length; k++) {
        const bytes = await store.get(aside + old(slot, k));
        if (!bytes) continue;
        decodeRefsRecord(bytes, store.url(aside + old(slot, k))).forEach((value, row) => {
          if (value === undefined) return;
          // Within a slot, chunk i = (number·steps + step)·levels + level.
          const i = k * size + row;
          const j = Math.floor(i / from.length) * to.length + to.indexOf(from[i % from.length]!);
          rows[Math.floor(j / size)]![j % size] = value;
        });
      }
      for (const [k, r] of rows.entries()) moved.set(`${path}/refs.${slot * to.length + k}.parq`, r);
    }
    const stale = new Set(slots.flatMap((slot) => from.map((_, k) => `${path}/${old(slot, k)}`)));
    for (const name of moved.keys()) stale.delete(name);
    await Promise.all(
      [...moved].map(([name, rows]) =>
        rows.some(Boolean) ? store.put(name, encodeRefsRecord(rows)) : store.delete(name),
      ),
    );
    await Promise.all([...stale].map((name) => store.delete(name)));
  }
}

/** The root attributes readers see: the collection's runs and their failed members. */
function rootAttributes(record: CollectionRecord): Record<string, unknown> {
  const failed = Object.fromEntries(
    Object.entries(record.runs)
      .filter(([, r]) => r.failed.length > 0)
      .map(([key, r]) => [key, r.failed]),
  );
  return { runs: Object.keys(record.runs), failed_members: failed };
}

function parseJson(bytes: Uint8Array, url: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new CollectionError(url, `its ${ZMETADATA} is not JSON`, { cause });
  }
}
