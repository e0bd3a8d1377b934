/**
 * The member and span of an index line without parsing it: what a read for some members needs of
 * the other members' lines (50 of every 51), for the range checks.
 *
 * Notes:
 * - A span is found only when the line states it plainly: an offset, a length and at most one
 *   `number` of at most 15 digits (none is member 0, as {@link parseEcmwfIndexLine} decides), and
 *   one object on the line, as there is not when a lost newline runs two lines together (the scan
 *   would find the first object's span and lose the second line). Any other line is parsed in
 *   full by the caller, so that its fault is named.
 * - Lines as ECMWF writes them (Python's `json.dumps` layout, ending `"number": "N", "param":
 *   "x", "_offset": O, "_length": L}`) are read backwards from their end, on the bytes in place
 *   ({@link tailSpan}); other lines are read on their text, by name ({@link spanOfText}). Both
 *   read a line whose keys appear once to the same span.
 * - The scan reads text, not JSON: a key repeated within the object, written with escapes or
 *   nested in another value can mislead it. Published indexes have none of these.
 *
 * @module
 */
import { parseDigits } from "./digits.js";
import type { IndexSpan } from "./types.js";

const LENGTH_KEY = bytesOf(', "_length": ');
const OFFSET_KEY = bytesOf(', "_offset": ');
const NUMBER_KEY = bytesOf('"number": "');
const QUOTE = 34;
const CLOSE = 125;

/**
 * The span of line `[start, stop)` of `bytes` when it ends as ECMWF writes its lines, with its
 * `number` just before `_offset` or one key before that; `undefined` when it does not.
 */
export function tailSpan(
  bytes: Uint8Array,
  start: number,
  stop: number,
  line: number,
): IndexSpan | undefined {
  const close = bytes[stop - 1] === 13 ? stop - 2 : stop - 1;
  if (bytes[close] !== CLOSE) return undefined;
  const lengthAt = digitsBefore(bytes, close, start);
  const offsetEnd = lengthAt - LENGTH_KEY.length;
  if (lengthAt < 0 || !keyBefore(bytes, lengthAt, LENGTH_KEY, start)) return undefined;
  const offsetAt = digitsBefore(bytes, offsetEnd, start);
  const pairEnd = offsetAt - OFFSET_KEY.length;
  if (offsetAt < 0 || !keyBefore(bytes, offsetAt, OFFSET_KEY, start)) return undefined;
  let number = numberBefore(bytes, pairEnd, start);
  if (number === undefined) {
    const pairStart = pairBefore(bytes, pairEnd, start);
    if (pairStart !== undefined) number = numberBefore(bytes, pairStart - 2, start);
  }
  if (number === undefined || bytes.indexOf(CLOSE, start) !== close) return undefined;
  return { offset: count(bytes, offsetAt, offsetEnd), length: count(bytes, lengthAt, close), number, line };
}

/** Where the digits ending at `end` begin (1 to 15 of them, not before `floor`); -1 without. */
function digitsBefore(bytes: Uint8Array, end: number, floor: number): number {
  let i = end;
  while (i > floor && bytes[i - 1]! >= 48 && bytes[i - 1]! <= 57) i--;
  return i === end || end - i > 15 ? -1 : i;
}

/** The digits `[from, to)` as a number. */
function count(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + bytes[i]! - 48;
  return n;
}

/** Whether `key` ends at `end`, not before `floor`. */
function keyBefore(bytes: Uint8Array, end: number, key: Uint8Array, floor: number): boolean {
  const from = end - key.length;
  if (from < floor) return false;
  for (let i = 0; i < key.length; i++) if (bytes[from + i] !== key[i]) return false;
  return true;
}

/** The member when `"number": "N"` ends at `end`. */
function numberBefore(bytes: Uint8Array, end: number, floor: number): number | undefined {
  if (bytes[end - 1] !== QUOTE) return undefined;
  const at = digitsBefore(bytes, end - 1, floor);
  return at >= 0 && keyBefore(bytes, at, NUMBER_KEY, floor) ? count(bytes, at, end - 1) : undefined;
}

/** Where the `"key": "value"` pair ending at `end` begins, when `, ` comes before it. */
function pairBefore(bytes: Uint8Array, end: number, floor: number): number | undefined {
  if (bytes[end - 1] !== QUOTE) return undefined;
  const value = bytes.lastIndexOf(QUOTE, end - 2);
  if (value - 3 < floor || bytes[value - 1] !== 32 || bytes[value - 2] !== 58 || bytes[value - 3] !== QUOTE)
    return undefined;
  const key = bytes.lastIndexOf(QUOTE, value - 4);
  return key - 2 >= floor && bytes[key - 1] === 32 && bytes[key - 2] === 44 ? key : undefined;
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

// Numbers with or without quotes: a MARS index's `"number": 1` must reach the full parse, which names it.
// No digits (`"number": "x"`, `null`) captures "", which is no member: the line is parsed in full.
const NUMBER_VALUE = /"number"\s*:\s*"?(\d*)/;
const OFFSET_VALUE = /"_offset"\s*:\s*(\d+)\s*[,}]/;
const LENGTH_VALUE = /"_length"\s*:\s*(\d+)\s*[,}]/;

/** The span of a line's text found by key name, in any order and spacing; `undefined` when not plain. */
export function spanOfText(text: string, line: number): IndexSpan | undefined {
  const found = NUMBER_VALUE.exec(text);
  const number = found ? parseDigits(found[1]!) : 0;
  const offset = OFFSET_VALUE.exec(text);
  const length = LENGTH_VALUE.exec(text);
  const o = offset && parseDigits(offset[1]!);
  const l = length && parseDigits(length[1]!);
  if (number === undefined || typeof o !== "number" || typeof l !== "number") return undefined;
  const close = text.indexOf("}");
  // Mostly nothing or a carriage return follows; anything else is looked at as `trim()` sees it.
  if (close === -1 || (close + 1 < text.length && text.slice(close + 1).trim() !== "")) return undefined;
  return { offset: o, length: l, number, line };
}
