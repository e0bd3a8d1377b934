/**
 * The ecCodes tables gik derives keys from (written by `job-image/scripts/make-grib-tables.py`
 * from ecCodes' own definition files), loaded once and indexed for the header reader. Read-only
 * after load.
 *
 * Invariants:
 * - Parameter concept lists hold, for every (discipline, category, number) triple in `triples`,
 *   all of ecCodes' entries for that triple, so their best match is ecCodes' best match. A
 *   message whose triple is not listed cannot be resolved here and is refused.
 * - Local concept files exist (possibly empty) for every centre in `centres`; other centres are
 *   refused, as their local definitions are not exported.
 *
 * @module
 */

import type { ConceptEntry } from "./concepts.js";
import codeTablesJson from "./tables/code-tables.json" with { type: "json" };
import conceptsJson from "./tables/concepts.json" with { type: "json" };
import parametersJson from "./tables/parameters.json" with { type: "json" };

/** What a parameter entry yields: paramId, shortName, name, units. */
export type ParameterValue = readonly [paramId: number, shortName: string, name: string, units: string];
/** A code table: code → [abbreviation, title]. */
export type CodeTable = Readonly<Record<string, readonly [string, string] | undefined>>;

export interface GribTables {
  eccodes: string;
  /** Centre abbreviations whose local concept files were exported. */
  centres: readonly string[];
  tablesVersionMTG2Switch: number;
  tablesVersionLatest: number;
  /** Parameter-family lists by ecCodes file, then by `"discipline:category:number"`. */
  parameters: ReadonlyMap<string, ReadonlyMap<string, readonly ConceptEntry<ParameterValue>[]>>;
  /** cfName/cfVarName lists by ecCodes file, then by triple. */
  cfNames: ReadonlyMap<string, ReadonlyMap<string, readonly ConceptEntry<string>[]>>;
  /** Other concepts by ecCodes file (`#name` for a concept written inside a definition file). */
  concepts: ReadonlyMap<string, readonly ConceptEntry<string | number>[]>;
  triples: ReadonlySet<string>;
  centre: CodeTable;
  marsClass: CodeTable;
  marsType: CodeTable;
  marsStream: CodeTable;
  /** Code table 1.4 by tablesVersion. */
  typeOfProcessedData: Readonly<Record<string, CodeTable | undefined>>;
}

/** The key under which entries of a (discipline, category, number) triple are indexed. */
export function tripleKey(discipline: number, category: number, number: number): string {
  return `${discipline}:${category}:${number}`;
}

function byTriple<V>(entries: readonly ConceptEntry<V>[], file: string): Map<string, ConceptEntry<V>[]> {
  const index = new Map<string, ConceptEntry<V>[]>();
  for (const entry of entries) {
    const get = (key: string) => entry[1].find(([k]) => k === key)?.[1];
    const [d, c, n] = [get("discipline"), get("parameterCategory"), get("parameterNumber")];
    if (typeof d !== "number" || typeof c !== "number" || typeof n !== "number") {
      throw new Error(`grib tables: ${file}: entry ${String(entry[0])} lacks discipline/category/number`);
    }
    const key = tripleKey(d, c, n);
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  return index;
}

function load(): GribTables {
  const parameterFiles = parametersJson.concepts as unknown as Record<string, ConceptEntry<unknown>[]>;
  const parameters = new Map<string, Map<string, ConceptEntry<ParameterValue>[]>>();
  const cfNames = new Map<string, Map<string, ConceptEntry<string>[]>>();
  for (const [file, entries] of Object.entries(parameterFiles)) {
    if (file.includes("/parameter."))
      parameters.set(file, byTriple(entries as ConceptEntry<ParameterValue>[], file));
    else cfNames.set(file, byTriple(entries as ConceptEntry<string>[], file));
  }
  const tables = codeTablesJson as unknown as Pick<
    GribTables,
    "centre" | "marsClass" | "marsType" | "marsStream" | "typeOfProcessedData" | "tablesVersionLatest"
  >;
  return {
    eccodes: parametersJson.eccodes,
    centres: parametersJson.centres,
    tablesVersionMTG2Switch: conceptsJson.tablesVersionMTG2Switch,
    tablesVersionLatest: tables.tablesVersionLatest,
    parameters,
    cfNames,
    concepts: new Map(
      Object.entries(conceptsJson.concepts as unknown as Record<string, ConceptEntry<string | number>[]>),
    ),
    triples: new Set(parametersJson.triples.map(([d, c, n]) => tripleKey(d!, c!, n!))),
    centre: tables.centre,
    marsClass: tables.marsClass,
    marsType: tables.marsType,
    marsStream: tables.marsStream,
    typeOfProcessedData: tables.typeOfProcessedData,
  };
}

/** The tables, loaded and indexed at first import. */
export const gribTables: GribTables = load();

/** The entries of a concept file; empty when ecCodes has no such file (a centre without local entries). */
export function conceptEntries(file: string): readonly ConceptEntry<string | number>[] {
  return gribTables.concepts.get(file) ?? [];
}

/** Lists of one concept for one triple, in the order ecCodes reads them (local file, then master). */
type ByTriple<V> = readonly ReadonlyMap<string, readonly ConceptEntry<V>[]>[];

/**
 * The concept files ecCodes reads for messages of one centre, in ecCodes' order: each level of a
 * cascade is [local file, master file]; a later level is read only when the earlier one has no
 * match (ecCodes' concept default is the next concept).
 */
export interface CentreConcepts {
  /** paramId/shortName/name/units by variant (`def`: post-MTG2, `lte33.def`: pre-MTG2): the centre's, ECMWF's, legacy. */
  parameters: Readonly<Record<"def" | "lte33.def", readonly ByTriple<ParameterValue>[]>>;
  cfName: readonly ByTriple<string>[];
  cfVarName: ByTriple<string>;
  typeOfLevel: readonly (readonly ConceptEntry<string | number>[])[];
  mtg2Switch: readonly (readonly ConceptEntry<string | number>[])[];
  mtg2SwitchViaTablesVersion: readonly (readonly ConceptEntry<string | number>[])[];
}

function centreConcepts(centre: string): CentreConcepts {
  const local = `grib2/localConcepts/${centre}`;
  const ecmf = "grib2/localConcepts/ecmf";
  const master = "grib2";
  const params = (dir: string, file: string) => gribTables.parameters.get(`${dir}/${file}`) ?? new Map();
  const cf = (dir: string, file: string) => gribTables.cfNames.get(`${dir}/${file}`) ?? new Map();
  const parameterCascade = (variant: string) => [
    [params(local, `parameter.${variant}`), params(master, `parameter.${variant}`)],
    [params(ecmf, `parameter.${variant}`), params(master, `parameter.${variant}`)],
    [params(ecmf, "parameter.legacy.def"), params(master, "parameter.legacy.def")],
  ];
  const pair = (name: string) => [
    conceptEntries(`${local}/${name}.def`),
    conceptEntries(`${master}/${name}.def`),
  ];
  return {
    parameters: { def: parameterCascade("def"), "lte33.def": parameterCascade("lte33.def") },
    cfName: [
      [cf(local, "cfName.def"), cf(master, "cfName.def")],
      [cf(ecmf, "cfName.def"), cf(master, "cfName.def")],
      [cf(ecmf, "cfName.legacy.def"), cf(master, "cfName.legacy.def")],
    ],
    cfVarName: [cf(local, "cfVarName.def"), cf(master, "cfVarName.def")],
    typeOfLevel: pair("typeOfLevelConcept"),
    mtg2Switch: pair("MTG2SwitchConcept"),
    mtg2SwitchViaTablesVersion: pair("MTG2SwitchViaTablesVersionConcept"),
  };
}

/** The concept files of each centre the tables cover, by centre abbreviation. */
export const centreTables: ReadonlyMap<string, CentreConcepts> = new Map(
  gribTables.centres.map((centre) => [centre, centreConcepts(centre)]),
);

/** The entries of one triple in each list of `lists`. */
export function forTriple<V>(lists: ByTriple<V>, triple: string): (readonly ConceptEntry<V>[])[] {
  return lists.map((list) => list.get(triple) ?? []);
}
