/**
 * The header reader against ecCodes: for every message of a GRIB file, what gik derives against
 * what ecCodes says (`test/python/eccodes_keys.py`, live or as a golden JSON it wrote).
 *
 * Rules of the comparison (the contract of `GribKeys`):
 * - a key ecCodes leaves undefined (`null`) is `undefined` in gik, except `number` and
 *   `totalNumber`, which gik reports as 0 outside ensemble templates;
 * - grid keys are compared for grid template 3.0; for any other grid `parseGribHeader` must refuse
 *   the message naming the template, and the other keys are compared through `deriveKeys`;
 * - the header is read from the shortest prefix that works, grown by `needBytes` from 16 bytes,
 *   and that prefix must end exactly where section 5 does (the data sections are never read).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GribPrefixTooShortError, GribUnsupportedError } from "../../../job-image/src/api/errors.js";
import {
  deriveKeys,
  parseGribHeader,
  readSections,
  scanMessages,
} from "../../../job-image/src/grib/index.js";
import type { RawSections } from "../../../job-image/src/grib/raw.js";

export type EccodesValue = string | number | null;

export interface EccodesMessage {
  offset: number;
  totalLength: number;
  keys: Record<string, EccodesValue>;
}

/** One file as `eccodes_keys.py` describes it. */
export interface EccodesFile {
  file: string;
  messages: EccodesMessage[];
}

export interface Comparison {
  files: number;
  messages: number;
  /** One line per disagreement: file, message, key, both values. Empty when gik agrees. */
  mismatches: string[];
}

const SCRIPT = fileURLToPath(new URL("../../python/eccodes_keys.py", import.meta.url));

/** Keys of `GribKeys` compared one to one. */
export const COMPARED_KEYS = [
  "edition",
  "centre",
  "centreDescription",
  "subCentre",
  "discipline",
  "parameterCategory",
  "parameterNumber",
  "paramId",
  "shortName",
  "cfVarName",
  "cfName",
  "name",
  "units",
  "typeOfLevel",
  "level",
  "stepType",
  "stepRange",
  "startStep",
  "endStep",
  "stepUnits",
  "number",
  "dataType",
  "totalNumber",
  "dataDate",
  "dataTime",
  "productDefinitionTemplateNumber",
  "dataRepresentationTemplateNumber",
  "bitsPerValue",
  "numberOfValues",
  "marsClass",
  "marsType",
  "marsStream",
  "experimentVersionNumber",
  "NV",
] as const;

/** Keys of `RegularLatLonGrid` compared for grid template 3.0. */
export const GRID_KEYS = [
  "gridDefinitionTemplateNumber",
  "gridType",
  "Ni",
  "Nj",
  "latitudeOfFirstGridPointInDegrees",
  "longitudeOfFirstGridPointInDegrees",
  "latitudeOfLastGridPointInDegrees",
  "longitudeOfLastGridPointInDegrees",
  "iDirectionIncrementInDegrees",
  "jDirectionIncrementInDegrees",
  "iScansNegatively",
  "jScansPositively",
  "jPointsAreConsecutive",
  "uvRelativeToGrid",
  "numberOfPoints",
  "shapeOfTheEarth",
] as const;

const ZERO_WHEN_UNDEFINED = new Set(["number", "totalNumber"]);

/** Compares gik's reading of every message in `bytes` (the file at `path`) with ecCodes' `expected`. */
export function compareFile(bytes: Uint8Array, path: string, expected: EccodesFile): Comparison {
  const mismatches: string[] = [];
  const bounds = scanMessages(bytes, path);
  const found = bounds.map((b) => `${b.offset}+${b.length}`).join(", ");
  const wanted = expected.messages.map((m) => `${m.offset}+${m.totalLength}`).join(", ");
  if (found !== wanted) mismatches.push(`${expected.file}: messages at ${found}, ecCodes finds ${wanted}`);
  bounds.forEach(({ offset, length }, i) => {
    const eccodes = expected.messages[i];
    if (!eccodes) return;
    const at = `${expected.file} message ${i} @ ${offset}`;
    const message = bytes.subarray(offset, offset + length);
    const { raw, prefix } = readShortestPrefix(message, path, offset);
    const section5 = raw.sections.at(-1)!;
    if (prefix !== section5.offset + section5.length) {
      mismatches.push(`${at}: read ${prefix} bytes, section 5 ends at ${section5.offset + section5.length}`);
    }
    const ours: Record<string, unknown> = { ...deriveKeys(raw, { path, offset }) };
    if (eccodes.keys.gridDefinitionTemplateNumber === 0) {
      Object.assign(ours, parseGribHeader(message.subarray(0, prefix), { path, offset }).grid);
      for (const key of GRID_KEYS) check(mismatches, at, key, ours[key], eccodes.keys[key]);
    } else {
      const refusal = refusalOf(() => parseGribHeader(message, { path, offset }));
      const template = `grid template 3.${eccodes.keys.gridDefinitionTemplateNumber}`;
      if (!refusal?.includes(template))
        mismatches.push(`${at}: expected a refusal naming ${template}, got ${refusal}`);
    }
    check(mismatches, at, "totalLength", raw.totalLength, eccodes.totalLength);
    for (const key of COMPARED_KEYS) check(mismatches, at, key, ours[key], eccodes.keys[key]);
  });
  return { files: 1, messages: bounds.length, mismatches };
}

/**
 * What ecCodes says of every message of `files`. With `cache`, the answer is kept there under a
 * name derived from the files' paths and the interpreter's: both name content (a mirror's directory
 * is its spec's hash, an environment's its requirements'), so a kept answer is ecCodes' for these
 * bytes; it is written whole or not at all.
 */
function describeWithEccodes(files: string[], python: string, cache?: string): EccodesFile[] {
  const kept = cache
    ? join(
        cache,
        `eccodes-${createHash("sha256")
          .update([python, ...files].join("\n"))
          .digest("hex")
          .slice(0, 16)}.json`,
      )
    : undefined;
  if (kept && existsSync(kept)) {
    try {
      return (JSON.parse(readFileSync(kept, "utf8")) as { files: EccodesFile[] }).files;
    } catch {
      // An unreadable answer is asked again below.
    }
  }
  const output = execFileSync(python, [SCRIPT, ...files], { maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
  if (kept) {
    mkdirSync(dirname(kept), { recursive: true });
    writeFileSync(`${kept}.${process.pid}.tmp`, output);
    renameSync(`${kept}.${process.pid}.tmp`, kept);
  }
  return (JSON.parse(output) as { files: EccodesFile[] }).files;
}

/**
 * Runs `eccodes_keys.py` with `python` on `files` and compares every message with gik's reading.
 *
 * @example
 * const { messages, mismatches } = compareWithEccodes(["a.grib2"], inject("infra").python);
 */
export function compareWithEccodes(files: string[], python: string, cache?: string): Comparison {
  const described = describeWithEccodes(files, python, cache);
  const total: Comparison = { files: 0, messages: 0, mismatches: [] };
  files.forEach((file, i) => {
    const result = compareFile(
      readFileSync(file),
      file,
      described[i] ?? { file: basename(file), messages: [] },
    );
    total.files += result.files;
    total.messages += result.messages;
    total.mismatches.push(...result.mismatches);
  });
  return total;
}

/** The sections of `message` read from the shortest prefix that works, grown by `needBytes` from 16. */
function readShortestPrefix(
  message: Uint8Array,
  path: string,
  offset: number,
): { raw: RawSections; prefix: number } {
  for (let prefix = 16; ; ) {
    try {
      return { raw: readSections(message.subarray(0, prefix), { path, offset }), prefix };
    } catch (err) {
      if (!(err instanceof GribPrefixTooShortError) || err.needBytes <= prefix) throw err;
      prefix = err.needBytes;
    }
  }
}

function refusalOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    if (err instanceof GribUnsupportedError) return err.feature;
    throw err;
  }
}

function check(
  mismatches: string[],
  at: string,
  key: string,
  ours: unknown,
  eccodes: EccodesValue | undefined,
): void {
  const expected =
    eccodes === null || eccodes === undefined ? (ZERO_WHEN_UNDEFINED.has(key) ? 0 : undefined) : eccodes;
  if (ours !== expected) {
    mismatches.push(`${at}: ${key}: gik ${JSON.stringify(ours)}, ecCodes ${JSON.stringify(expected)}`);
  }
}
