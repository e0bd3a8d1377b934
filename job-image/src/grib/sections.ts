/**
 * Reads sections 0–5 of a GRIB2 message from a prefix of its bytes, never touching sections 6
 * (bitmap) and 7 (data).
 *
 * Invariants:
 * - Sections come in the order 0, 1, [2], 3, 4, 5; any other order, a section that reaches past
 *   the length section 0 declares, or an end marker before section 5 is a `GribFormatError`.
 * - Given the whole message (or more), the sections must chain to a `7777` at the length section
 *   0 declares; only their headers are read.
 * - A prefix that ends before section 5 does, while section 0 says the message is longer, is
 *   not a broken message: `GribPrefixTooShortError.needBytes` says how many bytes (from the
 *   message start) the next attempt needs. It is the least known bound: it covers the next
 *   section header, or the whole of a section whose length is already known.
 *
 * @module
 */
import { GribFormatError, GribPrefixTooShortError } from "../api/errors.js";
import { isTag, u8, u32 } from "./bytes.js";
import type { MarsLabeling, RawSections } from "./raw.js";
import { type ByteSource, checkSectionChain, INDICATOR_LENGTH, readIndicator } from "./scan.js";
import {
  readGridSection,
  readIdentification,
  readMarsLabeling,
  readProductSection,
  readRepresentationSection,
  type SectionAt,
} from "./section-templates.js";
import type { SectionSpan } from "./types.js";

/** The sections that may follow each section, for a message read up to section 5. */
const NEXT: Record<number, readonly number[]> = { 0: [1], 1: [2, 3], 2: [3], 3: [4], 4: [5] };
const MAGIC = "GRIB";
/** The centre whose local section 2 gik reads (ECMWF), directly or as sub-centre. */
const ECMWF = 98;

/**
 * Sections 0–5 of the message whose first bytes are `bytes`. `where` names the source and the
 * offset of `bytes[0]` in it, for error messages.
 */
export function readSections(bytes: Uint8Array, where: ByteSource): RawSections {
  const have = bytes.length;
  const tooShort = (needBytes: number) =>
    new GribPrefixTooShortError(where.path, where.offset, have, needBytes);
  if (have < INDICATOR_LENGTH) {
    // Wrong magic or edition fails now; a genuine GRIB2 start just needs the 16 bytes of section 0.
    const magicSoFar = [...bytes.subarray(0, 4)].every((byte, i) => byte === MAGIC.charCodeAt(i));
    if (!magicSoFar || (have >= 8 && bytes[7] !== 2)) readIndicator(bytes, 0, where);
    throw tooShort(INDICATOR_LENGTH);
  }
  const indicator = readIndicator(bytes, 0, where);
  const total = indicator.totalLength;
  const fail = (pos: number, reason: string) => new GribFormatError(where.path, where.offset + pos, reason);
  const sections: SectionSpan[] = [{ number: 0, offset: 0, length: INDICATOR_LENGTH }];
  const located: (SectionAt | undefined)[] = [];
  let pos = INDICATOR_LENGTH;
  let previous = 0;
  while (previous !== 5) {
    if (pos + 5 > total - 4)
      throw fail(pos, `the message (${total} bytes per section 0) ends before section 5`);
    if (pos + 5 > have) throw tooShort(pos + 5);
    if (isTag(bytes, pos, "7777"))
      throw fail(pos, `end marker "7777" where section ${NEXT[previous]![0]} was expected`);
    const length = u32(bytes, pos);
    const number = u8(bytes, pos + 4);
    if (!NEXT[previous]!.includes(number)) {
      throw fail(
        pos,
        `section ${number} after section ${previous} (expected ${NEXT[previous]!.join(" or ")})`,
      );
    }
    if (length < 5 || pos + length > total - 4) {
      throw fail(
        pos,
        `section ${number} declares ${length} bytes, inconsistent with the message length ${total}`,
      );
    }
    if (pos + length > have) throw tooShort(pos + length);
    sections.push({ number, offset: pos, length });
    located[number] = { bytes, at: pos, length, where, messageOffset: where.offset };
    previous = number;
    pos += length;
  }
  // Given the whole message, it must be whole: the section chain ends at its "7777".
  if (have >= total) checkSectionChain(bytes, 0, total, where);
  const identification = readIdentification(located[1]!);
  return {
    totalLength: total,
    sections,
    discipline: indicator.discipline,
    identification,
    mars: readLocal(located[2], identification.centre, identification.subCentre),
    grid: readGridSection(located[3]!),
    product: readProductSection(located[4]!),
    representation: readRepresentationSection(located[5]!),
  };
}

/** ecCodes reads section 2 as ECMWF's local definition when the centre for local use is 98 and it is not empty. */
function readLocal(
  section: SectionAt | undefined,
  centre: number,
  subCentre: number,
): MarsLabeling | undefined {
  const forLocal = subCentre === ECMWF ? subCentre : centre;
  if (!section || section.length <= 5 || forLocal !== ECMWF) return undefined;
  return readMarsLabeling(section);
}
