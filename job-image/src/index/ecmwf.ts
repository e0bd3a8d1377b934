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
 *   member, line: what the range checks need); such a line is an error only when its span cannot
 *   be found. For fewer than half the members the span is found without parsing the line
 *   (`span-scan.ts`): a pod of one member parses 1/51 of each index, and decodes no other line.
 *   For more, each line is parsed first, and scanned only when that fails.
 * - A line whose text does not state one object, one member and one span plainly (two lines run
 *   together, a `number` that is not at most 15 digits) is parsed in full, so that its fault is
 *   named; it is an entry only if its member is asked for.
 * - Read for some members, a fault of a member asked for (a line that does not parse, a repeat)
 *   is that member's alone when the line says whose it is (`faults`): the other members of a whole
 *   run, or of a pod's share, carry on. A full read, or a fault no line attributes, throws.
 *
 * @module
 */

import { IndexParseError } from "../api/errors.js";
import { MEMBER_COUNT } from "../api/members.js";
import { parseDigits } from "./digits.js";
import { IndexLines } from "./index-lines.js";
import { spanOfText, tailSpan } from "./span-scan.js";
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

const REQUIRED_KEYS = ["param", "levtype", "step", "type", "_offset", "_length"] as const;

/** An index read for some members: their entries, and the span of every line. */
export interface ParsedIndex {
  /** The entries of the members asked for, but those at fault. */
  entries: IndexEntry[];
  /** One per line, in file order: the entry itself for a parsed line. */
  spans: IndexSpan[];
  /**
   * The first fault of each member asked for whose faulty line says whose it is: that member
   * fails, and the others carry on. A fault no line attributes is thrown.
   */
  faults: ReadonlyMap<number, IndexParseError>;
}

/**
 * Parses the text of an ECMWF open-data `.index` file.
 *
 * @param text the whole file
 * @param path where the text came from, for error messages
 * @throws {IndexParseError} naming `path` and the 1-based line of the first faulty line
 * @example
 * const entries = parseEcmwfIndex(await readText(url), url);
 * entries[0].attrs; // "t:pl:500"
 */
export function parseEcmwfIndex(text: string, path: string): IndexEntry[] {
  return parseEcmwfIndexFor(new TextEncoder().encode(text), path).entries;
}

/**
 * Parses the lines of `members` (all when undefined) in full, and finds the span of every other line.
 *
 * @param bytes the whole file, as read
 * @throws {IndexParseError} naming `path` and the 1-based line of the first faulty line
 * @example
 * const { entries, spans } = parseEcmwfIndexFor(bytes, url, new Set([1]));
 */
export function parseEcmwfIndexFor(
  bytes: Uint8Array,
  path: string,
  members?: ReadonlySet<number>,
): ParsedIndex {
  const lines = new IndexLines(bytes);
  const entries: IndexEntry[] = [];
  const spans: IndexSpan[] = [];
  const faults = new Map<number, IndexParseError>();
  const identities = new Identities();
  // Asked for most members, a line is more likely wanted than not: it is parsed first, and scanned
  // only when that fails (another member's line is no error while its span can be found).
  const scanFirst = members !== undefined && members.size * 2 < MEMBER_COUNT;
  /** A fault of a member asked for: that member's alone when its line says whose it is. */
  const fault = (error: IndexParseError, span: IndexSpan | undefined): void => {
    if (!members || !span || !members.has(span.number)) throw error;
    if (!faults.has(span.number)) faults.set(span.number, error);
  };
  for (let line = 1; lines.next(); line++) {
    let text: string | undefined;
    let span: IndexSpan | undefined;
    if (scanFirst) {
      // Inline, not a helper returning an object: this runs for every line of 85 files in a pod.
      span = tailSpan(lines.bytes, lines.start, lines.stop, line);
      if (!span) {
        text = lines.text();
        span = spanOfText(text, line);
      }
      if (span && (!members.has(span.number) || faults.has(span.number))) {
        spans.push(span);
        continue;
      }
    }
    text ??= lines.text();
    let entry: IndexEntry;
    try {
      entry = parseEcmwfIndexLine(text, path, line);
    } catch (error) {
      span ??= members && (tailSpan(lines.bytes, lines.start, lines.stop, line) ?? spanOfText(text, line));
      // Another member's line is no error while its span can be found.
      if (span && !members?.has(span.number)) {
        spans.push(span);
        continue;
      }
      fault(error as IndexParseError, span);
      spans.push(span!);
      continue;
    }
    // Read in full because the scan could not read it plainly, or parsed first, a line may be
    // another member's, or one already at fault: it gives its span alone.
    if (members && (!members.has(entry.number) || faults.has(entry.number))) {
      spans.push({ offset: entry.offset, length: entry.length, number: entry.number, line: entry.line });
      continue;
    }
    spans.push(entry);
    if (!identities.add(entry)) fault(duplicate(entries, entry, path), entry);
    else entries.push(entry);
  }
  return { entries: faults.size > 0 ? entries.filter((e) => !faults.has(e.number)) : entries, spans, faults };
}

/** The error of `entry` repeating an identity: the first line of the repeat is looked up to name it. */
function duplicate(entries: readonly IndexEntry[], entry: IndexEntry, path: string): IndexParseError {
  const first = entries.find(
    (e) =>
      e.attrs === entry.attrs && e.number === entry.number && e.step === entry.step && e.type === entry.type,
  );
  return new IndexParseError(
    path,
    entry.line,
    `duplicate entry: attrs "${entry.attrs}", number ${entry.number}, step "${entry.step}", ` +
      `type "${entry.type}" already on line ${first!.line}`,
  );
}

/**
 * The identities (`attrs`, `number`, `step`, `type`) of the lines read so far, nested by part: no
 * key string is built per line (a whole run reads 1.56 million), and `attrs` is hashed once for
 * this and the join after it.
 */
class Identities {
  readonly #byAttrs = new Map<string, Map<string, Map<string, Set<number>>>>();

  /** Adds `entry`'s identity; false when it was there already. */
  add(entry: IndexEntry): boolean {
    let byType = this.#byAttrs.get(entry.attrs);
    if (!byType) {
      byType = new Map();
      this.#byAttrs.set(entry.attrs, byType);
    }
    let byStep = byType.get(entry.type);
    if (!byStep) {
      byStep = new Map();
      byType.set(entry.type, byStep);
    }
    let numbers = byStep.get(entry.step);
    if (!numbers) {
      numbers = new Set();
      byStep.set(entry.step, numbers);
    }
    const size = numbers.size;
    return numbers.add(entry.number).size > size;
  }
}

/**
 * Parses one line of an ECMWF `.index` file (no duplicate check: that needs the whole file).
 *
 * @throws {IndexParseError} naming `path` and `line`
 */
export function parseEcmwfIndexLine(text: string, path: string, line: number): IndexEntry {
  const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
  return readPlainLine(raw, path, line) ?? readJsonLine(raw, path, line);
}

// Bits of the keys a plain line has given, to refuse a repeat (JSON.parse would keep the last).
const PARAM = 1;
const LEVTYPE = 2;
const LEVELIST = 4;
const STEP = 8;
const NUMBER = 16;
const TYPE = 32;
const STREAM = 64;
const CLASS = 128;
const EXPVER = 256;
const DATE = 512;
const TIME = 1024;
const DOMAIN = 2048;
const OFFSET = 4096;
const LENGTH = 8192;
const REQUIRED = PARAM | LEVTYPE | STEP | TYPE | OFFSET | LENGTH;
/** Codes of 8 characters and more: a 9th character would lose digits to rounding. */
const KEY_CODE_LIMIT = 32 ** 7;

function keyCode(key: string): number {
  let code = 0;
  for (let i = 0; i < key.length; i++) code = code * 32 + (key.charCodeAt(i) - 94);
  return code;
}

const PARAM_CODE = keyCode("param");
const LEVTYPE_CODE = keyCode("levtype");
const LEVELIST_CODE = keyCode("levelist");
const STEP_CODE = keyCode("step");
const NUMBER_CODE = keyCode("number");
const TYPE_CODE = keyCode("type");
const STREAM_CODE = keyCode("stream");
const CLASS_CODE = keyCode("class");
const EXPVER_CODE = keyCode("expver");
const DATE_CODE = keyCode("date");
const TIME_CODE = keyCode("time");
const DOMAIN_CODE = keyCode("domain");
const OFFSET_CODE = keyCode("_offset");
const LENGTH_CODE = keyCode("_length");

/** The bit of a known key's code; 0 for any other key. */
function keyBit(code: number): number {
  switch (code) {
    case PARAM_CODE:
      return PARAM;
    case LEVTYPE_CODE:
      return LEVTYPE;
    case LEVELIST_CODE:
      return LEVELIST;
    case STEP_CODE:
      return STEP;
    case NUMBER_CODE:
      return NUMBER;
    case TYPE_CODE:
      return TYPE;
    case STREAM_CODE:
      return STREAM;
    case CLASS_CODE:
      return CLASS;
    case EXPVER_CODE:
      return EXPVER;
    case DATE_CODE:
      return DATE;
    case TIME_CODE:
      return TIME;
    case DOMAIN_CODE:
      return DOMAIN;
    case OFFSET_CODE:
      return OFFSET;
    case LENGTH_CODE:
      return LENGTH;
    default:
      return 0;
  }
}

/**
 * A line as ECMWF writes it (`{"param": "2t", ..., "_offset": 0, "_length": 206}`: Python's
 * `json.dumps` layout, each known key once, strings without escapes or control characters, counts
 * of at most 15 digits), read in one pass: `JSON.parse` and the record it builds were most of the
 * cost of reading an ensemble's indexes. `undefined` for any other line, which {@link readJsonLine}
 * reads or refuses, so that its faults are named as before: what this reader accepts, `JSON.parse`
 * reads to the same values.
 */
function readPlainLine(raw: string, path: string, line: number): IndexEntry | undefined {
  const end = raw.length - 1;
  if (end < 1 || raw.charCodeAt(0) !== 123 || raw.charCodeAt(end) !== 125) return undefined;
  let param = "";
  let levtype = "";
  let levelist = "";
  let step = "";
  let number: string | undefined;
  let type = "";
  let stream = "";
  let klass = "";
  let expver = "";
  let date = "";
  let time = "";
  let domain = "";
  let offset = 0;
  let length = 0;
  let given = 0;
  let pos = 1;
  for (;;) {
    if (raw.charCodeAt(pos) !== 34) return undefined;
    // The key as a number, one base-32 digit per character: exact for the keys known (at most 8
    // characters of `_a-z`), and no hash of a sliced string per key.
    let code = 0;
    for (pos++; ; pos++) {
      const c = raw.charCodeAt(pos);
      if (c === 34) break;
      if (c < 95 || c > 122 || code >= KEY_CODE_LIMIT) return undefined;
      code = code * 32 + (c - 94);
    }
    if (raw.charCodeAt(pos + 1) !== 58 || raw.charCodeAt(pos + 2) !== 32) return undefined;
    const key = keyBit(code);
    if (key === 0 || (given & key) !== 0) return undefined;
    given |= key;
    pos += 3;
    if (raw.charCodeAt(pos) === 34) {
      // A count written as a string is a fault JSON.parse's path names.
      if (key >= OFFSET) return undefined;
      const start = pos + 1;
      for (pos = start; ; pos++) {
        if (pos >= end) return undefined;
        const c = raw.charCodeAt(pos);
        if (c === 34) break;
        if (c < 32 || c === 92) return undefined;
      }
      const value = raw.slice(start, pos);
      pos++;
      switch (key) {
        case PARAM:
          param = value;
          break;
        case LEVTYPE:
          levtype = value;
          break;
        case LEVELIST:
          levelist = value;
          break;
        case STEP:
          step = value;
          break;
        case NUMBER:
          number = value;
          break;
        case TYPE:
          type = value;
          break;
        case STREAM:
          stream = value;
          break;
        case CLASS:
          klass = value;
          break;
        case EXPVER:
          expver = value;
          break;
        case DATE:
          date = value;
          break;
        case TIME:
          time = value;
          break;
        default:
          domain = value;
      }
    } else {
      // A number where a string belongs (a MARS index) is a fault JSON.parse's path names.
      if (key < OFFSET) return undefined;
      const start = pos;
      let count = 0;
      for (;;) {
        const d = raw.charCodeAt(pos) - 48;
        if (!(d >= 0 && d <= 9)) break;
        count = count * 10 + d;
        pos++;
      }
      const digits = pos - start;
      // JSON has no leading zeros; more than 15 digits may not be a safe integer.
      if (digits === 0 || digits > 15 || (digits > 1 && raw.charCodeAt(start) === 48)) return undefined;
      if (key === OFFSET) offset = count;
      else length = count;
    }
    if (pos === end) break;
    if (raw.charCodeAt(pos) !== 44 || raw.charCodeAt(pos + 1) !== 32) return undefined;
    pos += 2;
  }
  if ((given & REQUIRED) !== REQUIRED) return undefined;
  return toEntry(
    {
      param,
      levtype,
      levelist,
      step,
      number,
      type,
      stream,
      klass,
      expver,
      date,
      time,
      domain,
      offset,
      length,
    },
    path,
    line,
  );
}

/**
 * Parses a line that is not plain with `JSON.parse`, which names its faults.
 *
 * @throws {IndexParseError} naming `path` and `line`
 */
function readJsonLine(raw: string, path: string, line: number): IndexEntry {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    if (raw.trim() === "") throw new IndexParseError(path, line, "empty line between index entries");
    const hint = raw.trimEnd().endsWith("}") ? "" : " (the line ends before its closing '}': truncated?)";
    throw new IndexParseError(path, line, `not a JSON object${hint}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new IndexParseError(path, line, `not a JSON object: ${raw.slice(0, 60)}`);
  }
  const record = value as Record<string, unknown>;
  // Each key read once, by name: a loop over key names costs a generic lookup per key and line.
  const {
    param,
    levtype,
    levelist = "",
    step,
    number,
    type,
    stream = "",
    class: klass = "",
    expver = "",
    date = "",
    time = "",
    domain = "",
    _offset: offset,
    _length: length,
  } = record;
  if (
    !(
      typeof param === "string" &&
      typeof levtype === "string" &&
      typeof levelist === "string" &&
      typeof step === "string" &&
      (number === undefined || typeof number === "string") &&
      typeof type === "string" &&
      typeof stream === "string" &&
      typeof klass === "string" &&
      typeof expver === "string" &&
      typeof date === "string" &&
      typeof time === "string" &&
      typeof domain === "string" &&
      isByteCount(offset) &&
      isByteCount(length)
    )
  ) {
    throw new IndexParseError(path, line, recordFault(record));
  }

  return toEntry(
    {
      param,
      levtype,
      levelist,
      step,
      number,
      type,
      stream,
      klass,
      expver,
      date,
      time,
      domain,
      offset,
      length,
    },
    path,
    line,
  );
}

/** A line's values, typed as the index states them, as both readers of a line find them. */
interface LineValues {
  param: string;
  levtype: string;
  levelist: string;
  step: string;
  number: string | undefined;
  type: string;
  stream: string;
  klass: string;
  expver: string;
  date: string;
  time: string;
  domain: string;
  offset: number;
  length: number;
}

/** The entry of a line whose values have the types asked for, once the values themselves are checked. */
function toEntry(values: LineValues, path: string, line: number): IndexEntry {
  const {
    param,
    levtype,
    levelist,
    step,
    number,
    type,
    stream,
    klass,
    expver,
    date,
    time,
    domain,
    offset,
    length,
  } = values;
  // `pl` and `sol` fields are told apart by `levelist`.
  if (levelist === "" && (levtype === "pl" || levtype === "sol")) {
    throw new IndexParseError(path, line, `levtype "${levtype}" line without "levelist"`);
  }
  const stepEnd = parseStepEnd(step);
  if (stepEnd === undefined) {
    throw new IndexParseError(path, line, `"step" must be hours ("135") or a window ("0-6"), got "${step}"`);
  }
  // Member 0 for lines without `number` (control); a perturbed line must say which member it is.
  let member = 0;
  if (number !== undefined) {
    const n = parseDigits(number);
    if (n === undefined) {
      throw new IndexParseError(path, line, `"number" must be a non-negative integer, got "${number}"`);
    }
    member = n;
  } else if (type === "pf") {
    throw new IndexParseError(path, line, `type "pf" (perturbed member) line without "number"`);
  }

  return {
    attrs: `${param}:${levtype}:${levelist}`,
    param,
    levtype,
    levelist,
    step,
    stepEnd,
    number: member,
    type,
    stream,
    class: klass,
    expver,
    date,
    time,
    domain,
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

function isByteCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * What is wrong with a record that failed the quick check of key types, required keys and spans,
 * named as the checks in this order would: a MARS index by its numbers before any missing key.
 * When nothing before it is wrong, `_length` is.
 */
function recordFault(record: Record<string, unknown>): string {
  for (const key of STRING_KEYS) {
    const v = record[key];
    if (v === undefined || typeof v === "string") continue;
    if (typeof v === "number") {
      return (
        `"${key}" is the number ${v}, not a string: this is a MARS retrieval index, ` +
        "not an ECMWF open-data index"
      );
    }
    return `"${key}" must be a string, got ${shown(v)}`;
  }
  if (REQUIRED_KEYS.some((key) => record[key] === undefined)) return missingKeys(record);
  const key = isByteCount(record._offset) ? "_length" : "_offset";
  return `"${key}" must be a non-negative integer, got ${shown(record[key])}`;
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

function missingKeys(record: Record<string, unknown>): string {
  const missing = REQUIRED_KEYS.filter((key) => record[key] === undefined).map((k) => `"${k}"`);
  return `missing required key${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
}
