/**
 * Reader of NOAA wgrib2 `.idx` inventories (GFS, GEFS, GFS-Wave, HRRR):
 * `n:offset:d=YYYYMMDDHH:VAR:LEVEL:TIME[:ENS][:…]`, one line per field.
 *
 * Notes:
 * - The inventory gives offsets only. A message runs to the next larger offset; the last one runs
 *   to the end of the GRIB file, so its length is known only when the file size is given.
 * - Fields of one multi-field message are numbered `n.1`, `n.2`, … and share the message's offset
 *   and length.
 * - `attrs` is what kerchunk's `parse_grib_idx` joins on: the rest of the line after the date
 *   field, verbatim (`"PRMSL:mean sea level:anl:"`). Two lines with the same `attrs` would make the
 *   join ambiguous, so that is an error.
 * - Offsets never decrease; blank lines at the end are ignored, blank lines between entries are errors.
 *
 * @module
 */

import { IndexParseError } from "../errors.js";
import { parseDigits } from "./digits.js";
import type { NoaaIndexEntry } from "./types.js";

/**
 * Parses the text of a wgrib2 `.idx` file.
 *
 * @param text the whole file
 * @param path where the text came from, for error messages
 * @param fileSize size of the GRIB file in bytes, to give the last message its length
 * @throws {IndexParseError} naming `path` and the 1-based line of the fault
 * @example
 * const entries = parseNoaaIdx(idxText, "gfs.t00z.pgrb2.0p25.f000.idx", head.size);
 * entries[0]; // { attrs: "PRMSL:mean sea level:anl:", offset: 0, length: 892922, … }
 */
export function parseNoaaIdx(text: string, path: string, fileSize?: number): NoaaIndexEntry[] {
  const lines = text.split("\n");
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === "") end--;

  const entries: NoaaIndexEntry[] = [];
  const firstLineOf = new Map<string, number>();
  for (let i = 0; i < end; i++) {
    const entry = parseLine(lines[i]!, path, i + 1);
    const previous = entries.at(-1);
    if (previous !== undefined) checkOrder(previous, entry, path);
    const first = firstLineOf.get(entry.attrs);
    if (first !== undefined) {
      throw new IndexParseError(
        path,
        entry.line,
        `duplicate attrs "${entry.attrs}", already on line ${first}`,
      );
    }
    firstLineOf.set(entry.attrs, entry.line);
    entries.push(entry);
  }
  assignLengths(entries, path, fileSize);
  return entries;
}

function parseLine(text: string, path: string, line: number): NoaaIndexEntry {
  const fail = (reason: string): never => {
    throw new IndexParseError(path, line, reason);
  };
  const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
  if (raw.trim() === "") fail("empty line between index entries");

  const c1 = raw.indexOf(":");
  const c2 = c1 === -1 ? -1 : raw.indexOf(":", c1 + 1);
  const c3 = c2 === -1 ? -1 : raw.indexOf(":", c2 + 1);
  if (c3 === -1) fail(`expected "n:offset:d=YYYYMMDDHH:VAR:LEVEL:TIME", got "${raw.slice(0, 80)}"`);

  const number = raw.slice(0, c1);
  const dot = number.indexOf(".");
  const message = parseDigits(dot === -1 ? number : number.slice(0, dot));
  const submessage = dot === -1 ? undefined : parseDigits(number.slice(dot + 1));
  if (message === undefined || (dot !== -1 && submessage === undefined)) {
    fail(`message number must be "n" or "n.m", got "${number}"`);
  }
  const offset = parseDigits(raw.slice(c1 + 1, c2));
  if (offset === undefined) fail(`offset must be a non-negative integer, got "${raw.slice(c1 + 1, c2)}"`);
  const dateField = raw.slice(c2 + 1, c3);
  const date = dateField.slice(2);
  if (!dateField.startsWith("d=") || date.length !== 10 || parseDigits(date) === undefined) {
    fail(`date field must be "d=YYYYMMDDHH", got "${dateField}"`);
  }

  const attrs = raw.slice(c3 + 1);
  const [variable, level, forecast, ens] = attrs.split(":");
  if (forecast === undefined || variable === "")
    fail(`expected "VAR:LEVEL:TIME" after the date, got "${attrs}"`);

  return {
    attrs,
    message: message!,
    submessage,
    offset: offset!,
    length: undefined,
    date,
    variable: variable!,
    level: level!,
    forecast: forecast!,
    ens: ens === undefined || ens === "" ? undefined : ens,
    line,
  };
}

/** Offsets never go back; an equal offset is only allowed for fields of the same message. */
function checkOrder(previous: NoaaIndexEntry, entry: NoaaIndexEntry, path: string): void {
  if (entry.offset > previous.offset) return;
  if (entry.offset === previous.offset && entry.message === previous.message) return;
  throw new IndexParseError(
    path,
    entry.line,
    `offset ${entry.offset} does not come after offset ${previous.offset} of line ${previous.line}`,
  );
}

/** Length of each message: the next larger offset, or `fileSize`, minus its own offset. */
function assignLengths(entries: NoaaIndexEntry[], path: string, fileSize: number | undefined): void {
  let nextOffset = fileSize;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    const next = entries[i + 1];
    if (next !== undefined && next.offset > entry.offset) nextOffset = next.offset;
    if (nextOffset !== undefined && nextOffset <= entry.offset) {
      throw new IndexParseError(
        path,
        entry.line,
        `offset ${entry.offset} is at or past the end of the GRIB file (${fileSize} bytes)`,
      );
    }
    entry.length = nextOffset === undefined ? undefined : nextOffset - entry.offset;
  }
}
