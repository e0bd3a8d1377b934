/**
 * Checks of index byte ranges against their GRIB file, without reading message data.
 *
 * Notes:
 * - A range past the end of the file is a fault of that entry (and so of its member).
 * - ECMWF writes messages back to back: sorted by offset, each entry ends where the next begins,
 *   the first starts at 0 and the last ends at the file size. An entry that breaks this tiling is
 *   a suspect; suspects (and the first message of each file) are probed by reading their first and
 *   last four bytes, which must be `GRIB` and `7777`.
 *
 * @module
 */
import { ByteRangeError, type GikError, GribFormatError } from "../api/errors.js";
import type { IndexEntry, IndexSpan } from "../index/types.js";
import type { ReadableStore } from "../storage/types.js";
import type { StepIndex } from "./step-files.js";

export interface RangeFault {
  entry: IndexSpan;
  error: GikError;
}

/**
 * Pure part: lines whose range passes the end of the file, and lines whose ranges break the tiling.
 * Every line of the index takes part, parsed for its member or not.
 */
export function classifyRanges(
  spans: readonly IndexSpan[],
  gribSize: number,
  gribUrl: string,
  indexUrl: string,
): { faults: RangeFault[]; suspects: IndexSpan[] } {
  const faults: RangeFault[] = [];
  for (const entry of spans) {
    if (entry.offset + entry.length > gribSize) {
      faults.push({
        entry,
        error: new ByteRangeError(
          gribUrl,
          entry.offset,
          entry.length,
          `${where(indexUrl, entry)} reaches past the end of the file (${gribSize} bytes)`,
        ),
      });
    }
  }
  const sorted = [...spans].sort((a, b) => a.offset - b.offset);
  const suspects = new Set<IndexSpan>();
  if (sorted[0]) suspects.add(sorted[0]);
  sorted.forEach((entry, i) => {
    const next = sorted[i + 1];
    const end = entry.offset + entry.length;
    if ((next && end !== next.offset) || (!next && end !== gribSize)) {
      suspects.add(entry);
      if (next) suspects.add(next);
    }
  });
  const faulty = new Set(faults.map((f) => f.entry));
  return { faults, suspects: [...suspects].filter((e) => !faulty.has(e)) };
}

const GRIB = [0x47, 0x52, 0x49, 0x42];
const END = [0x37, 0x37, 0x37, 0x37];

/** Classifies a step's ranges and probes the suspects: every fault found, by entry. */
export async function checkRanges(source: ReadableStore, step: StepIndex): Promise<RangeFault[]> {
  const indexUrl = source.url(step.index.key);
  const { faults, suspects } = classifyRanges(step.spans, step.gribSize, step.gribUrl, indexUrl);
  const probed = await Promise.all(
    suspects.map(async (entry): Promise<RangeFault | undefined> => {
      const [head, tail] = await Promise.all([
        source.getRange(step.gribKey, { offset: entry.offset, length: 4 }),
        source.getRange(step.gribKey, { offset: entry.offset + entry.length - 4, length: 4 }),
      ]);
      const line = where(indexUrl, entry);
      if (!same(head, GRIB)) {
        return {
          entry,
          error: new GribFormatError(step.gribUrl, entry.offset, `range of ${line} does not start with GRIB`),
        };
      }
      if (!same(tail, END)) {
        return {
          entry,
          error: new GribFormatError(step.gribUrl, entry.offset, `range of ${line} does not end with 7777`),
        };
      }
      return undefined;
    }),
  );
  return [...faults, ...probed.filter((f): f is RangeFault => f !== undefined)];
}

/** `index:line (attrs, member n)`; the field is known for the lines parsed in full. */
function where(indexUrl: string, span: IndexSpan | IndexEntry): string {
  const field = "attrs" in span ? `${span.attrs}, ` : "";
  return `${indexUrl}:${span.line} (${field}member ${span.number})`;
}

function same(bytes: Uint8Array | undefined, expected: readonly number[]): boolean {
  return bytes !== undefined && bytes.length === expected.length && expected.every((b, i) => bytes[i] === b);
}
