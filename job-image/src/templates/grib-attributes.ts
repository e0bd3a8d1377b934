/**
 * The attributes of a data variable, as kerchunk's `scan_grib` writes them: cfgrib's list of
 * ecCodes keys copied as `GRIB_<key>` (only keys the message has), then `long_name`, `units` and
 * `standard_name` copied from `GRIB_name`, `GRIB_units` and `GRIB_cfName`.
 *
 * @module
 */
import type { GribMessage } from "../grib/types.js";
import conventions from "./reader-conventions.json" with { type: "json" };

/** ecCodes' description of the grid templates gik reads (code table 3.1). */
const GRID_DESCRIPTIONS: Record<number, string> = { 0: "Latitude/longitude" };

/** Product templates that describe an ensemble member (they carry `totalNumber`). */
const ENSEMBLE_TEMPLATES = new Set([1, 11]);

export function gribAttributes(msg: GribMessage): Record<string, string | number> {
  const { keys, grid } = msg;
  const known: Record<string, string | number | undefined> = {
    ...grid,
    ...keys,
    Nx: grid.Ni,
    Ny: grid.Nj,
    missingValue: conventions.missingValue,
    gridDefinitionDescription: GRID_DESCRIPTIONS[grid.gridDefinitionTemplateNumber],
    totalNumber: ENSEMBLE_TEMPLATES.has(keys.productDefinitionTemplateNumber) ? keys.totalNumber : undefined,
  };
  const attrs: Record<string, string | number> = {};
  for (const key of conventions.dataAttributeKeys) {
    const value = known[key];
    if (value !== undefined) attrs[`GRIB_${key}`] = value;
  }
  attrs.long_name = keys.name;
  attrs.units = keys.units;
  attrs.standard_name = keys.cfName;
  return attrs;
}
