import { describe, expect, it } from "vitest";
import {
  GribFormatError,
  GribPrefixTooShortError,
  GribUnsupportedError,
  isBadInput,
} from "../../../job-image/src/api/errors.js";
import { parseGribHeader } from "../../../job-image/src/grib/index.js";
import { REAL, readBytes } from "./fixtures.js";

const soilw = readBytes(REAL.gefsSoilw);
const where = { path: "mem://gefs.grib2", offset: 1000 };
const whole = parseGribHeader(soilw, where);
const sectionAt = (n: number) => whole.sections.find((s) => s.number === n)!;
const endOfSection5 = sectionAt(5).offset + sectionAt(5).length;

function patched(patch: (copy: Uint8Array) => void, bytes = soilw): Uint8Array {
  const copy = bytes.slice();
  patch(copy);
  return copy;
}

function thrown(read: () => unknown): unknown {
  try {
    read();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

describe("parseGribHeader", () => {
  it("lists sections 0–5 back to back and reads nothing past section 5", () => {
    expect(whole.sections.map((s) => s.number)).toEqual([0, 1, 3, 4, 5]);
    whole.sections.slice(1).forEach((s, i) => {
      expect(s.offset).toBe(whole.sections[i]!.offset + whole.sections[i]!.length);
    });
    expect(parseGribHeader(soilw.subarray(0, endOfSection5), where)).toEqual(whole);
    expect(whole.totalLength).toBe(95343);
  });

  it("checks the end marker when given the whole message, not when given a prefix", () => {
    const broken = patched((b) => b.set([0x30], b.length - 1));
    expect(() => parseGribHeader(broken, where)).toThrow(/@ byte 96339: no end marker "7777"/);
    expect(parseGribHeader(broken.subarray(0, endOfSection5), where)).toEqual(whole);
  });

  it.each([4, 16, 40, 100, endOfSection5 - 1])("asks for more bytes when given %i", (have) => {
    const err = thrown(() => parseGribHeader(soilw.subarray(0, have), where));
    expect(err).toBeInstanceOf(GribPrefixTooShortError);
    const { needBytes, haveBytes } = err as GribPrefixTooShortError;
    expect(haveBytes).toBe(have);
    expect(needBytes).toBeGreaterThan(have);
    expect(needBytes).toBeLessThanOrEqual(endOfSection5);
    expect(isBadInput(err)).toBe(false);
  });

  it("reaches the header by following needBytes from 16 bytes", () => {
    let have = 16;
    const asked: number[] = [];
    for (let done = false; !done && asked.length < 10; ) {
      try {
        parseGribHeader(soilw.subarray(0, have), where);
        done = true;
      } catch (err) {
        if (!(err instanceof GribPrefixTooShortError)) throw err;
        have = err.needBytes;
        asked.push(have);
      }
    }
    expect(have).toBe(endOfSection5);
    expect(asked).toEqual([...asked].sort((a, b) => a - b));
  });

  it.each([
    [
      "wrong magic",
      patched((b) => b.set([0x58], 3)),
      /mem:\/\/gefs.grib2 @ byte 1000: not a GRIB message: expected "GRIB", found "GRIX"/,
    ],
    ["wrong magic in a 3-byte prefix", new TextEncoder().encode("GRX"), /@ byte 1000: not a GRIB message/],
    [
      "GRIB edition 1",
      Uint8Array.of(0x47, 0x52, 0x49, 0x42, 0, 0, 28, 1),
      /@ byte 1000: GRIB edition 1 message/,
    ],
    [
      "a section out of order",
      patched((b) => b.set([4], 16 + 4)),
      /@ byte 1016: section 4 after section 0 \(expected 1\)/,
    ],
    [
      "a section reaching past the message",
      patched((b) => b.set([0, 0x10, 0, 0], sectionAt(4).offset)),
      new RegExp(
        `@ byte ${1000 + sectionAt(4).offset}: section 4 declares 1048576 bytes, inconsistent with the message length 95343`,
      ),
    ],
    [
      "a message too short for section 5",
      patched((b) => b.set([0, 0, 0, 0, 0, 0, 0, sectionAt(4).offset + sectionAt(4).length + 6], 8)),
      /the message \(\d+ bytes per section 0\) ends before section 5/,
    ],
    [
      "an end marker instead of section 3",
      patched((b) => b.set(new TextEncoder().encode("7777"), 37)),
      /@ byte 1037: end marker "7777" where section 2 was expected/,
    ],
  ])("refuses %s with a GribFormatError naming the byte", (_, bytes, message) => {
    const err = thrown(() => parseGribHeader(bytes, where));
    expect(err).toBeInstanceOf(GribFormatError);
    expect((err as Error).message).toMatch(message);
  });

  it.each([
    ["a Lambert grid (HRRR)", readBytes(REAL.hrrrStray).subarray(0, 2000), "grid template 3.30", 3],
    [
      "product template 4.40",
      patched((b) => b.set([0, 40], sectionAt(4).offset + 7)),
      "product definition template 4.40",
      4,
    ],
    [
      "IEEE packing",
      patched((b) => b.set([0, 4], sectionAt(5).offset + 9)),
      "data representation template 5.4",
      5,
    ],
    [
      "forecast times in minutes",
      patched((b) => b.set([0], sectionAt(4).offset + 17)),
      "forecast time unit 0",
      0,
    ],
    ["a centre without exported tables", patched((b) => b.set([0, 74], 16 + 5)), "centre egrr (74)", 0],
    [
      "a parameter outside the tables",
      patched((b) => b.set([250], sectionAt(4).offset + 10)),
      "parameter discipline 2 category 0 number 250 (centre kwbc)",
      0,
    ],
  ])("refuses %s with a GribUnsupportedError naming it", (_, bytes, feature, section) => {
    const err = thrown(() => parseGribHeader(bytes, where));
    expect(err).toBeInstanceOf(GribUnsupportedError);
    expect((err as GribUnsupportedError).feature).toContain(feature);
    const sectionOffset = section === 0 ? 0 : parseSectionOffset(bytes, section);
    expect((err as GribUnsupportedError).offset).toBe(1000 + sectionOffset);
  });
});

/** Offset of section `n` in a message, by walking the section lengths (independent of the reader). */
function parseSectionOffset(bytes: Uint8Array, n: number): number {
  let at = 16;
  while (bytes[at + 4] !== n) at += new DataView(bytes.buffer, bytes.byteOffset).getUint32(at);
  return at;
}
