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

/** The join of {@link mapFromIndex} alone: the entries the templates expect, and the drift both ways. */
export interface IndexJoin {
  /** The entries of fields the templates have at this step, in index order. */
  matched: IndexEntry[];
  unknown: string[];
  missing: string[];
}

/**
 * Joins one member's fresh index entries at one step with the fields its templates have there.
 * The run's mapping takes the matched entries as they are (a whole run joins some 800,000): no
 * row of columns is built for each.
 */
export function joinIndex(
  fields: Readonly<Record<string, FieldStructure>>,
  expected: ReadonlySet<string>,
  entries: readonly IndexEntry[],
): IndexJoin {
  const matched: IndexEntry[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!expected.has(entry.attrs) || !fields[entry.attrs]) {
      unknown.push(entry.attrs);
      continue;
    }
    seen.add(entry.attrs);
    matched.push(entry);
  }
  const missing = [...expected].filter((attrs) => !seen.has(attrs));
  return { matched, unknown, missing };
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
  const { matched, unknown, missing } = joinIndex(fields, expected, entries);
  const mapped = matched.map((entry): MappedRow => {
    const field = fields[entry.attrs]!;
    return {
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
    };
  });
  return { mapped, unknown, missing };
}
