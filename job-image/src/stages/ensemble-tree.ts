/**
 * Stage 1 for the ensemble as one dataset: the hierarchy of the member stores
 * (`<var>/<stepType>/<typeOfLevel>/<var>`), each data array with the members along `number` and the
 * runs along `time`, and where every chunk's reference goes in fsspec's reference-parquet layout.
 * The ensemble store of one run is this tree with one time slot; a collection has one slot per run.
 *
 * Notes (invariants, see docs/ensemble.md for why):
 * - Data arrays have dimensions `time, number, step[, <level>], latitude, longitude` (cfgrib's
 *   order, `time` moved first) and one chunk per GRIB message.
 * - The record size is `members × steps`: in C order a time slot holds `members × steps × levels`
 *   chunks of an array, so each slot's references fill whole `refs.N.parq` files of their own
 *   (`levels` of them per array) and writing one run never touches another run's files.
 * - `time` has one chunk per slot and `valid_time` (time × step) one row of steps per slot: their
 *   values follow from the slot's time alone, so rewriting them for more slots never changes the
 *   values of slots already there.
 * - `number` is 0 … members − 1 (0 is the control); a member without references reads as NaN.
 *
 * @module
 */
import { RefsError } from "../api/errors.js";
import type { RefValue } from "../refs/types.js";
import type { FieldDescriptor } from "../templates/manifest.js";
import type { ChunkRef } from "./chunk-list.js";
import { float64Chunk, int64Chunk, latitudes, longitudes } from "./coordinates.js";
import { type Groups, groupFields, hasLevelDimension, type TreeGroup } from "./tree.js";
import { type ArraySpec, array, coordinate, coordinateAttributes, json, zgroup } from "./zarr-metadata.js";

/** The axes an ensemble dataset spans besides its levels and grid. */
export interface EnsembleAxes {
  /** Reference time of each slot, seconds since the epoch, ascending. */
  times: readonly number[];
  /** Forecast steps in hours. */
  steps: readonly number[];
  /** Length of the `number` axis (51: the control and 50 perturbed members). */
  members: number;
}

export interface EnsembleTree extends Groups {
  axes: EnsembleAxes;
}

/**
 * The union of members' fields, as an ensemble dataset describes them: where both kinds have a
 * field, a perturbed member's attributes (50 of 51 members are perturbed).
 */
export function unionFields(
  members: ReadonlyArray<{ number: number; fields: readonly FieldDescriptor[] }>,
): FieldDescriptor[] {
  const fields = new Map<string, FieldDescriptor>();
  for (const m of [...members].sort((a, b) => b.number - a.number)) {
    for (const f of m.fields) if (!fields.has(f.attrs)) fields.set(f.attrs, f);
  }
  return [...fields.values()];
}

/** The ensemble tree of `fields` (the union over members and runs) on `axes`. */
export function buildEnsembleTree(fields: readonly FieldDescriptor[], axes: EnsembleAxes): EnsembleTree {
  return { axes, ...groupFields(fields) };
}

/** References per `refs.N.parq` file: the chunks of one level of one array in one time slot. */
export function ensembleRecordSize(axes: Pick<EnsembleAxes, "steps" | "members">): number {
  return axes.members * axes.steps.length;
}

/** The path of a group's data array. */
export function dataArrayPath(group: TreeGroup): string {
  return `${group.path}/${group.varname}`;
}

/**
 * Metadata of the whole tree and its fixed coordinates (latitude, longitude, step, number, the
 * level): everything but the data chunks and the per-slot `time` and `valid_time` chunks.
 * `attrs` become the root group's attributes.
 */
export function ensembleMetadata(
  tree: EnsembleTree,
  attrs: Record<string, unknown>,
): Record<string, RefValue> {
  const refs: Record<string, RefValue> = { ".zgroup": zgroup(), ".zattrs": json(attrs) };
  const seen = new Set<string>();
  for (const group of tree.groups) {
    for (const [prefix, groupAttrs] of [
      [group.varname, { name: group.name }],
      [`${group.varname}/${group.stepType}`, { stepType: group.stepType }],
    ] as const) {
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      refs[`${prefix}/.zgroup`] = zgroup();
      refs[`${prefix}/.zattrs`] = json(groupAttrs);
    }
    Object.assign(refs, groupMetadata(tree, group));
  }
  return refs;
}

function groupMetadata(tree: EnsembleTree, group: TreeGroup): Record<string, RefValue> {
  const { times, steps, members } = tree.axes;
  const p = group.path;
  const level = group.typeOfLevel;
  const levelDim = hasLevelDimension(group) ? [level] : [];
  const lat = latitudes(group.grid);
  const lon = longitudes(group.grid);
  const leading = [times.length, members, steps.length, ...(levelDim.length ? [group.levels.length] : [])];
  return {
    [`${p}/.zgroup`]: zgroup(),
    [`${p}/.zattrs`]: json({
      typeOfLevel: level,
      coordinates: [level, "latitude", "longitude", "number", "step", "time", "valid_time"].join(" "),
    }),
    ...array(dataArrayPath(group), {
      shape: [...leading, lat.length, lon.length],
      chunks: [...leading.map(() => 1), lat.length, lon.length],
      dtype: "<f8",
      fill: "NaN",
      filters: [{ id: "grib", var: group.varname, dtype: "float64" }],
      attrs: {
        ...group.gribAttrs,
        _ARRAY_DIMENSIONS: ["time", "number", "step", ...levelDim, "latitude", "longitude"],
      },
    }),
    ...coordinate(`${p}/latitude`, "latitude", [lat.length], ["latitude"], float64Chunk(lat)),
    ...coordinate(`${p}/longitude`, "longitude", [lon.length], ["longitude"], float64Chunk(lon)),
    ...coordinate(`${p}/step`, "step", [steps.length], ["step"], int64Chunk(steps), "<i8"),
    ...coordinate(
      `${p}/number`,
      "number",
      [members],
      ["number"],
      int64Chunk(Array.from({ length: members }, (_, n) => n)),
      "<i8",
    ),
    ...coordinate(
      `${p}/${level}`,
      level,
      levelDim.length ? [group.levels.length] : [],
      levelDim,
      float64Chunk(group.levels),
    ),
    ...array(`${p}/time`, timeSpec("time", times.length, steps.length)),
    ...array(`${p}/valid_time`, timeSpec("valid_time", times.length, steps.length)),
  };
}

/** `time` (one chunk per slot) or `valid_time` (one row of steps per slot), without chunks. */
function timeSpec(name: "time" | "valid_time", slots: number, steps: number): ArraySpec {
  const perSlot = name === "time" ? [] : [steps];
  return {
    shape: [slots, ...perSlot],
    chunks: [1, ...perSlot],
    dtype: "<i8",
    fill: null,
    filters: null,
    attrs: coordinateAttributes(name, name === "time" ? ["time"] : ["time", "step"]),
  };
}

/** The `time` and `valid_time` chunks of slot `slot` of every group, as chunk key → inline value. */
export function slotTimeChunks(tree: EnsembleTree, slot: number): Map<string, RefValue> {
  const time = tree.axes.times[slot]!;
  const chunks = new Map<string, RefValue>();
  const timeChunk = int64Chunk([time]);
  const validChunk = int64Chunk(tree.axes.steps.map((s) => time + s * 3600));
  for (const group of tree.groups) {
    chunks.set(`${group.path}/time/${slot}`, timeChunk);
    chunks.set(`${group.path}/valid_time/${slot}.0`, validChunk);
  }
  return chunks;
}

/** A member's mapped messages, as they go into an ensemble dataset. */
export interface MemberChunks {
  /** Position on the `number` axis (0: the control). */
  number: number;
  chunks: Iterable<ChunkRef>;
}

/**
 * The reference files of one time slot of every data array: `<array>/refs.<N>.parq` → its rows (a
 * row per chunk, `undefined` where no message is), for every record of the slot, empty or not, so
 * that a writer can remove what an earlier write of the slot left. Pure.
 */
export function slotDataRecords(
  tree: EnsembleTree,
  slot: number,
  members: readonly MemberChunks[],
): Map<string, (RefValue | undefined)[]> {
  const size = ensembleRecordSize(tree.axes);
  const stepIndex = new Map(tree.axes.steps.map((s, i) => [s, i]));
  const records = new Map<string, (RefValue | undefined)[]>();
  const recordsOf = new Map<TreeGroup, (RefValue | undefined)[][]>();
  for (const group of tree.groups) {
    const rows = Array.from({ length: group.levels.length }, () => new Array<RefValue | undefined>(size));
    recordsOf.set(group, rows);
    rows.forEach((r, k) => {
      records.set(`${dataArrayPath(group)}/refs.${slot * group.levels.length + k}.parq`, r);
    });
  }
  const steps = tree.axes.steps.length;
  for (const { number, chunks } of members) {
    for (const chunk of chunks) {
      const place = tree.placement.get(chunk.attrs);
      const s = stepIndex.get(chunk.step);
      if (!place || s === undefined)
        throw new RefsError(chunk.attrs, `no place in the ensemble tree at step ${chunk.step}`);
      // C order within the slot: number, step, level.
      const levels = place.group.levels.length;
      const i = (number * steps + s) * levels + place.levelIndex;
      recordsOf.get(place.group)![Math.floor(i / size)]![i % size] = [chunk.uri, chunk.offset, chunk.length];
    }
  }
  return records;
}
