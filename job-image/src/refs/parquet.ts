/**
 * fsspec's reference-parquet store (the layout `LazyReferenceMapper` reads, and kerchunk's
 * `refs_to_dataframe` writes), built in memory: the caller writes the files.
 *
 * Layout:
 * - `.zmetadata`: JSON `{"metadata": {<every .zgroup/.zattrs/.zarray key>: <its JSON>},
 *   "record_size": N, "zarr_consolidated_format": 1, …extra}`; fsspec reads only `metadata` and
 *   `record_size`, and returns the whole document for the key `.zmetadata`, which makes it Zarr's
 *   consolidated metadata as well (see `consolidated.ts`).
 * - `<array path>/refs.<r>.parq` for every array with at least one chunk reference: columns
 *   `path` (string), `offset` (int64), `size` (int64), `raw` (binary); row `i` of record `r` is the
 *   chunk numbered `r * record_size + i` in the array's C-order chunk grid.
 *
 * Notes (invariants):
 * - A row is exactly one of: a byte range (`path`, `offset`, `size`), a whole object (`path`,
 *   offset 0, size 0), inline bytes (`raw`), or missing (`path` and `raw` both null), which fsspec
 *   turns into a `KeyError` and Zarr into the array's `fill_value`.
 * - A record holds as many rows as it has chunks (fsspec's own writer pads the last record to
 *   `record_size` rows; its reader indexes rows by position, so both read the same).
 * - Metadata values come back as compact JSON text, inline chunks as `base64:` text.
 *
 * @module
 */

import { RefsError } from "../api/errors.js";
import { DataType, makeVector, Table, type Vector } from "../tables/arrow.js";
import { decodeParquet, encodeParquet } from "../tables/parquet.js";
import { binaryVector, utf8Vector } from "../tables/vectors.js";
import { type ChunkGrid, chunkGrid, chunkName, chunkNumber } from "./chunk-grid.js";
import { CONSOLIDATED_FORMAT, metadataOf, ZMETADATA } from "./consolidated.js";
import { isMetadataKey, type Refs, type RefValue } from "./types.js";
import { base64Value, checkExtra, inlineBytes } from "./values.js";

/** kerchunk's `refs_to_dataframe` default: references per parquet file. */
export const DEFAULT_RECORD_SIZE = 100_000;

const RECORD_FILE = /^(.+)\/refs\.(\d+)\.parq$/;

export interface ParquetStoreOptions {
  /** References per parquet file (kerchunk's `record_size`). */
  recordSize?: number | undefined;
  /** Extra top-level keys of `.zmetadata` (e.g. a `gik` provenance record); fsspec ignores them. */
  extra?: Record<string, unknown> | undefined;
}

/**
 * The files of the reference-parquet store of `refs`, by path relative to the store root.
 *
 * @example
 * const files = refsToParquet(refs, { extra: { gik: record } });
 * files.get(".zmetadata"); files.get("t2m/instant/heightAboveGround/t2m/refs.0.parq");
 */
export function refsToParquet(refs: Refs, options: ParquetStoreOptions = {}): Map<string, Uint8Array> {
  const recordSize = options.recordSize ?? DEFAULT_RECORD_SIZE;
  if (!Number.isSafeInteger(recordSize) || recordSize < 1) {
    throw new RefsError(ZMETADATA, `record_size must be a positive integer, not ${recordSize}`);
  }
  const extra = options.extra ?? {};
  checkExtra(extra, ["metadata", "record_size", "zarr_consolidated_format"], ZMETADATA);

  const metadata = metadataOf(refs);
  const chunksByArray = new Map<string, Map<string, RefValue>>();
  for (const key of Object.keys(refs.refs)) {
    // Consolidated metadata given in the refs is replaced by the layout's own `.zmetadata`.
    if (isMetadataKey(key) || key === ZMETADATA) continue;
    const value = refs.refs[key]!;
    const slash = key.lastIndexOf("/");
    if (slash < 1) throw new RefsError(key, "a chunk key needs an array path (`<array>/<chunk>`)");
    const array = key.slice(0, slash);
    let chunks = chunksByArray.get(array);
    if (!chunks) {
      chunks = new Map();
      chunksByArray.set(array, chunks);
    }
    chunks.set(key.slice(slash + 1), value);
  }

  const files = new Map<string, Uint8Array>();
  // A store's coordinates repeat in its groups (one latitude array in each of 48): a record of one
  // inline chunk is encoded once per value, as a Parquet file costs most of a millisecond however small.
  const inline = new Map<string, Uint8Array>();
  for (const [array, chunks] of chunksByArray) {
    const grid = arrayGrid(metadata, array);
    const rows = new Array<RefValue | undefined>(grid.size);
    for (const [name, value] of chunks) rows[chunkNumber(grid, name, `${array}/${name}`)] = value;
    for (let r = 0; r * recordSize < grid.size; r++) {
      const record = rows.slice(r * recordSize, (r + 1) * recordSize);
      const only = record.length === 1 ? record[0] : undefined;
      let bytes = typeof only === "string" ? inline.get(only) : undefined;
      if (!bytes) {
        bytes = encodeRefsRecord(record);
        if (typeof only === "string") inline.set(only, bytes);
      }
      files.set(`${array}/refs.${r}.parq`, bytes);
    }
  }
  const zmetadata = {
    metadata,
    record_size: recordSize,
    zarr_consolidated_format: CONSOLIDATED_FORMAT,
    ...extra,
  };
  files.set(ZMETADATA, new TextEncoder().encode(JSON.stringify(zmetadata)));
  return files;
}

/**
 * Reads a reference-parquet store (as written by {@link refsToParquet} or by fsspec/kerchunk)
 * back into {@link Refs}. `files` maps paths relative to the store root to their bytes.
 */
export function parquetToRefs(files: ReadonlyMap<string, Uint8Array>): Refs {
  const { metadata, recordSize } = readZmetadata(files.get(ZMETADATA));
  const refs: Record<string, RefValue> = {};
  for (const [key, value] of Object.entries(metadata)) refs[key] = JSON.stringify(value);
  for (const [file, bytes] of files) {
    if (file === ZMETADATA) continue;
    const match = RECORD_FILE.exec(file);
    if (!match) throw new RefsError(file, "is neither .zmetadata nor <array>/refs.<n>.parq");
    const array = match[1]!;
    const grid = arrayGrid(metadata, array);
    const first = Number(match[2]) * recordSize;
    if (first >= grid.size) throw new RefsError(file, `record beyond the array's ${grid.size} chunks`);
    readRecord(bytes, file, (row, value) => {
      const n = first + row;
      if (row < recordSize && n < grid.size) refs[`${array}/${chunkName(grid, n)}`] = value;
      else throw new RefsError(file, `row ${row} holds a reference beyond the record or the array`);
    });
  }
  return { version: 1, refs };
}

/** One `refs.N.parq` file: row `i` is chunk `N × record_size + i` (`undefined`: no reference). */
export function encodeRefsRecord(rows: readonly (RefValue | undefined)[]): Uint8Array {
  const n = rows.length;
  const path = new Array<string | null>(n).fill(null);
  const offset = new BigInt64Array(n);
  const size = new BigInt64Array(n);
  const raw = new Array<Uint8Array | null>(n).fill(null);
  rows.forEach((value, i) => {
    if (value === undefined) return;
    if (typeof value === "string") {
      raw[i] = inlineBytes(value);
    } else {
      path[i] = value[0];
      if (value.length === 3) {
        offset[i] = BigInt(value[1]);
        size[i] = BigInt(value[2]);
      }
    }
  });
  return encodeParquet(
    new Table({
      path: utf8Vector(path),
      offset: makeVector(offset),
      size: makeVector(size),
      raw: binaryVector(raw),
    }),
  );
}

/** The rows of one `refs.N.parq` file (`undefined` where a row holds no reference); `file` names it in errors. */
export function decodeRefsRecord(bytes: Uint8Array, file: string): (RefValue | undefined)[] {
  const rows: (RefValue | undefined)[] = [];
  readRecord(bytes, file, (row, value) => {
    rows[row] = value;
  });
  return rows;
}

/** Calls `emit(row, value)` for every row of a record file that holds a reference. */
function readRecord(bytes: Uint8Array, file: string, emit: (row: number, value: RefValue) => void): void {
  let table: Table;
  try {
    table = decodeParquet(bytes);
  } catch (cause) {
    throw new RefsError(file, "is not a Parquet file", { cause });
  }
  const path = column(table, "path", file);
  const offset = column(table, "offset", file);
  const size = column(table, "size", file);
  const raw = column(table, "raw", file);
  if (!raw && !(path && offset && size)) throw new RefsError(file, "needs columns path, offset, size or raw");
  for (let i = 0; i < table.numRows; i++) {
    const inline = raw?.get(i) as Uint8Array | null | undefined;
    if (inline) {
      emit(i, base64Value(inline));
      continue;
    }
    const url = path?.get(i) as string | null | undefined;
    if (!url) continue;
    const start = Number(offset!.get(i) ?? 0);
    const length = Number(size!.get(i) ?? 0);
    emit(i, start === 0 && length === 0 ? [url] : [url, start, length]);
  }
}

/** Accepted Arrow types per column: pandas 3 writes strings and bytes as their `large_` types. */
const COLUMN_TYPES: Record<string, { name: string; accepts: (t: DataType) => boolean }> = {
  path: { name: "string", accepts: (t) => DataType.isUtf8(t) || DataType.isLargeUtf8(t) },
  offset: { name: "int64", accepts: isInt64 },
  size: { name: "int64", accepts: isInt64 },
  raw: { name: "binary", accepts: (t) => DataType.isBinary(t) || DataType.isLargeBinary(t) },
};

function isInt64(t: DataType): boolean {
  return DataType.isInt(t) && t.bitWidth === 64 && t.isSigned;
}

function column(table: Table, name: string, file: string): Vector | undefined {
  const vector = table.getChild(name) ?? undefined;
  if (!vector) return undefined;
  // fsspec's writer may dictionary-encode `path` (a pandas categorical); its values are still strings.
  const type: DataType = DataType.isDictionary(vector.type) ? vector.type.dictionary : vector.type;
  const expected = COLUMN_TYPES[name]!;
  if (!expected.accepts(type)) {
    throw new RefsError(file, `column ${name} has type ${String(vector.type)}, expected ${expected.name}`);
  }
  return vector;
}

function readZmetadata(bytes: Uint8Array | undefined): {
  metadata: Record<string, unknown>;
  recordSize: number;
} {
  if (!bytes) throw new RefsError(ZMETADATA, "missing: not a reference-parquet store");
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new RefsError(ZMETADATA, "is not UTF-8 JSON", { cause });
  }
  const { metadata, record_size } = (doc ?? {}) as { metadata?: unknown; record_size?: unknown };
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new RefsError(ZMETADATA, "has no `metadata` object");
  }
  if (!Number.isSafeInteger(record_size) || (record_size as number) < 1) {
    throw new RefsError(
      ZMETADATA,
      `record_size must be a positive integer, not ${JSON.stringify(record_size)}`,
    );
  }
  return { metadata: metadata as Record<string, unknown>, recordSize: record_size as number };
}

function arrayGrid(metadata: Record<string, unknown>, array: string): ChunkGrid {
  const key = `${array}/.zarray`;
  if (!(key in metadata)) throw new RefsError(key, "missing, but the store has chunks of this array");
  return chunkGrid(metadata[key], key);
}
