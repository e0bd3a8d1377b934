/**
 * Where GRIB2 messages lie in a byte stream, and whether a byte range is exactly one message.
 *
 * Invariants:
 * - A message starts with `GRIB`, its section 0 gives the edition (only 2 is read) and the total
 *   length in a full 8-byte field (kerchunk's `_split_file` reads only the low 4 bytes), and it
 *   ends with `7777` exactly `totalLength` bytes after its start.
 * - Sections 1–7 chain from byte 16 to the end marker: each starts with its 4-byte length and its
 *   number; a chain that overshoots or undershoots the end marker is a broken message.
 * - Bytes between messages (a stray byte left by a range download) and after the last one are
 *   skipped by searching for the next `GRIB`; bytes inside a message are never searched.
 *
 * @module
 */
import { GribFormatError } from "../api/errors.js";
import { isTag, u8, u32, u64 } from "./bytes.js";

/** Where a message lies in the scanned bytes. */
export interface MessageBounds {
  offset: number;
  length: number;
}

/** Where the bytes given to a reader come from: a file (or URL) and the offset of byte 0 in it. */
export interface ByteSource {
  path: string;
  offset: number;
}

/** What section 0 (the indicator section, 16 bytes) says. */
export interface Indicator {
  discipline: number;
  edition: 2;
  totalLength: number;
}

export const INDICATOR_LENGTH = 16;
const END_MARKER_LENGTH = 4;

/**
 * Reads section 0 at `at`; throws `GribFormatError` for wrong magic, another edition or a
 * length that cannot hold a message. Needs 16 bytes from `at`.
 */
export function readIndicator(bytes: Uint8Array, at: number, where: ByteSource): Indicator {
  const fail = (reason: string) => new GribFormatError(where.path, where.offset + at, reason);
  if (!isTag(bytes, at, "GRIB")) {
    const found = JSON.stringify(String.fromCharCode(...bytes.subarray(at, at + 4)));
    throw fail(`not a GRIB message: expected "GRIB", found ${found}`);
  }
  if (bytes.length - at < 8) throw fail("truncated: section 0 needs 16 bytes");
  const edition = u8(bytes, at + 7);
  if (edition === 1) throw fail("GRIB edition 1 message; gik reads GRIB edition 2 only");
  if (edition !== 2) throw fail(`GRIB edition ${edition}; gik reads GRIB edition 2 only`);
  if (bytes.length - at < INDICATOR_LENGTH) throw fail("truncated: section 0 needs 16 bytes");
  const totalLength = u64(bytes, at + 8);
  if (totalLength === undefined) throw fail("section 0 gives a total length beyond 2^53 bytes");
  if (totalLength < INDICATOR_LENGTH + END_MARKER_LENGTH) {
    throw fail(`section 0 gives a total length of ${totalLength} bytes, too short for a message`);
  }
  return { discipline: u8(bytes, at + 6), edition, totalLength };
}

/**
 * Checks that sections 1–7 of the message at `at` (whole, `totalLength` bytes present) chain
 * from byte 16 to a `7777` end marker at exactly `totalLength - 4`.
 */
export function checkSectionChain(
  bytes: Uint8Array,
  at: number,
  totalLength: number,
  where: ByteSource,
): void {
  const end = at + totalLength;
  const fail = (pos: number, reason: string) => new GribFormatError(where.path, where.offset + pos, reason);
  if (!isTag(bytes, end - END_MARKER_LENGTH, "7777")) {
    throw fail(
      end - END_MARKER_LENGTH,
      `no end marker "7777" where section 0's length (${totalLength}) ends the message`,
    );
  }
  let pos = at + INDICATOR_LENGTH;
  while (pos < end - END_MARKER_LENGTH) {
    if (pos + 5 > end - END_MARKER_LENGTH) throw fail(pos, "section header runs into the end marker");
    const length = u32(bytes, pos);
    const number = u8(bytes, pos + 4);
    if (number < 1 || number > 7) throw fail(pos, `section number ${number} (expected 1–7)`);
    if (length < 5 || pos + length > end - END_MARKER_LENGTH) {
      throw fail(
        pos,
        `section ${number} declares ${length} bytes, inconsistent with the message length ${totalLength}`,
      );
    }
    pos += length;
  }
}

/**
 * Checks that `bytes` is exactly one whole GRIB2 message (as `gik verify` needs of a referenced
 * range): `GRIB` at byte 0, section 0's length equal to `bytes.length`, the section chain intact
 * and `7777` at the end. Returns the message length.
 *
 * @example
 * checkMessageBounds(await store.getRange(key, { offset, length }), { path: url, offset });
 */
export function checkMessageBounds(bytes: Uint8Array, where: ByteSource): number {
  const { totalLength } = readIndicator(bytes, 0, where);
  if (totalLength !== bytes.length) {
    throw new GribFormatError(
      where.path,
      where.offset,
      `section 0 gives a message length of ${totalLength} bytes, the range holds ${bytes.length}`,
    );
  }
  checkSectionChain(bytes, 0, totalLength, where);
  return totalLength;
}

/**
 * Every GRIB2 message in `bytes` (a whole file or a run of messages), in order. Stray bytes
 * between messages are skipped; each message found must be whole and end with `7777`, else this
 * throws a `GribFormatError` naming the byte.
 */
export function scanMessages(bytes: Uint8Array, path: string): MessageBounds[] {
  const where = { path, offset: 0 };
  const found: MessageBounds[] = [];
  let pos = nextMagic(bytes, 0);
  while (pos >= 0) {
    const { totalLength } = readIndicator(bytes, pos, where);
    if (pos + totalLength > bytes.length) {
      throw new GribFormatError(
        path,
        pos,
        `truncated: the message declares ${totalLength} bytes, the data ends after ${bytes.length - pos}`,
      );
    }
    checkSectionChain(bytes, pos, totalLength, where);
    found.push({ offset: pos, length: totalLength });
    pos = nextMagic(bytes, pos + totalLength);
  }
  return found;
}

function nextMagic(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(0x47, from); i >= 0; i = bytes.indexOf(0x47, i + 1)) {
    if (isTag(bytes, i, "GRIB")) return i;
  }
  return -1;
}
