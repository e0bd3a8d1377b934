/**
 * The GRIB files the header-reader tests read (copied real files, see test/fixtures/PROVENANCE.tsv,
 * and the ecCodes-encoded coverage file of job-image/scripts/make-grib-tables.py), each with the
 * golden JSON `eccodes_keys.py --write-golden` wrote beside it.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { EccodesFile } from "./eccodes-oracle.js";

const root = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

export const REAL = {
  surface5: root("fixtures/real/ecmwf/20260310000000-0h-oper-fc.surface5.grib2"),
  beta10: root("fixtures/real/ecmwf/20240101000000-0h-oper-fc.first10.grib2"),
  tprate: root("fixtures/real/ecmwf/20250912120000-0h-oper-fc.msg90.grib2"),
  aifsControl: root("fixtures/real/ecmwf/20260310000000-0h-aifs-ens-enfo-cf.t500.grib2"),
  hrrrStray: root("fixtures/real/negative/hrrr.stray-byte-between-messages.grib2"),
  gefsSoilw: root("fixtures/real/noaa/gec00.20250101.t00z.f003.soilw.grib2"),
  gfsWave: root("fixtures/real/noaa/gfswave.t18z.atlocn.0p16.f001.grib2"),
} as const;

export const COVERAGE = fileURLToPath(new URL("./fixtures/coverage.grib2", import.meta.url));

/** Every GRIB fixture compared with ecCodes. */
export const ALL_GRIB_FIXTURES: readonly string[] = [...Object.values(REAL), COVERAGE];

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function readGolden(path: string): EccodesFile {
  return JSON.parse(readFileSync(`${path}.eccodes.json`, "utf8")) as EccodesFile;
}
