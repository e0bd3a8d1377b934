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
import { GribUnsupportedError } from "../errors.js";
import { bestMatch, type KeyValues } from "./concepts.js";
import { levelOf } from "./level.js";
import type { RawSections } from "./raw.js";
import type { ByteSource } from "./scan.js";
import { stepOf } from "./step.js";
import {
  type CodeTable,
  cfNameEntries,
  conceptEntries,
  gribTables,
  type ParameterValue,
  parameterEntries,
  tripleKey,
} from "./tables.js";
import type { GribKeys } from "./types.js";

const MASTER = "grib2";
const ECMF = "ecmf";
/** MARS classes for which ecCodes splits chemical constituents out of paramId (MTG2Switch 2). */
const CHEMICAL_SPLIT_CLASSES = new Set(["mc", "cr"]);

/**
 * The keys ecCodes derives for `raw`. Throws `GribUnsupportedError` for a centre, dataset or
 * parameter gik's tables do not cover.
 */
export function deriveKeys(raw: RawSections, where: ByteSource): GribKeys {
  const refuse = (feature: string) => new GribUnsupportedError(where.path, where.offset, feature);
  const id = raw.identification;
  const { product: p, mars } = raw;
  const [centre, centreDescription] = codeOf(gribTables.centre, id.centre);
  if (!gribTables.centres.includes(centre)) {
    throw refuse(
      `centre ${centre} (${id.centre}): gik's parameter tables cover ${gribTables.centres.join(", ")}`,
    );
  }
  const marsClass = mars && codeOf(gribTables.marsClass, mars.marsClass)[0];
  const tigge = id.productionStatusOfProcessedData === 4 || id.productionStatusOfProcessedData === 5;
  const { level, pressureUnits } = levelOf(p, tigge);
  const keys: Record<string, number | string | null | undefined> = {
    ...id,
    discipline: raw.discipline,
    ...withoutNested(p),
    ...p.ensemble,
    ...p.statistics,
    gridDefinitionTemplateNumber: raw.grid.gridDefinitionTemplateNumber,
    marsClass: mars?.marsClass,
    genVertHeightCoords: p.typeOfFirstFixedSurface === 150 ? 1 : 0,
    pressureUnits,
    // Constant keys the definitions compare with; g2_chemical/g2_aerosol are 0 for templates 4.0/1/8/11.
    dummy: 1,
    dummyc: 0,
    true: 1,
    is_chemical: 0,
    is_chemical_srcsink: 0,
    is_chemical_distfn: 0,
    is_aerosol: 0,
    is_aerosol_optical: 0,
  };
  keys.MTG2Switch = mtg2Switch(keys, centre, id.tablesVersion, marsClass);
  if (keys.MTG2Switch === 2) throw refuse("post-MTG2 chemical parameter split (MTG2Switch 2)");
  const dataset = bestMatch([conceptEntries("grib2/section.4.def#datasetForLocal")], keys);
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
  const [paramId, shortName, name, units] = parameterOf(triple, centre, variant, keys);
  const cfName = cascade(triple, centre, "cfName", keys) ?? "unknown";
  const cfVarName =
    bestMatch(
      [
        cfNameEntries(`${localDir(centre)}/cfVarName.def`, triple),
        cfNameEntries(`${MASTER}/cfVarName.def`, triple),
      ],
      keys,
    ) ?? (shortName === "~" || /^\d/.test(shortName) ? `p${paramId}` : shortName);
  const typeOfLevel = bestMatch(
    [
      conceptEntries(`${localDir(centre)}/typeOfLevelConcept.def`),
      conceptEntries(`${MASTER}/typeOfLevelConcept.def`),
    ],
    keys,
  );
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
    cfName,
    name,
    units,
    typeOfLevel: String(typeOfLevel ?? "unknown"),
    level,
    ...step,
    number: p.ensemble?.perturbationNumber ?? 0,
    dataType: mars
      ? codeOf(gribTables.marsType, mars.marsType)[0]
      : codeOf(processedDataTable(id.tablesVersion), id.typeOfProcessedData)[0],
    totalNumber: p.ensemble?.numberOfForecastsInEnsemble ?? 0,
    dataDate: id.year * 10000 + id.month * 100 + id.day,
    dataTime: id.hour * 100 + id.minute,
    productDefinitionTemplateNumber: p.productDefinitionTemplateNumber,
    dataRepresentationTemplateNumber: raw.representation.dataRepresentationTemplateNumber,
    bitsPerValue: raw.representation.bitsPerValue,
    numberOfValues: raw.representation.numberOfValues,
    ...(mars && {
      marsClass,
      marsType: codeOf(gribTables.marsType, mars.marsType)[0],
      marsStream: codeOf(gribTables.marsStream, mars.marsStream)[0],
      experimentVersionNumber: mars.experimentVersionNumber,
    }),
  };
}

function localDir(centre: string): string {
  return `${MASTER}/localConcepts/${centre}`;
}

/** ecCodes' MTG2Switch: its concept, defaulting by tablesVersion where MTG2SwitchViaTablesVersion says so. */
function mtg2Switch(
  keys: KeyValues,
  centre: string,
  tablesVersion: number,
  marsClass: string | undefined,
): number {
  const concept = (name: string) =>
    bestMatch(
      [conceptEntries(`${localDir(centre)}/${name}.def`), conceptEntries(`${MASTER}/${name}.def`)],
      keys,
    );
  const byTablesVersion = Number(concept("MTG2SwitchViaTablesVersionConcept") ?? 0) === 1;
  const fallback = !byTablesVersion
    ? 1
    : tablesVersion <= gribTables.tablesVersionMTG2Switch
      ? 0
      : marsClass !== undefined && CHEMICAL_SPLIT_CLASSES.has(marsClass)
        ? 2
        : 1;
  return Number(concept("MTG2SwitchConcept") ?? fallback);
}

/** paramId, shortName, name, units: the centre's files, then ECMWF's, then the legacy files. */
function parameterOf(triple: string, centre: string, variant: string, keys: KeyValues): ParameterValue {
  const levels = [
    [`${localDir(centre)}/parameter.${variant}`, `${MASTER}/parameter.${variant}`],
    [`${localDir(ECMF)}/parameter.${variant}`, `${MASTER}/parameter.${variant}`],
    [`${localDir(ECMF)}/parameter.legacy.def`, `${MASTER}/parameter.legacy.def`],
  ];
  for (const files of levels) {
    const found = bestMatch(
      files.map((file) => parameterEntries(file, triple)),
      keys,
    );
    if (found) return found;
  }
  return [0, "unknown", "unknown", "unknown"];
}

/** A cfName-like concept: the centre's files, then ECMWF's, then the legacy files. */
function cascade(triple: string, centre: string, concept: string, keys: KeyValues): string | undefined {
  for (const [local, master] of [
    [`${localDir(centre)}/${concept}.def`, `${MASTER}/${concept}.def`],
    [`${localDir(ECMF)}/${concept}.def`, `${MASTER}/${concept}.def`],
    [`${localDir(ECMF)}/${concept}.legacy.def`, `${MASTER}/${concept}.legacy.def`],
  ] as const) {
    const found = bestMatch([cfNameEntries(local, triple), cfNameEntries(master, triple)], keys);
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

/** The scalar fields of the product section (its nested ensemble/statistics parts are spread separately). */
function withoutNested(p: RawSections["product"]): Record<string, number | null> {
  const { ensemble: _e, statistics: _s, ...scalars } = p;
  return scalars;
}
