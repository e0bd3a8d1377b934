/**
 * The chunk grid of a Zarr v2 array, as fsspec's `LazyReferenceMapper` numbers it: chunk keys
 * (`0.3.0.0`, `0` for a 0-d array) ⇄ C-order chunk numbers, split into records of `recordSize`.
 *
 * Notes (invariants):
 * - The grid is `ceil(shape / chunks)` per dimension; a 0-d array has the grid `[1]` and one chunk
 *   keyed `0`, as fsspec's `_get_chunk_sizes` makes it.
 * - Only the `.` dimension separator exists in this layout: fsspec splits a key's last path
 *   segment on `.` to find its chunk.
 *
 * @module
 */
import { RefsError } from "../api/errors.js";

export interface ChunkGrid {
  /** Number of chunks along each dimension (`[1]` for a 0-d array). */
  readonly counts: readonly number[];
  /** Total number of chunks. */
  readonly size: number;
}

/**
 * The chunk grid of the array whose `.zarray` JSON text is `zarray`, stored at `key`.
 *
 * @example
 * chunkGrid('{"shape":[1,85,721,1440],"chunks":[1,1,721,1440],…}', "t2m/.zarray").counts // [1, 85, 1, 1]
 */
export function chunkGrid(zarray: unknown, key: string): ChunkGrid {
  if (typeof zarray !== "object" || zarray === null) throw new RefsError(key, "is not a JSON object");
  const { shape, chunks, dimension_separator } = zarray as Record<string, unknown>;
  if (!isIntArray(shape) || !isIntArray(chunks) || shape.length !== chunks.length) {
    throw new RefsError(key, "needs integer `shape` and `chunks` of the same length");
  }
  if (dimension_separator !== undefined && dimension_separator !== ".") {
    throw new RefsError(key, `dimension_separator ${JSON.stringify(dimension_separator)} is not "."`);
  }
  if (chunks.some((c) => c < 1)) throw new RefsError(key, "has a chunk length below 1");
  const counts = shape.length === 0 ? [1] : shape.map((s, i) => Math.ceil(s / chunks[i]!));
  return { counts, size: counts.reduce((a, b) => a * b, 1) };
}

/** The C-order chunk number of chunk `name` (`0.3.0.0`), or an error naming `key`. */
export function chunkNumber(grid: ChunkGrid, name: string, key: string): number {
  const parts = name.split(".");
  if (parts.length !== grid.counts.length) {
    throw new RefsError(key, `chunk key has ${parts.length} indices, the array has ${grid.counts.length}`);
  }
  let n = 0;
  for (let d = 0; d < parts.length; d++) {
    const i = Number(parts[d]);
    const count = grid.counts[d]!;
    if (!/^\d+$/.test(parts[d]!) || i >= count) {
      throw new RefsError(key, `chunk index ${parts[d]} outside 0..${count - 1} on dimension ${d}`);
    }
    n = n * count + i;
  }
  return n;
}

/** The chunk name (`0.3.0.0`) of C-order chunk number `n`. */
export function chunkName(grid: ChunkGrid, n: number): string {
  const idx = new Array<number>(grid.counts.length);
  let rest = n;
  for (let d = grid.counts.length - 1; d >= 0; d--) {
    const count = grid.counts[d]!;
    idx[d] = rest % count;
    rest = Math.floor(rest / count);
  }
  return idx.join(".");
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
}
