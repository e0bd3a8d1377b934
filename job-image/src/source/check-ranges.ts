/**
 * Checks of index byte ranges against their GRIB file, without reading message data.
 *
 * Notes:
 * - A range past the end of the file is a fault of that entry (and so of its member).
 * - ECMWF writes messages back to back: sorted by offset, each entry ends where the next begins,
 *   the first starts at 0 and the last ends at the file size. An entry that breaks this tiling is
 *   a suspect; suspects are probed by reading their first and last four bytes, which must be
 *   `GRIB` and `7777`.
 * - Where the first two messages tile and neither is a suspect, one read of the eight bytes where
 *   they meet (`7777GRIB`) checks that the index's ranges lie on the file's messages; otherwise the
 *   first message is probed as a suspect is. One read a file, not two: a pod reads 85 files, a
 *   whole run 170.
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

/** What the index alone says of a file's ranges, and what must be read to check them. */
export interface RangeCheck {
  faults: RangeFault[];
  /** Lines to probe at both ends. */
  suspects: IndexSpan[];
  /** The first two messages, where they tile and are not suspects: probed where they meet. */
  junction?: [IndexSpan, IndexSpan];
}

/**
 * Pure part: lines whose range passes the end of the file, lines whose ranges break the tiling,
 * and where the first messages meet. Every line of the index takes part, parsed for its member or not.
 */
export function classifyRanges(
  spans: readonly IndexSpan[],
  gribSize: number,
  gribUrl: string,
  indexUrl: string,
): RangeCheck {
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
  sorted.forEach((entry, i) => {
    const next = sorted[i + 1];
    const end = entry.offset + entry.length;
    if ((next && end !== next.offset) || (!next && end !== gribSize)) {
      suspects.add(entry);
      if (next) suspects.add(next);
    }
  });
  const faulty = new Set(faults.map((f) => f.entry));
  const [first, second] = sorted;
  const meet = first && second && ![first, second].some((e) => suspects.has(e) || faulty.has(e));
  if (first && !meet) suspects.add(first);
  return {
    faults,
    suspects: [...suspects].filter((e) => !faulty.has(e)),
    ...(meet ? { junction: [first, second] as [IndexSpan, IndexSpan] } : {}),
  };
}

const GRIB = [0x47, 0x52, 0x49, 0x42];
const END = [0x37, 0x37, 0x37, 0x37];

/** Classifies a step's ranges and probes the suspects and the junction: every fault found, by entry. */
export async function checkRanges(source: ReadableStore, step: StepIndex): Promise<RangeFault[]> {
  const indexUrl = source.url(step.index.key);
  const { faults, suspects, junction } = classifyRanges(step.spans, step.gribSize, step.gribUrl, indexUrl);
  const misplaced = (entry: IndexSpan, what: "start with GRIB" | "end with 7777"): RangeFault => ({
    entry,
    error: new GribFormatError(
      step.gribUrl,
      entry.offset,
      `range of ${where(indexUrl, entry)} does not ${what}`,
    ),
  });
  const probed = await Promise.all([
    ...suspects.map(async (entry): Promise<RangeFault[]> => {
      const [head, tail] = await Promise.all([
        source.getRange(step.gribKey, { offset: entry.offset, length: 4 }),
        source.getRange(step.gribKey, { offset: entry.offset + entry.length - 4, length: 4 }),
      ]);
      if (!same(head, 0, GRIB)) return [misplaced(entry, "start with GRIB")];
      return same(tail, 0, END) ? [] : [misplaced(entry, "end with 7777")];
    }),
    (async (): Promise<RangeFault[]> => {
      if (!junction) return [];
      const [first, second] = junction;
      const bytes = await source.getRange(step.gribKey, { offset: second.offset - 4, length: 8 });
      return [
        ...(same(bytes, 0, END) ? [] : [misplaced(first, "end with 7777")]),
        ...(same(bytes, 4, GRIB) ? [] : [misplaced(second, "start with GRIB")]),
      ];
    })(),
  ]);
  return [...faults, ...probed.flat()];
}

/** `index:line (attrs, member n)`; the field is known for the lines parsed in full. */
function where(indexUrl: string, span: IndexSpan | IndexEntry): string {
  const field = "attrs" in span ? `${span.attrs}, ` : "";
  return `${indexUrl}:${span.line} (${field}member ${span.number})`;
}

/** Whether `bytes` hold `expected` at `at`. */
function same(bytes: Uint8Array | undefined, at: number, expected: readonly number[]): boolean {
  return (
    bytes !== undefined &&
    bytes.length >= at + expected.length &&
    expected.every((b, i) => bytes[at + i] === b)
  );
}
