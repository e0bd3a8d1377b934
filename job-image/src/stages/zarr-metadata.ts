/**
 * Zarr v2 metadata as reference values: groups, arrays, and coordinate arrays with their one inline
 * chunk and the attributes cfgrib gives them (`templates/reader-conventions.json`). Both kinds of
 * store (a member's, an ensemble's) describe their arrays with these.
 *
 * @module
 */
import type { RefValue } from "../refs/types.js";
import conventions from "../templates/reader-conventions.json" with { type: "json" };

type CoordinateName = keyof typeof conventions.coordinateAttributes;

export interface ArraySpec {
  shape: number[];
  chunks: number[];
  dtype: "<f8" | "<i8";
  fill: "NaN" | null;
  filters: unknown[] | null;
  attrs: Record<string, unknown>;
}

/** `.zarray` and `.zattrs` of the array at `path`. */
export function array(path: string, spec: ArraySpec): Record<string, RefValue> {
  return {
    [`${path}/.zarray`]: json({
      shape: spec.shape,
      chunks: spec.chunks,
      dtype: spec.dtype,
      fill_value: spec.fill,
      order: "C",
      filters: spec.filters,
      dimension_separator: ".",
      compressor: null,
      zarr_format: 2,
    }),
    [`${path}/.zattrs`]: json(spec.attrs),
  };
}

/** cfgrib's attributes of the coordinate `name` over `dims`. */
export function coordinateAttributes(name: string, dims: readonly string[]): Record<string, unknown> {
  const known = (conventions.coordinateAttributes as Record<string, Record<string, string>>)[
    name as CoordinateName
  ];
  return { ...known, _ARRAY_DIMENSIONS: dims };
}

/** A coordinate array of one chunk holding all its values (`chunk`, inline), with cfgrib's attributes. */
export function coordinate(
  path: string,
  name: string,
  shape: number[],
  dims: string[],
  chunk: string,
  dtype: "<f8" | "<i8" = "<f8",
): Record<string, RefValue> {
  return {
    ...array(path, {
      shape,
      chunks: shape,
      dtype,
      fill: null,
      filters: null,
      attrs: coordinateAttributes(name, dims),
    }),
    [`${path}/${shape.length ? shape.map(() => "0").join(".") : "0"}`]: chunk,
  };
}

export function zgroup(): string {
  return json({ zarr_format: 2 });
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}
