/**
 * Stage 3 for the ensemble as one dataset: one store per run holding every member along `number`
 * (`{out}/{YYYYMMDD}/{HH}z/ensemble.{parquet|json}`), from the members' mapped messages.
 *
 * Notes (invariants):
 * - Published as a member store is (`publishParquetStore`): whole or not at all.
 * - A member that failed has no references (it reads as NaN) and is named in the root attributes
 *   (`failed_members`) and in the store's record, so a re-run with the same inputs tries it again.
 * - The references are written record by record from their chunk numbers, never as one key per
 *   chunk: a whole run has some 800,000 of them.
 *
 * @module
 */
import { MEMBER_COUNT } from "../api/members.js";
import { type RunId, runEpochSeconds, stepsOf } from "../api/run-id.js";
import type { StoreFormat } from "../api/store-layout.js";
import { chunkName } from "../refs/chunk-grid.js";
import { refsToJson } from "../refs/json.js";
import { refsToParquet } from "../refs/parquet.js";
import type { RefValue } from "../refs/types.js";
import type { Store } from "../storage/types.js";
import type { FieldDescriptor } from "../templates/manifest.js";
import {
  buildEnsembleTree,
  dataArrayPath,
  type EnsembleTree,
  ensembleMetadata,
  ensembleRecordSize,
  type MemberChunks,
  slotDataRecords,
  slotTimeChunks,
  unionFields,
} from "./ensemble-tree.js";
import type { SlotFiles } from "./slot-files.js";
import type { MemberInputs, StoreRecord } from "./write-store.js";
import { publishParquetStore, STORE_LAYOUT_VERSION, storeRecord } from "./write-store.js";

/** What made an ensemble store: every member's inputs. */
export interface EnsembleInputs {
  layout: number;
  kind: "ensemble";
  run: RunId;
  format: StoreFormat;
  members: MemberInputs[];
}

/** An ensemble store's record: its inputs, their digest, and the members that failed. */
export type EnsembleRecord = StoreRecord<EnsembleInputs> & { failed: string[] };

/** A member as it goes into the ensemble: its fields (Stage 1) and its chunks (Stage 2). */
export interface EnsembleMember extends MemberChunks {
  member: string;
  fields: readonly FieldDescriptor[];
}

/** The record of an ensemble store made of `members`, `failed` naming those that could not be. */
export function ensembleRecord(
  run: RunId,
  format: StoreFormat,
  members: readonly MemberInputs[],
  failed: readonly string[],
): EnsembleRecord {
  const inputs: EnsembleInputs = {
    layout: STORE_LAYOUT_VERSION,
    kind: "ensemble",
    run,
    format,
    members: [...members].sort((a, b) => (a.member < b.member ? -1 : 1)),
  };
  return { ...storeRecord(inputs), failed: [...failed].sort() };
}

/** The tree of the ensemble store of `members`: the union of their fields, one time slot. */
function ensembleTreeOf(members: readonly EnsembleMember[], run: RunId): EnsembleTree {
  return buildEnsembleTree(unionFields(members), {
    times: [runEpochSeconds(run)],
    steps: stepsOf(run.cycle),
    members: MEMBER_COUNT,
  });
}

/**
 * Writes the ensemble store of `members` at `key`, its data files from `files` (encoded once for
 * the store and a collection); resolves the number of data references.
 */
export async function writeEnsembleStore(
  members: readonly EnsembleMember[],
  record: EnsembleRecord,
  options: { key: string; format: StoreFormat },
  out: Store,
  files: SlotFiles,
): Promise<number> {
  const tree = ensembleTreeOf(members, record.inputs.run);
  const attrs = { failed_members: record.failed };
  const fixed: Record<string, RefValue> = { ...ensembleMetadata(tree, attrs) };
  for (const [key, value] of slotTimeChunks(tree, 0)) fixed[key] = value;
  const extra = { gik: record };
  if (options.format === "json") {
    const data = slotDataRecords(tree, 0, members);
    await out.put(
      options.key,
      refsToJson({ version: 1, refs: { ...fixed, ...dataKeys(tree, data) } }, extra),
      {
        contentType: "application/json",
      },
    );
    return [...data.values()].reduce((n, rows) => n + rows.filter(Boolean).length, 0);
  }
  const store = refsToParquet(
    { version: 1, refs: fixed },
    { recordSize: ensembleRecordSize(tree.axes), extra },
  );
  for (const [name, bytes] of files.files(tree, 0)) if (bytes) store.set(name, bytes);
  await publishParquetStore(out, options.key, store);
  return files.refs(tree);
}

/** The data references as chunk keys (`t/instant/isobaricInhPa/t/0.7.12.1.0.0`), for the JSON layout. */
function dataKeys(tree: EnsembleTree, data: Map<string, (RefValue | undefined)[]>): Record<string, RefValue> {
  const size = ensembleRecordSize(tree.axes);
  const keys: Record<string, RefValue> = {};
  for (const group of tree.groups) {
    const path = dataArrayPath(group);
    const levels = group.levels.length;
    const counts = [tree.axes.times.length, tree.axes.members, tree.axes.steps.length];
    const grid = { counts: [...counts, ...(levels > 1 ? [levels] : []), 1, 1], size: 0 };
    for (let record = 0; record < levels * tree.axes.times.length; record++) {
      data.get(`${path}/refs.${record}.parq`)?.forEach((value, row) => {
        if (value !== undefined) keys[`${path}/${chunkName(grid, record * size + row)}`] = value;
      });
    }
  }
  return keys;
}
