/**
 * Stage 1 — the tree: a member's Zarr hierarchy, metadata and coordinates, built from its fields
 * in the templates' manifest alone (no GRIB file is read, no fresh index either: the tree exists
 * before the mapping fills it).
 *
 * The hierarchy is kerchunk's `grib_tree`: `<var>/<stepType>/<typeOfLevel>/<var>`, where `<var>`
 * is ecCodes' `cfVarName` (else `shortName`). Each level group holds the data array (dims
 * `time, step[, <typeOfLevel>], latitude, longitude`, one chunk per GRIB message) and the
 * coordinates `time`, `step`, `valid_time`, `number`, `latitude`, `longitude` and the level
 * coordinate (a dimension when the group has several levels, a scalar otherwise), with the
 * attributes cfgrib gives them.
 *
 * Notes (invariants):
 * - Every group spans every step of the run; a field absent at a step has no chunk reference and
 *   reads as the fill value NaN (e.g. `mx2t3` at step 0 and after 144 h).
 * - Two fields may never land on the same (group, level): that is refused, not overwritten.
 *
 * @module
 */
import { TemplateError } from "../api/errors.js";
import { type RunId, runEpochSeconds } from "../api/run-id.js";
import type { RegularLatLonGrid } from "../grib/types.js";
import type { RefValue } from "../refs/types.js";
import type { FieldDescriptor } from "../templates/manifest.js";
import { float64Chunk, int64Chunk, latitudes, longitudes } from "./coordinates.js";
import { array, coordinate, json, zgroup } from "./zarr-metadata.js";

export interface TreeGroup {
  /** `<var>/<stepType>/<typeOfLevel>` */
  path: string;
  varname: string;
  stepType: string;
  typeOfLevel: string;
  name: string;
  /** Levels of the group, ascending; a dimension when there are several. */
  levels: number[];
  gribAttrs: Record<string, unknown>;
  grid: RegularLatLonGrid;
}

export interface Tree {
  run: RunId;
  number: number;
  /** The run's steps (hours), the `step` dimension of every group. */
  steps: number[];
  groups: TreeGroup[];
  /** Where each field (`attrs`) goes: its group and its index on the level dimension. */
  placement: Map<string, { group: TreeGroup; levelIndex: number }>;
}

/** A store's fields grouped into the `grib_tree` hierarchy, and where each field goes. */
export interface Groups {
  groups: TreeGroup[];
  /** Where each field (`attrs`) goes: its group and its index on the level dimension. */
  placement: Map<string, { group: TreeGroup; levelIndex: number }>;
}

/**
 * Groups fields into the `grib_tree` hierarchy: one group per `<var>/<stepType>/<typeOfLevel>`,
 * its levels ascending. Two fields on one (group, level), or one group on two grids, are refused.
 */
export function groupFields(fields: readonly FieldDescriptor[]): Groups {
  const byPath = new Map<string, { group: TreeGroup; fields: FieldDescriptor[] }>();
  for (const field of fields) {
    const path = `${field.varname}/${field.stepType}/${field.typeOfLevel}`;
    let entry = byPath.get(path);
    if (!entry) {
      entry = {
        group: {
          path,
          varname: field.varname,
          stepType: field.stepType,
          typeOfLevel: field.typeOfLevel,
          name: field.name,
          levels: [],
          gribAttrs: field.attributes,
          grid: field.grid,
        },
        fields: [],
      };
      byPath.set(path, entry);
    }
    const clash = entry.fields.find((f) => f.level === field.level);
    if (clash) {
      throw new TemplateError(
        path,
        `fields ${clash.attrs} and ${field.attrs} both map to level ${field.level}; refusing to let one overwrite the other`,
      );
    }
    const first = entry.fields[0];
    if (first && JSON.stringify(field.grid) !== JSON.stringify(first.grid)) {
      throw new TemplateError(path, `field ${field.attrs} is on another grid than ${first.attrs}`);
    }
    entry.fields.push(field);
  }
  const groups: TreeGroup[] = [];
  const placement = new Map<string, { group: TreeGroup; levelIndex: number }>();
  for (const path of [...byPath.keys()].sort()) {
    const { group, fields: members } = byPath.get(path)!;
    group.levels = members.map((f) => f.level).sort((a, b) => a - b);
    for (const f of members) placement.set(f.attrs, { group, levelIndex: group.levels.indexOf(f.level) });
    groups.push(group);
  }
  return { groups, placement };
}

/**
 * A member's tree: its fields in the `grib_tree` hierarchy, over the run's steps.
 *
 * @example
 * const tree = buildTree(fields, { date: "20250101", cycle: 0 }, 7, stepsOf(0));
 * tree.groups.map((g) => g.path) // ["t/instant/isobaricInhPa", "t2m/instant/heightAboveGround", …]
 */
export function buildTree(
  fields: readonly FieldDescriptor[],
  run: RunId,
  number: number,
  steps: number[],
): Tree {
  return { run, number, steps, ...groupFields(fields) };
}

/** True when the group's level coordinate is a dimension of its arrays. */
export function hasLevelDimension(group: TreeGroup): boolean {
  return group.levels.length > 1;
}

/** The Zarr key of the chunk holding `attrs` at step index `stepIndex`. */
export function chunkKey(tree: Tree, attrs: string, stepIndex: number): string | undefined {
  const place = tree.placement.get(attrs);
  if (!place) return undefined;
  const { group, levelIndex } = place;
  const level = hasLevelDimension(group) ? `${levelIndex}.` : "";
  return `${group.path}/${group.varname}/0.${stepIndex}.${level}0.0`;
}

/** Metadata and coordinate references of the whole tree (everything but the data chunks). */
export function treeRefs(tree: Tree): Record<string, RefValue> {
  const refs: Record<string, RefValue> = { ".zgroup": zgroup(), ".zattrs": json({}) };
  const seen = new Set<string>();
  const shared = sharedChunks();
  for (const group of tree.groups) {
    for (const [prefix, attrs] of [
      [group.varname, { name: group.name }],
      [`${group.varname}/${group.stepType}`, { stepType: group.stepType }],
    ] as const) {
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      refs[`${prefix}/.zgroup`] = zgroup();
      refs[`${prefix}/.zattrs`] = json(attrs);
    }
    Object.assign(refs, groupRefs(tree, group, shared));
  }
  return refs;
}

/**
 * Inline chunks computed once per tree and key: a tree's groups repeat the same latitudes and
 * longitudes (one grid), steps and time, and groups of as many levels the same `valid_time` and
 * `number` (a whole run writes 51 trees of 48 groups).
 */
function sharedChunks(): (key: string, make: () => string) => string {
  const chunks = new Map<string, string>();
  return (key, make) => {
    let chunk = chunks.get(key);
    if (chunk === undefined) {
      chunk = make();
      chunks.set(key, chunk);
    }
    return chunk;
  };
}

function groupRefs(
  tree: Tree,
  group: TreeGroup,
  shared: ReturnType<typeof sharedChunks>,
): Record<string, RefValue> {
  const p = group.path;
  const level = group.typeOfLevel;
  const levelDim = hasLevelDimension(group) ? [level] : [];
  const nLevels = group.levels.length;
  const grid = JSON.stringify(group.grid);
  const lat = {
    length: group.grid.Nj,
    chunk: shared(`latitude ${grid}`, () => float64Chunk(latitudes(group.grid))),
  };
  const lon = {
    length: group.grid.Ni,
    chunk: shared(`longitude ${grid}`, () => float64Chunk(longitudes(group.grid))),
  };
  const time = runEpochSeconds(tree.run);
  const repeat = levelDim.length ? nLevels : 1;
  const perStep = (value: (step: number) => number) => {
    const values: number[] = [];
    for (const s of tree.steps) for (let k = 0; k < repeat; k++) values.push(value(s));
    return values;
  };
  const shapeTS = [1, tree.steps.length, ...(levelDim.length ? [nLevels] : [])];
  const refs: Record<string, RefValue> = {
    [`${p}/.zgroup`]: zgroup(),
    [`${p}/.zattrs`]: json({
      typeOfLevel: level,
      coordinates: [level, "latitude", "longitude", "number", "step", "time", "valid_time"].join(" "),
    }),
    ...array(`${p}/${group.varname}`, {
      shape: [...shapeTS, lat.length, lon.length],
      chunks: [...shapeTS.map(() => 1), lat.length, lon.length],
      dtype: "<f8",
      fill: "NaN",
      filters: [{ id: "grib", var: group.varname, dtype: "float64" }],
      attrs: {
        ...group.gribAttrs,
        _ARRAY_DIMENSIONS: ["time", "step", ...levelDim, "latitude", "longitude"],
      },
    }),
    ...coordinate(`${p}/latitude`, "latitude", [lat.length], ["latitude"], lat.chunk),
    ...coordinate(`${p}/longitude`, "longitude", [lon.length], ["longitude"], lon.chunk),
    ...coordinate(
      `${p}/time`,
      "time",
      [1],
      ["time"],
      shared("time", () => int64Chunk([time])),
      "<i8",
    ),
    ...coordinate(
      `${p}/step`,
      "step",
      [tree.steps.length],
      ["step"],
      shared("step", () => int64Chunk(tree.steps)),
      "<i8",
    ),
    ...coordinate(
      `${p}/valid_time`,
      "valid_time",
      shapeTS,
      ["time", "step", ...levelDim],
      shared(`valid_time ${repeat}`, () => int64Chunk(perStep((s) => time + s * 3600))),
      "<i8",
    ),
    ...coordinate(
      `${p}/number`,
      "number",
      shapeTS,
      ["time", "step", ...levelDim],
      shared(`number ${repeat}`, () => int64Chunk(perStep(() => tree.number))),
      "<i8",
    ),
    ...coordinate(
      `${p}/${level}`,
      level,
      levelDim.length ? [nLevels] : [],
      levelDim,
      float64Chunk(group.levels),
    ),
  };
  return refs;
}
