/**
 * Stage 3 — the store: one reference store per member, in fsspec's reference-parquet layout or as
 * kerchunk JSON, published so that readers see it complete or not at all.
 *
 * Notes (invariants):
 * - Publishing order: the old store is first unpublished (its `.zmetadata` removed), then every
 *   reference file is written, stale ones removed, and `.zmetadata` written last. A JSON store is
 *   one object, replaced atomically.
 * - A store records the inputs that made it (`gik.inputs`, digested into `gik.digest`); a run whose
 *   inputs have the same digest leaves the store untouched.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { RefsError } from "../api/errors.js";
import type { RunId } from "../api/run-id.js";
import type { StoreFormat } from "../api/store-layout.js";
import { ZMETADATA } from "../refs/consolidated.js";
import { refsToJson } from "../refs/json.js";
import { refsToParquet } from "../refs/parquet.js";
import type { Refs, RefValue } from "../refs/types.js";
import type { SourceFile } from "../source/step-files.js";
import type { Store } from "../storage/types.js";
import type { ChunkRef } from "./chunk-list.js";
import { chunkKey, type Tree, treeRefs } from "./tree.js";

/** Version of the store layout gik writes; part of every digest, so a layout change rewrites stores. */
export const STORE_LAYOUT_VERSION = 1;

/** What made one member's references: its templates and the index files of the target run. */
export interface MemberInputs {
  member: string;
  referenceRun: RunId;
  templatesFingerprint: string;
  sources: SourceFile[];
}

/** What made a member's store: recorded in it, and compared on the next run. */
export interface StoreInputs extends MemberInputs {
  layout: number;
  run: RunId;
  format: StoreFormat;
}

/** A store's record of what made it (`gik` in its metadata), with the digest compared on the next run. */
export interface StoreRecord<I = StoreInputs> {
  inputs: I;
  digest: string;
}

/** The record of `inputs`, with its digest. */
export function storeRecord<I>(inputs: I): StoreRecord<I> {
  return { inputs, digest: `sha256:${createHash("sha256").update(JSON.stringify(inputs)).digest("hex")}` };
}

/** The complete references of a member's store: the tree plus one chunk per mapped message. */
export function storeRefs(tree: Tree, mapped: Iterable<ChunkRef>): Refs {
  const refs: Record<string, RefValue> = treeRefs(tree);
  const stepIndex = new Map(tree.steps.map((s, i) => [s, i]));
  for (const row of mapped) {
    const i = stepIndex.get(row.step);
    const key = i === undefined ? undefined : chunkKey(tree, row.attrs, i);
    if (key === undefined) throw new RefsError(row.attrs, `no place in the tree at step ${row.step}`);
    refs[key] = [row.uri, row.offset, row.length];
  }
  return { version: 1, refs };
}

/**
 * What is published at a store's key: nothing, a store with its record, or bytes that are not one
 * (a `.zmetadata` cut short, a store no gik wrote). A corrupt store is not mistaken for none: the
 * caller reports it, and the next publish replaces it whole.
 */
export type ExistingStore<I = StoreInputs> =
  | { state: "none" }
  | { state: "published"; record: StoreRecord<I> }
  | { state: "corrupt"; reason: string };

/** What is published at `key` (see {@link ExistingStore}). */
export async function readExistingStore<I = StoreInputs>(
  out: Store,
  key: string,
  format: StoreFormat,
): Promise<ExistingStore<I>> {
  const metadataKey = format === "json" ? key : `${key}/${ZMETADATA}`;
  const bytes = await out.get(metadataKey);
  if (!bytes) return { state: "none" };
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    return { state: "corrupt", reason: `${out.url(metadataKey)} is not JSON (${(err as Error).message})` };
  }
  const record = (doc as { gik?: Partial<StoreRecord<I>> } | null)?.gik;
  if (typeof record?.digest !== "string" || typeof record.inputs !== "object") {
    return { state: "corrupt", reason: `${out.url(metadataKey)} holds no gik record of the inputs` };
  }
  return { state: "published", record: record as StoreRecord<I> };
}

export interface WriteStoreOptions {
  key: string;
  format: StoreFormat;
  record: StoreRecord;
  recordSize?: number;
}

/** Serializes and publishes `refs` at `key` under `out`. Returns the number of references. */
export async function writeStore(refs: Refs, options: WriteStoreOptions, out: Store): Promise<number> {
  const extra = { gik: options.record };
  if (options.format === "json") {
    await out.put(options.key, refsToJson(refs, extra), { contentType: "application/json" });
  } else {
    await publishParquetStore(
      out,
      options.key,
      refsToParquet(refs, { recordSize: options.recordSize, extra }),
    );
  }
  return Object.keys(refs.refs).length;
}

/**
 * Publishes the files of a reference-parquet store at `key` (a directory) so that readers see it
 * whole or not at all: the old store is unpublished first (its `.zmetadata` removed), every other
 * file written and stale ones removed, `.zmetadata` last.
 */
export async function publishParquetStore(
  out: Store,
  key: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  const marker = files.get(ZMETADATA);
  if (!marker) throw new RefsError(`${key}/${ZMETADATA}`, "a reference-parquet store needs its .zmetadata");
  const prefix = `${key}/`;
  // The listing goes beside the unpublishing: nothing is deleted or written before both are done.
  const stale: string[] = [];
  const listed = (async () => {
    for await (const { key: existing } of out.list(prefix)) {
      if (!files.has(existing.slice(prefix.length))) stale.push(existing);
    }
  })();
  await Promise.all([out.delete(prefix + ZMETADATA), listed]);
  await Promise.all(stale.map((k) => out.delete(k)));
  await Promise.all(
    [...files].filter(([name]) => name !== ZMETADATA).map(([name, bytes]) => out.put(prefix + name, bytes)),
  );
  await out.put(prefix + ZMETADATA, marker, { contentType: "application/json" });
}
