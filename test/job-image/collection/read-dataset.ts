/**
 * What a reader sees of a reference-parquet store, read as fsspec's LazyReferenceMapper reads it:
 * `.zmetadata` first, then, for every array it lists, the `refs.N.parq` files within the array's
 * chunk grid. Files beyond the published shapes (left by an append that did not commit) are not
 * read, as no reader reads them.
 */
import { chunkGrid, chunkName } from "../../../job-image/src/refs/chunk-grid.js";
import { decodeRefsRecord } from "../../../job-image/src/refs/parquet.js";
import type { RefValue } from "../../../job-image/src/refs/types.js";
import type { Store } from "../../../job-image/src/storage/types.js";

export async function readDataset(store: Store): Promise<Record<string, unknown>> {
  const bytes = await store.get(".zmetadata");
  if (!bytes) throw new Error("no .zmetadata: not readable");
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as {
    metadata: Record<string, unknown>;
    record_size: number;
  };
  const seen: Record<string, unknown> = { ".zmetadata": doc.metadata };
  for (const [key, zarray] of Object.entries(doc.metadata)) {
    if (!key.endsWith("/.zarray")) continue;
    const array = key.slice(0, -"/.zarray".length);
    const grid = chunkGrid(zarray, key);
    for (let r = 0; r * doc.record_size < grid.size; r++) {
      const file = await store.get(`${array}/refs.${r}.parq`);
      if (!file) continue;
      decodeRefsRecord(file, `${array}/refs.${r}.parq`).forEach((value: RefValue | undefined, row) => {
        const n = r * doc.record_size + row;
        if (value !== undefined && n < grid.size) seen[`${array}/${chunkName(grid, n)}`] = value;
      });
    }
  }
  return seen;
}
