/**
 * Stage 2 — mapping: join a member's templates for one step with the fresh index of the target
 * run on `attrs`, giving the target run's own byte ranges (kerchunk's `map_from_index`).
 *
 * Notes (invariants):
 * - The fresh index is authoritative for where bytes are; the templates are authoritative for
 *   what they mean.
 * - Drift is reported both ways, by name: index fields the templates do not know (`unknown`) and
 *   template fields the index lacks (`missing`). The caller decides what drift means.
 *
 * @module
 */
import type { IndexEntry } from "../index/types.js";
import type { TemplateRow } from "../templates/row.js";

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
 * @param templates the member's template rows for this step (from the reference run)
 * @param entries the fresh index entries of this member at this step
 * @param uri the URL of the target run's GRIB file the entries point into
 * @param time the target run's reference time, seconds since the epoch
 */
export function mapFromIndex(
  templates: readonly TemplateRow[],
  entries: readonly IndexEntry[],
  uri: string,
  time: number,
): MappingResult {
  const byAttrs = new Map<string, TemplateRow>();
  for (const row of templates) byAttrs.set(row.attrs, row);
  const mapped: MappedRow[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const row = byAttrs.get(entry.attrs);
    if (!row) {
      unknown.push(entry.attrs);
      continue;
    }
    seen.add(entry.attrs);
    mapped.push({
      attrs: entry.attrs,
      varname: row.varname,
      stepType: row.stepType,
      typeOfLevel: row.typeOfLevel,
      level: row.level,
      step: row.step,
      time,
      valid_time: time + row.step * 3600,
      uri,
      offset: entry.offset,
      length: entry.length,
      member: row.member,
    });
  }
  const missing = templates.filter((row) => !seen.has(row.attrs)).map((row) => row.attrs);
  return { mapped, unknown, missing };
}
