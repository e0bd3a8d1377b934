/**
 * A small reference set shaped like a gik store: nested groups, a data array with a missing
 * chunk, inline float64 chunks, a 0-d array and byte ranges of one remote file.
 *
 * @module
 */
import type { Refs, RefValue } from "../../../job-image/src/refs/types.js";

/** Little-endian float64 values as an inline `base64:` chunk. */
export function float64Inline(values: readonly number[]): string {
  return `base64:${Buffer.from(new Float64Array(values).buffer).toString("base64")}`;
}

export interface SyntheticOptions {
  /** URL written into every byte-range reference. */
  url: string;
  /** `[offset, length]` of each of the data array's present chunks, in C order. */
  ranges: readonly (readonly [number, number])[];
  /** The six values of the inline chunk (step 0, level 0). */
  inline?: readonly number[];
}

const DATA = "t2m/instant/heightAboveGround/t2m";

/** The key of the data chunk at (step, level), with a 2×3 spatial grid in one chunk. */
export function dataKey(step: number, level: number): string {
  return `${DATA}/0.${step}.${level}.0.0`;
}

/**
 * Refs of a tree `t2m/instant/heightAboveGround/{t2m,step,latitude,number}`: `t2m` has shape
 * `[1, 4, 2, 2, 3]` (time, step, level, lat, lon) in chunks `[1, 1, 1, 2, 3]`, with chunks
 * (step 3, level 1) missing and (step 0, level 0) inline; `number` is 0-d.
 */
export function syntheticRefs(options: SyntheticOptions): Refs {
  const zarray = (shape: number[], chunks: number[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      chunks,
      compressor: null,
      dtype: "<f8",
      fill_value: "NaN",
      filters: null,
      order: "C",
      shape,
      zarr_format: 2,
      ...extra,
    });
  const attrs = (dims: string[], more: Record<string, unknown> = {}) =>
    JSON.stringify({ _ARRAY_DIMENSIONS: dims, ...more });
  const group = JSON.stringify({ zarr_format: 2 });
  const refs: Record<string, RefValue> = {
    ".zgroup": group,
    ".zattrs": JSON.stringify({ title: "synthetic" }),
    "t2m/.zgroup": group,
    "t2m/instant/.zgroup": group,
    "t2m/instant/heightAboveGround/.zgroup": group,
    [`${DATA}/.zarray`]: zarray([1, 4, 2, 2, 3], [1, 1, 1, 2, 3]),
    [`${DATA}/.zattrs`]: attrs(["time", "step", "heightAboveGround", "latitude", "longitude"], {
      units: "K",
    }),
    "t2m/instant/heightAboveGround/step/.zarray": zarray([4], [4]),
    "t2m/instant/heightAboveGround/step/.zattrs": attrs(["step"]),
    "t2m/instant/heightAboveGround/step/0": float64Inline([0, 3, 6, 9]),
    "t2m/instant/heightAboveGround/latitude/.zarray": zarray([2], [2]),
    "t2m/instant/heightAboveGround/latitude/.zattrs": attrs(["latitude"]),
    "t2m/instant/heightAboveGround/latitude/0": float64Inline([1, 0.75]),
    "t2m/instant/heightAboveGround/number/.zarray": zarray([], [], { dtype: "<i8", fill_value: null }),
    "t2m/instant/heightAboveGround/number/.zattrs": attrs([]),
    "t2m/instant/heightAboveGround/number/0": `base64:${Buffer.from(new BigInt64Array([7n]).buffer).toString("base64")}`,
  };
  let next = 0;
  for (let step = 0; step < 4; step++) {
    for (let level = 0; level < 2; level++) {
      if (step === 3 && level === 1) continue;
      if (step === 0 && level === 0) {
        refs[dataKey(step, level)] = float64Inline(options.inline ?? [280, 281, 282, 283, 284, 285]);
        continue;
      }
      const range = options.ranges[next++];
      if (range) refs[dataKey(step, level)] = [options.url, range[0], range[1]];
    }
  }
  return { version: 1, refs };
}
