/**
 * Parquet ⇄ Apache Arrow, the one place gik encodes and decodes Parquet (templates and
 * reference stores alike). parquet-wasm does the Parquet work on Arrow IPC streams; apache-arrow
 * builds and reads the tables.
 *
 * parquet-wasm is loaded on first use, with `require`: imported as a module, its CommonJS build
 * (with its WebAssembly) cost every gik process 35–45 ms at start, where `require` takes 25 ms
 * (no search for the build's exports), and a run that writes kerchunk JSON never needs it.
 *
 * @module
 */

import { createRequire } from "node:module";
import type * as ParquetWasm from "parquet-wasm";
import { type Table, tableFromIPC, tableToIPC } from "./arrow.js";

let loaded: typeof ParquetWasm | undefined;

function parquetWasm(): typeof ParquetWasm {
  loaded ??= createRequire(import.meta.url)("parquet-wasm") as typeof ParquetWasm;
  return loaded;
}

/**
 * Encodes an Arrow table as one Parquet file (Snappy). Snappy, not zstd: most files gik writes are
 * a few kilobytes (one chunk reference per step), where zstd's set-up for each column costs three
 * times the rest of the encoding, for a file a fifth smaller. The column statistics stay, though no
 * reader filters on them: fastparquet (fsspec's engine for reference files) reads a nullable
 * integer column (`offset`, `size`) as floats unless its statistics count no nulls, and fsspec then
 * cannot read a byte range at a float offset.
 *
 * `dictionary` (default on): fastparquet reads a reference file's dictionary-encoded strings in
 * about four fifths of the time of plain ones.
 */
export function encodeParquet(table: Table, options: { dictionary?: boolean } = {}): Uint8Array {
  const parquet = parquetWasm();
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, "stream"));
  const props = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.SNAPPY)
    .setDictionaryEnabled(options.dictionary ?? true)
    .build();
  return parquet.writeParquet(wasmTable, props);
}

/** Decodes a Parquet file into an Arrow table. */
export function decodeParquet(bytes: Uint8Array): Table {
  return tableFromIPC(parquetWasm().readParquet(bytes).intoIPCStream());
}
