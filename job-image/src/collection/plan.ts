/**
 * What appending a run to a forecast collection changes, decided from the collection's record (kept
 * in its `.zmetadata` under `gik`) and the run alone. Pure: the I/O is `append.ts`.
 *
 * Notes (invariants):
 * - The collection's structure is the union over its runs: a field that appears later is NaN for
 *   older runs; a field a run lacks is NaN for that run. Nothing is refused for that.
 * - A level that appears later changes its array's level axis, which reorders that array's chunks:
 *   the array's references are rewritten, every slot, once (listed in `relevelled`, recorded in
 *   `rewrites`). No other array is touched.
 * - A run of another grid, of a cycle not on the time axis, with steps the step axis lacks, or
 *   before the first slot is refused, naming both sides: never a corrupt store.
 * - A run appended again with the same inputs (the same digest, and no failed member to retry)
 *   changes nothing.
 *
 * @module
 */
import { CollectionError } from "../api/errors.js";
import { MEMBER_COUNT } from "../api/members.js";
import { type RunId, runLabel, stepsOf } from "../api/run-id.js";
import type { RegularLatLonGrid } from "../grib/types.js";
import { buildEnsembleTree, type EnsembleTree } from "../stages/ensemble-tree.js";
import type { RunToAppend } from "../stages/forecast.js";
import type { FieldDescriptor } from "../templates/manifest.js";
import { runAt, runKey, slotOf, slotTimes, type TimeAxis } from "./time-axis.js";

export const COLLECTION_VERSION = 1;

/** A run held by a collection. */
export interface CollectionRun {
  slot: number;
  /** Digest of what made the run's references (every member's inputs). */
  digest: string;
  /** Members with references. */
  members: string[];
  /** Members that failed: NaN in this run, tried again on the next append of it. */
  failed: string[];
}

/** A collection's record of itself, in its `.zmetadata` (`gik`). */
export interface CollectionRecord {
  kind: "gik-collection";
  version: typeof COLLECTION_VERSION;
  axis: TimeAxis;
  /** Length of the time axis. */
  slots: number;
  steps: number[];
  members: number;
  grid: RegularLatLonGrid;
  /** The union of the runs' fields, by `attrs`. */
  fields: Record<string, FieldDescriptor>;
  /** By run key (`YYYYMMDDHH`). */
  runs: Record<string, CollectionRun>;
  /** Arrays whose level axis grew, when and how: their references were rewritten then. */
  rewrites: Array<{ run: string; array: string; from: number[]; to: number[] }>;
}

export interface AppendPlan {
  /** The record once the run is in. */
  record: CollectionRecord;
  tree: EnsembleTree;
  slot: number;
  /** Nothing to write: the run is there with the same inputs. */
  unchanged: boolean;
  /** Data arrays whose level axis changed: every slot's references rewritten (from, to). */
  relevelled: Array<{ path: string; from: number[]; to: number[] }>;
  /** Groups whose fixed coordinates (latitude, longitude, step, number, level) are written anew. */
  newCoordinates: string[];
}

/** The cycles and steps a new collection takes from its first run, unless `cycles` are given. */
export function planAppend(
  existing: CollectionRecord | undefined,
  run: RunToAppend,
  url: string,
  cycles?: readonly number[],
): AppendPlan {
  const grid = run.fields[0]?.grid;
  if (!grid) throw new CollectionError(url, `run ${runLabel(run.run)} has no field to append`);
  const base = existing ?? newRecord(run.run, grid, cycles);
  checkFits(base, run, url);
  const slot = slotOf(base.axis, run.run)!;
  const key = runKey(run.run);
  const before = base.runs[key];
  const unchanged = before?.digest === run.digest && before.failed.length === 0;
  const fields = { ...base.fields };
  for (const f of run.fields) fields[f.attrs] ??= f;
  const slots = Math.max(base.slots, slot + 1);
  const record: CollectionRecord = {
    ...base,
    slots,
    fields: sortKeys(fields),
    runs: sortKeys({
      ...base.runs,
      [key]: { slot, digest: run.digest, members: run.members, failed: run.failed },
    }),
    rewrites: [...base.rewrites],
  };
  const tree = treeOf(record);
  const old = existing && treeOf(existing);
  const oldGroups = new Map(old?.groups.map((g) => [g.path, g]));
  const relevelled: AppendPlan["relevelled"] = [];
  const newCoordinates: string[] = [];
  for (const group of tree.groups) {
    const was = oldGroups.get(group.path);
    if (!was || JSON.stringify(was.levels) !== JSON.stringify(group.levels)) newCoordinates.push(group.path);
    if (was && JSON.stringify(was.levels) !== JSON.stringify(group.levels)) {
      const path = `${group.path}/${group.varname}`;
      relevelled.push({ path, from: was.levels, to: group.levels });
      record.rewrites.push({ run: key, array: path, from: was.levels, to: group.levels });
    }
  }
  return { record, tree, slot, unchanged, relevelled, newCoordinates };
}

/** The dataset tree a record describes. */
export function treeOf(record: CollectionRecord): EnsembleTree {
  return buildEnsembleTree(Object.values(record.fields), {
    times: slotTimes(record.axis, record.slots),
    steps: record.steps,
    members: record.members,
  });
}

/** The record of a collection that does not exist yet, starting at `first`. */
function newRecord(first: RunId, grid: RegularLatLonGrid, cycles?: readonly number[]): CollectionRecord {
  const axisCycles = [...new Set(cycles ?? [first.cycle])].sort((a, b) => a - b);
  // The longest step axis of the collection's cycles: a 06/18 UTC run's 49 steps are its first 49.
  const steps = axisCycles.some((c) => c === 0 || c === 12) ? stepsOf(0) : stepsOf(6);
  return {
    kind: "gik-collection",
    version: COLLECTION_VERSION,
    axis: { origin: first, cycles: axisCycles },
    slots: 0,
    steps,
    members: MEMBER_COUNT,
    grid,
    fields: {},
    runs: {},
    rewrites: [],
  };
}

function checkFits(record: CollectionRecord, run: RunToAppend, url: string): void {
  const label = runLabel(run.run);
  const refuse = (why: string) => {
    throw new CollectionError(url, `run ${label} cannot be appended: ${why}`);
  };
  if (!record.axis.cycles.includes(run.run.cycle)) {
    refuse(
      `the collection holds the cycles ${record.axis.cycles.map((c) => `${c}z`).join(", ")}, not ${run.run.cycle}z ` +
        "(a new collection takes the cycles given with its first run)",
    );
  }
  const slot = slotOf(record.axis, run.run)!;
  if (slot < 0) {
    refuse(`the collection starts at ${runLabel(record.axis.origin)}; it grows forward from its first run`);
  }
  const extra = stepsOf(run.run.cycle).filter((s) => !record.steps.includes(s));
  if (extra.length > 0) refuse(`steps ${extra.join(", ")} h are not on the collection's step axis`);
  const grid = run.fields[0]!.grid;
  if (JSON.stringify(grid) !== JSON.stringify(record.grid)) {
    refuse(`its grid (${gridLabel(grid)}) is not the collection's (${gridLabel(record.grid)})`);
  }
}

function gridLabel(g: RegularLatLonGrid): string {
  return `${g.Ni}×${g.Nj} from ${g.latitudeOfFirstGridPointInDegrees}°N ${g.longitudeOfFirstGridPointInDegrees}°E, ${g.iDirectionIncrementInDegrees}°`;
}

/** Reads a collection's record from its parsed `.zmetadata` document; `url` names it in errors. */
export function recordOf(zmetadata: unknown, url: string): CollectionRecord {
  const record = (zmetadata as { gik?: Partial<CollectionRecord> } | null)?.gik;
  if (record?.kind !== "gik-collection") {
    throw new CollectionError(url, "is not a gik collection (its .zmetadata has no collection record)");
  }
  if (record.version !== COLLECTION_VERSION) {
    throw new CollectionError(
      url,
      `collection version ${record.version}; this gik reads version ${COLLECTION_VERSION}`,
    );
  }
  return record as CollectionRecord;
}

/** The runs of a record in time order, with the slots no run holds. */
export function collectionSlots(
  record: CollectionRecord,
): Array<{ slot: number; run: RunId; held?: CollectionRun }> {
  const bySlot = new Map(Object.values(record.runs).map((r) => [r.slot, r]));
  return Array.from({ length: record.slots }, (_, slot) => {
    const held = bySlot.get(slot);
    return { slot, run: runAt(record.axis, slot), ...(held ? { held } : {}) };
  });
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
