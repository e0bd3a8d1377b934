/**
 * Stage 2 — mapping: join a member's fresh index entries at one step with what its templates say
 * the member has there (the manifest's fields), on `attrs`, giving the target run's own byte ranges
 * (kerchunk's `map_from_index`).
 *
 * Notes (invariants):
 * - The fresh index is authoritative for where bytes are; the templates are authoritative for
 *   what they mean.
 * - Drift is reported both ways, by name: index fields the templates do not know at this step
 *   (`unknown`) and fields the templates have there that the index lacks (`missing`). The caller
 *   decides what drift means.
 *
 * @module
 */
import type { IndexEntry } from "../index/types.js";
import type { FieldStructure } from "../templates/manifest.js";

/** kerchunk's `map_from_index` columns, plus the member and the join key. */
export interface MappedRow {
  attrs: string;
  varname: string;
  stepType: string;
  typeOfLevel: string;
  level: number;
  /** hours */
  step: number;
  /** seconds since the epoch */
  time: number;
  valid_time: number;
  uri: string;
  offset: number;
  length: number;
  member: string;
}

export interface MappingResult {
  mapped: MappedRow[];
  unknown: string[];
  missing: string[];
}

/**
 * Maps one member's fields at one step.
 *
 * @param fields the templates' fields (the manifest's), by `attrs`
 * @param expected the fields the member has at this step in the reference run
 * @param entries the fresh index entries of this member at this step
 * @param uri the URL of the target run's GRIB file the entries point into
 * @param time the target run's reference time, seconds since the epoch
 * @example
 * const { mapped, unknown, missing } = mapFromIndex(manifest.fields, expectedFields(manifest, "ens01", 24), "ens01", entries, uri, time);
 */
export function mapFromIndex(
  fields: Readonly<Record<string, FieldStructure>>,
  expected: ReadonlySet<string>,
  member: string,
  entries: readonly IndexEntry[],
  uri: string,
  time: number,
): MappingResult {
  const mapped: MappedRow[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const field = expected.has(entry.attrs) ? fields[entry.attrs] : undefined;
    if (!field) {
      unknown.push(entry.attrs);
      continue;
    }
    seen.add(entry.attrs);
    mapped.push({
      attrs: entry.attrs,
      varname: field.varname,
      stepType: field.stepType,
      typeOfLevel: field.typeOfLevel,
      level: field.level,
      step: entry.stepEnd,
      time,
      valid_time: time + entry.stepEnd * 3600,
      uri,
      offset: entry.offset,
      length: entry.length,
      member,
    });
  }
  const missing = [...expected].filter((attrs) => !seen.has(attrs));
  return { mapped, unknown, missing };
}
