import { describe, expect, it } from "vitest";
import { GribFormatError } from "../../../job-image/src/api/errors.js";
import { checkMessageBounds, scanMessages } from "../../../job-image/src/grib/index.js";
import { REAL, readBytes } from "./fixtures.js";

const hrrr = readBytes(REAL.hrrrStray);
const soilw = readBytes(REAL.gefsSoilw);
const MEM = "mem://test.grib2";

/** A copy of `bytes` with `patch` applied. */
function patched(bytes: Uint8Array, patch: (copy: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  patch(copy);
  return copy;
}

/** A hand-made GRIB edition 1 message: `GRIB`, 3-byte length, edition 1, padding, `7777`. */
function gribEdition1(): Uint8Array {
  const bytes = new Uint8Array(28);
  bytes.set(new TextEncoder().encode("GRIB"), 0);
  bytes.set([0, 0, 28, 1], 4);
  bytes.set(new TextEncoder().encode("7777"), 24);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe("scanMessages", () => {
  it("finds both HRRR messages around the stray byte between them, ignoring the one after them", () => {
    expect(scanMessages(hrrr, REAL.hrrrStray)).toEqual([
      { offset: 0, length: 887243 },
      { offset: 887244, length: 644938 },
    ]);
    expect(String.fromCharCode(hrrr[887243]!, hrrr.at(-1)!)).toBe("GG");
    expect(hrrr.length).toBe(887244 + 644938 + 1);
  });

  it("finds the 19 GFS-Wave messages back to back up to the end of the file", () => {
    const bytes = readBytes(REAL.gfsWave);
    const found = scanMessages(bytes, REAL.gfsWave);
    expect(found).toHaveLength(19);
    expect(found.every((m, i) => i === 0 || m.offset === found[i - 1]!.offset + found[i - 1]!.length)).toBe(
      true,
    );
    expect(found.at(-1)!.offset + found.at(-1)!.length).toBe(bytes.length);
  });

  it("skips bytes before the first message", () => {
    expect(scanMessages(concat(new TextEncoder().encode("xyz"), soilw), MEM)).toEqual([
      { offset: 3, length: 95343 },
    ]);
  });

  it.each([
    [
      "a truncated message",
      soilw.subarray(0, 95000),
      /@ byte 0: truncated: the message declares 95343 bytes, the data ends after 95000/,
    ],
    [
      "a message without its 7777",
      patched(soilw, (b) => b.set([0x36], 95342)),
      /@ byte 95339: no end marker "7777"/,
    ],
    [
      "a GRIB edition 1 message",
      gribEdition1(),
      /@ byte 0: GRIB edition 1 message; gik reads GRIB edition 2 only/,
    ],
    [
      "a section length that overshoots the message",
      patched(soilw, (b) => b.set([0, 0x10, 0, 0], 16)),
      /@ byte 16: section 1 declares 1048576 bytes, inconsistent with the message length 95343/,
    ],
    [
      "a section chain that misses the end marker",
      patched(soilw, (b) => b.set([0, 0, 0, 22], 16)),
      /@ byte 38: section number \d+ \(expected 1–7\)|inconsistent with the message length/,
    ],
  ])("refuses %s, naming the byte", (_, bytes, message) => {
    expect(() => scanMessages(bytes, MEM)).toThrow(GribFormatError);
    expect(() => scanMessages(bytes, MEM)).toThrow(message);
  });
});

describe("checkMessageBounds", () => {
  it("accepts each HRRR message range and returns its length", () => {
    expect(checkMessageBounds(hrrr.subarray(0, 887243), { path: REAL.hrrrStray, offset: 0 })).toBe(887243);
    const second = hrrr.subarray(887244, 887244 + 644938);
    expect(checkMessageBounds(second, { path: REAL.hrrrStray, offset: 887244 })).toBe(644938);
  });

  it.each([
    [
      "a range one byte too long",
      0,
      887244,
      /@ byte 0: section 0 gives a message length of 887243 bytes, the range holds 887244/,
    ],
    [
      "a range starting at the stray byte",
      887243,
      644939,
      /@ byte 887243: not a GRIB message: expected "GRIB", found "GGRI"/,
    ],
    [
      "a range one byte short",
      887244,
      644937,
      /@ byte 887244: section 0 gives a message length of 644938 bytes/,
    ],
  ])("refuses %s", (_, offset, length, message) => {
    const range = hrrr.subarray(offset, offset + length);
    expect(() => checkMessageBounds(range, { path: REAL.hrrrStray, offset })).toThrow(message);
  });

  it("refuses a whole-length range whose end marker is wrong", () => {
    const broken = patched(soilw, (b) => b.set([0x30], 95340));
    expect(() => checkMessageBounds(broken, { path: MEM, offset: 5000 })).toThrow(
      /@ byte 100339: no end marker "7777"/,
    );
  });
});
