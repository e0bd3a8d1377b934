/**
 * Derives what ecCodes derives for a reader (`GribKeys`) from the raw sections, with ecCodes' own
 * concept tables (see tables.ts), following the structure of ecCodes' GRIB2 definitions:
 *
 * - MTG2Switch (`section.4.def`) picks the parameter files: pre-MTG2 (`*.lte33.def`) for ECMWF
 *   messages with tablesVersion ≤ 33 and the exceptions of ECMWF's `MTG2SwitchConcept` (IFS
 *   50r1, AIFS), post-MTG2 (`*.def`) otherwise.
 * - paramId/shortName/name/units (`parameters.def`): the centre's local + master file, then
 *   ECMWF's local + master file, then the legacy files; the first that matches decides.
 * - cfName likewise (local + master, ECMWF + master, legacy); cfVarName from local + master, else
 *   shortName (`p<paramId>` when shortName starts with a digit).
 * - typeOfLevel from the typeOfLevel concept; level, stepType and steps as level.ts and step.ts.
 * - dataType: MARS type of ECMWF's local section, else code table 1.4 (typeOfProcessedData).
 *
 * @module
 */
import { GribUnsupportedError } from "../api/errors.js";
import { conceptKeys } from "./concept-keys.js";
import { bestMatch, type ConceptEntry, type KeyValues } from "./concepts.js";
import { levelOf } from "./level.js";
import type { RawSections } from "./raw.js";
import type { ByteSource } from "./scan.js";
import { stepOf } from "./step.js";
import {
  type CentreConcepts,
  type CodeTable,
  centreTables,
  conceptEntries,
  forTriple,
  gribTables,
  type ParameterValue,
  tripleKey,
} from "./tables.js";
import type { GribKeys } from "./types.js";

const DATASET_CONCEPT = "grib2/section.4.def#datasetForLocal";
/** What ecCodes reports for a parameter none of its tables names. */
const UNKNOWN: ParameterValue = [0, "unknown", "unknown", "unknown"];
/** MARS classes for which ecCodes splits chemical constituents out of paramId (MTG2Switch 2). */
const CHEMICAL_SPLIT_CLASSES = new Set(["mc", "cr"]);

/**
 * The keys ecCodes derives for `raw`. Throws `GribUnsupportedError` for a centre, dataset or
 * parameter gik's tables do not cover.
 */
export function deriveKeys(raw: RawSections, where: ByteSource): GribKeys {
  const refuse = (feature: string) => new GribUnsupportedError(where.path, where.offset, feature);
  const { identification: id, product: p, mars, representation } = raw;
  const [centre, centreDescription] = codeOf(gribTables.centre, id.centre);
  const concepts = centreTables.get(centre);
  if (!concepts) {
    throw refuse(
      `centre ${centre} (${id.centre}): gik's parameter tables cover ${gribTables.centres.join(", ")}`,
    );
  }
  const marsClass = mars && codeOf(gribTables.marsClass, mars.marsClass)[0];
  const tigge = id.productionStatusOfProcessedData === 4 || id.productionStatusOfProcessedData === 5;
  const { level, pressureUnits } = levelOf(p, tigge);
  const keys = conceptKeys(raw, pressureUnits);
  keys.MTG2Switch = mtg2Switch(concepts, keys, id.tablesVersion, marsClass);
  if (keys.MTG2Switch === 2) throw refuse("post-MTG2 chemical parameter split (MTG2Switch 2)");
  const dataset = bestMatch([conceptEntries(DATASET_CONCEPT)], keys);
  if (dataset !== undefined && dataset !== "unknown")
    throw refuse(`dataset-specific tables (datasetForLocal ${dataset})`);

  const triple = tripleKey(raw.discipline, p.parameterCategory, p.parameterNumber);
  if (!gribTables.triples.has(triple)) {
    throw refuse(
      `parameter discipline ${raw.discipline} category ${p.parameterCategory} number ${p.parameterNumber} ` +
        `(centre ${centre}): not in gik's tables (job-image/scripts/make-grib-tables.py)`,
    );
  }
  const variant = keys.MTG2Switch === 0 ? "lte33.def" : "def";
  const [paramId, shortName, name, units] = firstMatch(concepts.parameters[variant], triple, keys) ?? UNKNOWN;
  const cfVarName =
    bestMatch(forTriple(concepts.cfVarName, triple), keys) ??
    (shortName === "~" || /^\d/.test(shortName) ? `p${paramId}` : shortName);
  const step = stepOf(p, keys, where);
  return {
    edition: 2,
    centre,
    centreDescription,
    subCentre: id.subCentre,
    discipline: raw.discipline,
    parameterCategory: p.parameterCategory,
    parameterNumber: p.parameterNumber,
    paramId,
    shortName,
    cfVarName,
    cfName: firstMatch(concepts.cfName, triple, keys) ?? "unknown",
    name,
    units,
    typeOfLevel: String(bestMatch(concepts.typeOfLevel, keys) ?? "unknown"),
    level,
    stepType: step.stepType,
    stepRange: step.stepRange,
    startStep: step.startStep,
    endStep: step.endStep,
    stepUnits: step.stepUnits,
    number: p.ensemble?.perturbationNumber ?? 0,
    dataType: mars
      ? codeOf(gribTables.marsType, mars.marsType)[0]
      : codeOf(processedDataTable(id.tablesVersion), id.typeOfProcessedData)[0],
    totalNumber: p.ensemble?.numberOfForecastsInEnsemble ?? 0,
    dataDate: id.year * 10000 + id.month * 100 + id.day,
    dataTime: id.hour * 100 + id.minute,
    productDefinitionTemplateNumber: p.productDefinitionTemplateNumber,
    dataRepresentationTemplateNumber: representation.dataRepresentationTemplateNumber,
    bitsPerValue: representation.bitsPerValue,
    numberOfValues: representation.numberOfValues,
    NV: p.NV,
    marsClass,
    marsType: mars && codeOf(gribTables.marsType, mars.marsType)[0],
    marsStream: mars && codeOf(gribTables.marsStream, mars.marsStream)[0],
    experimentVersionNumber: mars?.experimentVersionNumber,
  };
}

/** ecCodes' MTG2Switch: its concept, defaulting by tablesVersion where MTG2SwitchViaTablesVersion says so. */
function mtg2Switch(
  concepts: CentreConcepts,
  keys: KeyValues,
  tablesVersion: number,
  marsClass: string | undefined,
): number {
  const byTablesVersion = Number(bestMatch(concepts.mtg2SwitchViaTablesVersion, keys) ?? 0) === 1;
  const fallback = !byTablesVersion
    ? 1
    : tablesVersion <= gribTables.tablesVersionMTG2Switch
      ? 0
      : marsClass !== undefined && CHEMICAL_SPLIT_CLASSES.has(marsClass)
        ? 2
        : 1;
  return Number(bestMatch(concepts.mtg2Switch, keys) ?? fallback);
}

/** The value of the first level of a cascade that has a match for `triple`. */
function firstMatch<V>(
  cascade: readonly (readonly ReadonlyMap<string, readonly ConceptEntry<V>[]>[])[],
  triple: string,
  keys: KeyValues,
): V | undefined {
  for (const level of cascade) {
    const found = bestMatch(forTriple(level, triple), keys);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** [abbreviation, title] of `code`; ecCodes prints an unlisted code as its number. */
function codeOf(table: CodeTable | undefined, code: number): readonly [string, string] {
  return table?.[String(code)] ?? [String(code), "unknown"];
}

/** Code table 1.4 of `tablesVersion`, as ecCodes reads it (the latest table above the latest version). */
function processedDataTable(tablesVersion: number): CodeTable | undefined {
  return gribTables.typeOfProcessedData[String(Math.min(tablesVersion, gribTables.tablesVersionLatest))];
}
