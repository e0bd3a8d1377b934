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

const REQUIRED_KEYS = ["param", "levtype", "step", "type", "_offset", "_length"] as const;

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
  const end = contentEnd(text);
  const entries: IndexEntry[] = [];
  const spans: IndexSpan[] = [];
  const identities = new Identities();
  const scan = members && new SpanScan(text);
  // Lines are found in the text in place: a pod reads 85 indexes of ~9,000 lines, and a string per
  // line cost as much as the scan itself.
  for (let start = 0, line = 1; start < end; line++) {
    const found = text.indexOf("\n", start);
    const stop = found === -1 || found > end ? end : found;
    const lineStart = start;
    start = stop + 1;
    if (scan) {
      const span = scan.span(lineStart, stop, line, members!);
      if (span) {
        spans.push(span);
        continue;
      }
    }
    const entry = parseEcmwfIndexLine(text.slice(lineStart, stop), path, line);
    spans.push(entry);
    // Read in full because the scan could not read it plainly, a line may be another member's.
    if (members && !members.has(entry.number)) continue;
    // The first line of a repeat is looked up again only to name it.
    if (!identities.add(entry)) {
      const first = entries.find(
        (e) =>
          e.attrs === entry.attrs &&
          e.number === entry.number &&
          e.step === entry.step &&
          e.type === entry.type,
      );
      throw new IndexParseError(
        path,
        entry.line,
        `duplicate entry: attrs "${entry.attrs}", number ${entry.number}, step "${entry.step}", ` +
          `type "${entry.type}" already on line ${first!.line}`,
      );
    }
    entries.push(entry);
  }
  return { entries, spans };
}

/** Where the last line that is not blank ends: blank lines at the end are no entries. */
function contentEnd(text: string): number {
  const last = text.trimEnd().length - 1;
  if (last < 0) return 0;
  const newline = text.indexOf("\n", last);
  return newline === -1 ? text.length : newline;
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

// Numbers with or without quotes: a MARS index's `"number": 1` must reach the full parse, which names it.
// No digits (`"number": "x"`, `null`) captures "", which is no member: the line is parsed in full.
const NUMBER_VALUE = /"number"\s*:\s*"?(\d*)/;
const OFFSET_VALUE = /"_offset"\s*:\s*(\d+)\s*[,}]/;
const LENGTH_VALUE = /"_length"\s*:\s*(\d+)\s*[,}]/;

/**
 * The first match of a global regular expression at or after a position of one text, for
 * positions that only grow. The last match is kept: a key that some lines lack (`number` in a
 * control's file) is then looked for once, not from every line to the end of the text.
 */
class NextMatch {
  readonly #pattern: RegExp;
  readonly #text: string;
  #from = Number.POSITIVE_INFINITY;
  #match: RegExpExecArray | null = null;

  constructor(pattern: RegExp, text: string) {
    // A global copy of its own: `lastIndex` is where its search starts.
    this.#pattern = new RegExp(pattern.source, "g");
    this.#text = text;
  }

  /** The match that begins in the line `[start, stop)`, if any. */
  in(start: number, stop: number): RegExpExecArray | undefined {
    if (!(this.#from <= start && (this.#match === null || this.#match.index >= start))) {
      this.#pattern.lastIndex = start;
      this.#match = this.#pattern.exec(this.#text);
      this.#from = start;
    }
    const m = this.#match;
    return m && m.index < stop ? m : undefined;
  }
}

/**
 * The member and span of lines without parsing them, on the text in place.
 *
 * A line's member is 0 without `number`, as {@link parseEcmwfIndexLine} decides, and the line is
 * parsed in full when `number` is not followed by at most 15 digits: such a line may be any
 * member's, the one at work included. Its span is found only when plain: an offset and a length,
 * and one object on the line, as it is not when a lost newline runs two lines together (the scan
 * would find the first object's span and its member, and lose the second line). A key that begins
 * on the line and whose value the pattern reads on into the next line leaves the line without a
 * closing brace of its own (or with text after it), so that line, too, is parsed in full.
 */
class SpanScan {
  readonly #text: string;
  readonly #number: NextMatch;
  readonly #offset: NextMatch;
  readonly #length: NextMatch;

  constructor(text: string) {
    this.#text = text;
    this.#number = new NextMatch(NUMBER_VALUE, text);
    this.#offset = new NextMatch(OFFSET_VALUE, text);
    this.#length = new NextMatch(LENGTH_VALUE, text);
  }

  /** The span of line `[start, stop)` when it is plainly a member's not in `members`; else undefined (parse it in full). */
  span(start: number, stop: number, line: number, members: ReadonlySet<number>): IndexSpan | undefined {
    const found = this.#number.in(start, stop);
    const number = found ? parseDigits(found[1]!) : 0;
    if (number === undefined || members.has(number)) return undefined;
    const offset = this.#offset.in(start, stop);
    const length = this.#length.in(start, stop);
    const o = offset && parseDigits(offset[1]!);
    const l = length && parseDigits(length[1]!);
    if (typeof o !== "number" || typeof l !== "number") return undefined;
    const close = this.#text.indexOf("}", start);
    if (close === -1 || close >= stop) return undefined;
    // Mostly nothing or a carriage return follows; anything else is looked at as `trim()` sees it.
    if (close + 1 < stop && this.#text.slice(close + 1, stop).trim() !== "") return undefined;
    return { offset: o, length: l, number, line };
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
