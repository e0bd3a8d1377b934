/**
 * Coordinate values a reader derives from a grid and a run, encoded as inline Zarr chunks.
 *
 * Latitudes and longitudes are what ecCodes gives as `distinctLatitudes`/`distinctLongitudes`
 * (kerchunk's `scan_grib` stores those): longitudes are normalised to [-180, 180) when the grid
 * starts east of its end (ECMWF's 0.25° grid runs from 180° = −180° to 179.75°).
 *
 * @module
 */
import type { RegularLatLonGrid } from "../grib/types.js";
import { base64Value } from "../refs/values.js";

/** Latitudes of the grid's rows, in storage order. */
export function latitudes(grid: RegularLatLonGrid): number[] {
  const step = grid.jDirectionIncrementInDegrees * (grid.jScansPositively ? 1 : -1);
  return Array.from({ length: grid.Nj }, (_, j) => round6(grid.latitudeOfFirstGridPointInDegrees + j * step));
}

/** Longitudes of the grid's columns, in storage order. */
export function longitudes(grid: RegularLatLonGrid): number[] {
  const step = grid.iDirectionIncrementInDegrees * (grid.iScansNegatively ? -1 : 1);
  let first = grid.longitudeOfFirstGridPointInDegrees;
  const last = grid.longitudeOfLastGridPointInDegrees;
  if (!grid.iScansNegatively && first > last) first -= 360;
  return Array.from({ length: grid.Ni }, (_, i) => round6(first + i * step));
}

/** Little-endian float64 values as an inline `base64:` chunk. */
export function float64Chunk(values: readonly number[]): string {
  return base64Value(new Uint8Array(new Float64Array(values).buffer));
}

/** Little-endian int64 values as an inline `base64:` chunk. */
export function int64Chunk(values: readonly number[]): string {
  return base64Value(new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer));
}

// GRIB2 stores degrees in millionths; rounding there avoids 0.1 + 0.2-style drift in long grids.
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
