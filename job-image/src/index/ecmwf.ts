/**
 * Reader of ECMWF open-data `.index` files: one JSON object per line, one line per GRIB message.
 *
 * Notes (invariants the reader enforces, so later stages can rely on them):
 * - Values are strings except `_offset`/`_length`, which are non-negative integers. An index whose
 *   values are numbers (`"step": 0`, `"levelist": 500`) is a MARS retrieval index, a different
 *   format, and is refused by name rather than read with guessed meanings.
 * - Key order varies from line to line; only names matter.
 * - Lines without `number` (control `cf`, `fc`) are member 0; a `pf` line must carry `number`.
 * - `pl` and `sol` lines carry `levelist`; it is part of the join key `attrs`.
 * - (`attrs`, `number`, `step`, `type`) identifies a message; a repeat is an error, never a silent overwrite.
 * - Blank lines at the end are ignored; a blank line between entries, or a line cut short, is an error.
 * - Read for some members only, the other members' lines give just their span (offset, length,
 *   member, line: what the range checks need), found without parsing the line; such a line is an
 *   error only when its span cannot be found. A pod of one member thus parses 1/51 of each index.
 * - A line whose text does not state one object, one member and one span plainly (two lines run
 *   together, a `number` that is not at most 15 digits) is parsed in full, so that its fault is
 *   named; it is an entry only if its member is asked for. The scan reads text, not JSON: a key
 *   repeated within the object, written with escapes or nested in another value can mislead it.
 *   Published indexes have none of these.
 *
 * @module
 */

import { IndexParseError } from "../api/errors.js";
import { parseDigits } from "./digits.js";
import type { IndexEntry, IndexSpan } from "./types.js";

/** Keys whose values are strings in open-data indexes (numbers there mean a MARS index). */
const STRING_KEYS = [
  "param",
  "levtype",
  "levelist",
  "step",
  "number",
  "type",
  "stream",
  "class",
  "expver",
  "date",
  "time",
  "domain",
] as const;

type StringKey = (typeof STRING_KEYS)[number];

const REQUIRED_KEYS = ["param", "levtype", "step", "type", "_offset", "_length"] as const;

/** Level types whose fields are told apart by `levelist`. */
const LEVELLED_TYPES = new Set(["pl", "sol"]);

/** An index read for some members: their entries, and the span of every line. */
export interface ParsedIndex {
  entries: IndexEntry[];
  /** One per line, in file order: the entry itself for a parsed line. */
  spans: IndexSpan[];
}

/**
 * Parses the text of an ECMWF open-data `.index` file.
 *
 * @param text the whole file, UTF-8 decoded
 * @param path where the text came from, for error messages
 * @throws {IndexParseError} naming `path` and the 1-based line of the first faulty line
 * @example
 * const entries = parseEcmwfIndex(await readText(url), url);
 * entries[0].attrs; // "t:pl:500"
 */
export function parseEcmwfIndex(text: string, path: string): IndexEntry[] {
  return parseEcmwfIndexFor(text, path).entries;
}

/**
 * Parses the lines of `members` (all when undefined) in full, and finds the span of every other line.
 *
 * @throws {IndexParseError} naming `path` and the 1-based line of the first faulty line
 * @example
 * const { entries, spans } = parseEcmwfIndexFor(text, url, new Set([1]));
 */
export function parseEcmwfIndexFor(text: string, path: string, members?: ReadonlySet<number>): ParsedIndex {
  const lines = text.split("\n");
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === "") end--;

  const entries: IndexEntry[] = [];
  const spans: IndexSpan[] = new Array(end);
  const firstLineOf = new Map<string, number>();
  for (let i = 0; i < end; i++) {
    const raw = lines[i]!;
    if (members) {
      const number = scanNumber(raw);
      const span = number >= 0 && !members.has(number) ? scanSpan(raw, number, i + 1) : undefined;
      if (span) {
        spans[i] = span;
        continue;
      }
    }
    const entry = parseEcmwfIndexLine(raw, path, i + 1);
    spans[i] = entry;
    // Read in full because the scan could not read it plainly, a line may be another member's.
    if (members && !members.has(entry.number)) continue;
    const identity = `${entry.attrs}|${entry.number}|${entry.step}|${entry.type}`;
    const first = firstLineOf.get(identity);
    if (first !== undefined) {
      throw new IndexParseError(
        path,
        entry.line,
        `duplicate entry: attrs "${entry.attrs}", number ${entry.number}, step "${entry.step}", ` +
          `type "${entry.type}" already on line ${first}`,
      );
    }
    firstLineOf.set(identity, entry.line);
    entries.push(entry);
  }
  return { entries, spans };
}

// Numbers with or without quotes: a MARS index's `"number": 1` must reach the full parse, which names it.
// No digits (`"number": "x"`, `null`) captures "", which is no member: the line is parsed in full.
const NUMBER_VALUE = /"number"\s*:\s*"?(\d*)/;
const OFFSET_VALUE = /"_offset"\s*:\s*(\d+)\s*[,}]/;
const LENGTH_VALUE = /"_length"\s*:\s*(\d+)\s*[,}]/;

/**
 * The member of a line without parsing it: 0 without `number`, as {@link parseEcmwfIndexLine}
 * decides; -1 (parse the line in full) when `number` is not followed by at most 15 digits: such a
 * line may be any member's, the one at work included.
 */
function scanNumber(raw: string): number {
  const found = NUMBER_VALUE.exec(raw);
  return found ? (parseDigits(found[1]!) ?? -1) : 0;
}

/**
 * The span of a line of a member not read; `undefined` (parse the line in full) when it is not
 * plain: no span, or more than one object on the line, as when a lost newline runs two lines
 * together (the scan would find the first object's span and its member, and lose the second line).
 */
function scanSpan(raw: string, number: number, line: number): IndexSpan | undefined {
  const offset = OFFSET_VALUE.exec(raw);
  const length = LENGTH_VALUE.exec(raw);
  const o = offset && parseDigits(offset[1]!);
  const l = length && parseDigits(length[1]!);
  if (typeof o !== "number" || typeof l !== "number") return undefined;
  const close = raw.indexOf("}");
  if (close === -1 || raw.slice(close + 1).trim() !== "") return undefined;
  return { offset: o, length: l, number, line };
}

/**
 * Parses one line of an ECMWF `.index` file (no duplicate check: that needs the whole file).
 *
 * @throws {IndexParseError} naming `path` and `line`
 */
export function parseEcmwfIndexLine(text: string, path: string, line: number): IndexEntry {
  const fail = (reason: string, cause?: unknown): never => {
    throw new IndexParseError(path, line, reason, cause === undefined ? undefined : { cause });
  };
  const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    if (raw.trim() === "") fail("empty line between index entries");
    const hint = raw.trimEnd().endsWith("}") ? "" : " (the line ends before its closing '}': truncated?)";
    fail(`not a JSON object${hint}: ${(err as Error).message}`, err);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`not a JSON object: ${raw.slice(0, 60)}`);
  }
  const record = value as Record<string, unknown>;
  // Types first: a MARS index must be named as such, not reported as "missing" or "malformed".
  for (const key of STRING_KEYS) {
    const v = record[key];
    if (v === undefined || typeof v === "string") continue;
    if (typeof v === "number") {
      fail(
        `"${key}" is the number ${v}, not a string: this is a MARS retrieval index, ` +
          "not an ECMWF open-data index",
      );
    }
    fail(`"${key}" must be a string, got ${shown(v)}`);
  }
  const fields = record as Partial<Record<StringKey, string>> & Record<"_offset" | "_length", unknown>;
  const { param, levtype, step, type } = fields;
  if (param === undefined || levtype === undefined || step === undefined || type === undefined) {
    return fail(missingKeys(record));
  }
  if (fields._offset === undefined || fields._length === undefined) return fail(missingKeys(record));
  const offset = byteCount(fields._offset, "_offset", fail);
  const length = byteCount(fields._length, "_length", fail);

  const levelist = fields.levelist ?? "";
  if (levelist === "" && LEVELLED_TYPES.has(levtype)) fail(`levtype "${levtype}" line without "levelist"`);
  const stepEnd = parseStepEnd(step);
  if (stepEnd === undefined) {
    return fail(`"step" must be hours ("135") or a window ("0-6"), got "${step}"`);
  }
  const number = perturbationNumber(fields.number, type, fail);

  return {
    attrs: `${param}:${levtype}:${levelist}`,
    param,
    levtype,
    levelist,
    step,
    stepEnd,
    number,
    type,
    stream: fields.stream ?? "",
    class: fields.class ?? "",
    expver: fields.expver ?? "",
    date: fields.date ?? "",
    time: fields.time ?? "",
    domain: fields.domain ?? "",
    offset,
    length,
    line,
  };
}

/** The end of a step or step window in hours: `"135"` → 135, `"0-6"` → 6; `undefined` if malformed. */
export function parseStepEnd(step: string): number | undefined {
  const dash = step.indexOf("-");
  if (dash === -1) return parseDigits(step);
  const start = parseDigits(step.slice(0, dash));
  const end = parseDigits(step.slice(dash + 1));
  return start === undefined || end === undefined || end < start ? undefined : end;
}

function byteCount(v: unknown, key: string, fail: (reason: string) => never): number {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
  return fail(`"${key}" must be a non-negative integer, got ${shown(v)}`);
}

/**
 * A value for an error message. Arrays and objects are named, not written out: `JSON.stringify`
 * recurses, and a value nested some thousands deep (which `JSON.parse` reads) overflows the stack
 * with a `RangeError` instead of the line's `IndexParseError`.
 */
function shown(v: unknown): string {
  if (Array.isArray(v)) return `an array (${v.length} items)`;
  if (typeof v === "object" && v !== null) return "an object";
  return JSON.stringify(v);
}

/** Member 0 for lines without `number` (control); a perturbed line must say which member it is. */
function perturbationNumber(
  value: string | undefined,
  type: string,
  fail: (reason: string) => never,
): number {
  if (value === undefined) {
    return type === "pf" ? fail(`type "pf" (perturbed member) line without "number"`) : 0;
  }
  return parseDigits(value) ?? fail(`"number" must be a non-negative integer, got "${value}"`);
}

function missingKeys(record: Record<string, unknown>): string {
  const missing = REQUIRED_KEYS.filter((key) => record[key] === undefined).map((k) => `"${k}"`);
  return `missing required key${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
}
