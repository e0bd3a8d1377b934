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
  const attrs: Record<string, string | number> = {};
  for (const key of conventions.dataAttributeKeys) {
    const value = attributeValue(msg, key);
    if (value !== undefined) attrs[`GRIB_${key}`] = value;
  }
  attrs.long_name = msg.keys.name;
  attrs.units = msg.keys.units;
  attrs.standard_name = msg.keys.cfName;
  return attrs;
}

/**
 * The value of one of cfgrib's keys: the ones ecCodes derives, then the message's keys, then its
 * grid's. Looked up key by key: Stage 0 asks this of tens of thousands of headers, and merging the
 * keys and the grid into one object per header cost more than the rest of the templating.
 */
function attributeValue({ keys, grid }: GribMessage, key: string): string | number | undefined {
  switch (key) {
    case "Nx":
      return grid.Ni;
    case "Ny":
      return grid.Nj;
    case "missingValue":
      return conventions.missingValue;
    case "gridDefinitionDescription":
      return GRID_DESCRIPTIONS[grid.gridDefinitionTemplateNumber];
    case "totalNumber":
      return ENSEMBLE_TEMPLATES.has(keys.productDefinitionTemplateNumber) ? keys.totalNumber : undefined;
  }
  if (Object.hasOwn(keys, key)) return (keys as unknown as Record<string, string | number | undefined>)[key];
  return (grid as unknown as Record<string, string | number | undefined>)[key];
}
