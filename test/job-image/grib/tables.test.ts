import { describe, expect, it } from "vitest";
import { conceptKeys, KEYS_OF_OTHER_TEMPLATES } from "../../../job-image/src/grib/concept-keys.js";
import type { ConceptEntry } from "../../../job-image/src/grib/concepts.js";
import { readSections } from "../../../job-image/src/grib/index.js";
import { centreTables, gribTables } from "../../../job-image/src/grib/tables.js";
import { REAL, readBytes } from "./fixtures.js";

/** Every key a condition of the loaded tables reads (including `is_one_of`'s key). */
function conditionKeys(): Set<string> {
  const keys = new Set<string>();
  const add = (entries: readonly ConceptEntry<unknown>[]) => {
    for (const [, conditions] of entries) {
      for (const [key, expected] of conditions) {
        keys.add(key);
        if (expected && typeof expected === "object" && "isOneOf" in expected)
          keys.add(String(expected.isOneOf[0]));
      }
    }
  };
  for (const files of [gribTables.parameters, gribTables.cfNames]) {
    for (const byTriple of files.values()) for (const entries of byTriple.values()) add(entries);
  }
  for (const entries of gribTables.concepts.values()) add(entries);
  return keys;
}

describe("GRIB tables", () => {
  it("give every condition key a value, or name it as defined only by templates gik does not read", () => {
    const raw = readSections(readBytes(REAL.surface5).subarray(0, 1024), { path: REAL.surface5, offset: 0 });
    const provided = new Set(Object.keys(conceptKeys(raw, "hPa")));
    const unexplained = [...conditionKeys()].filter(
      (k) => !provided.has(k) && !KEYS_OF_OTHER_TEMPLATES.has(k),
    );
    expect(unexplained).toEqual([]);
    expect([...KEYS_OF_OTHER_TEMPLATES].filter((k) => provided.has(k))).toEqual([]);
  });

  it("come from one ecCodes version and cover ECMWF and NCEP", () => {
    expect(gribTables.eccodes).toMatch(/^2\.\d+\.\d+$/);
    expect([...centreTables.keys()]).toEqual(["ecmf", "kwbc"]);
    expect(gribTables.triples.size).toBeGreaterThanOrEqual(90);
  });
});
