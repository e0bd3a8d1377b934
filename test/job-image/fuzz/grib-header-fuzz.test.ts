/**
 * Fuzz test of the GRIB2 header reader (`parseGribHeader`: sections 0–5, their templates, the keys
 * derived from them; `readGribHeader`, which reads a prefix from a store and reads again longer
 * when told to; `checkMessageBounds`, which `gik verify` runs on referenced ranges). GRIB bytes come
 * from outside, so every damaged header must be read or refused with a `GribFormatError` or
 * `GribUnsupportedError` naming the file and a byte of the input (or, for a prefix, a
 * `GribPrefixTooShortError` asking for more bytes than it was given), never another exception,
 * and never slowly or with memory a damaged length field claims.
 *
 * Inputs are mutations of every message of the real GRIB fixtures (prefixes of the large ones,
 * as production reads them) and of the 262 ecCodes-encoded messages of coverage.grib2 (whole).
 * Checked of every input: what is thrown (tag, path, offset within the input, message prefix,
 * `needBytes` > `haveBytes`); what is returned (sections in order inside the input, every number
 * finite); for `readGribHeader`, that it ends in a few reads no longer than the message. Also: every
 * truncation of every fixture header asks for more bytes (at most to the end of section 5) and,
 * from the end of section 5 on, reads what the whole message reads.
 *
 * Replay a failure with the seed and case it prints (see mutate.ts).
 *
 * @module
 */
import { describe, expect, it } from "vitest";
import {
  type GribFormatError,
  GribPrefixTooShortError,
  type GribUnsupportedError,
  isGikError,
} from "../../../job-image/src/api/errors.js";
import {
  checkMessageBounds,
  type GribMessage,
  parseGribHeader,
  readGribHeader,
  scanMessages,
} from "../../../job-image/src/grib/index.js";
import type { ByteSource } from "../../../job-image/src/grib/scan.js";
import type { RangeQuery, ReadableStore } from "../../../job-image/src/storage/types.js";
import { ALL_GRIB_FIXTURES, readBytes } from "../grib/fixtures.js";
import { type FuzzCase, FuzzViolation, fuzzSettings, hexExcerpt, type Rng, runFuzz } from "./mutate.js";

const FILE = "test/job-image/fuzz/grib-header-fuzz.test.ts";
const CASES = 100_000;
const MAX_CASE_MS = 500;
/** Inputs are at most a few KB: a case allocating megabytes would be following a length field. */
const MAX_CASE_MB = 16;
const MAX_RETAINED_MB = 16;
/** Messages up to this size are fuzzed whole (section chain and end marker checked); larger ones as prefixes. */
const WHOLE_UP_TO = 4096;
const PREFIX = 512;
/** `readGribHeader` doubles its read each time: a few reads reach any header. */
const MAX_READS = 40;

// ---- seeds ----------------------------------------------------------------------------------

interface Span {
  number: number;
  offset: number;
  length: number;
}

interface Seed {
  name: string;
  /** The whole message, or its first {@link PREFIX} bytes. */
  bytes: Uint8Array;
  /** Offset of the message in its file. */
  offset: number;
  whole: boolean;
  /** Sections 1–7 as their headers say (walked here, independent of the reader). */
  sections: Span[];
  /** End of section 5. */
  headerEnd: number;
}

const u32 = (b: Uint8Array, i: number) =>
  ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

function walk(bytes: Uint8Array): { sections: Span[]; headerEnd: number } {
  const sections: Span[] = [];
  let headerEnd = 0;
  for (let pos = 16; pos + 5 <= bytes.length; ) {
    const length = u32(bytes, pos);
    const number = bytes[pos + 4]!;
    if (length < 5 || number > 8) break;
    sections.push({ number, offset: pos, length });
    if (number === 5) headerEnd = pos + length;
    pos += length;
  }
  return { sections, headerEnd };
}

const seeds: Seed[] = ALL_GRIB_FIXTURES.flatMap((path) => {
  const file = readBytes(path);
  const name = path.split("/").at(-1)!;
  return scanMessages(file, path).map(({ offset, length }, i) => {
    const whole = length <= WHOLE_UP_TO;
    const bytes = file.slice(offset, offset + (whole ? length : PREFIX));
    return { name: `${name}#${i + 1}`, bytes, offset, whole, ...walk(bytes) };
  });
});

// ---- mutations ------------------------------------------------------------------------------

type Mutation = (rng: Rng, bytes: Uint8Array, seed: Seed) => [detail: string, bytes: Uint8Array];

const setU16 = (b: Uint8Array, i: number, v: number) => {
  if (i + 2 <= b.length) b.set([(v >>> 8) & 0xff, v & 0xff], i);
};
const setU32 = (b: Uint8Array, i: number, v: number) => {
  if (i + 4 <= b.length) b.set([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], i);
};
/** Writes `v` (up to 2^64 - 1, given as a bigint) big-endian into 8 bytes. */
const setU64 = (b: Uint8Array, i: number, v: bigint) => {
  for (let k = 7; k >= 0; k--) {
    b[i + k] = Number(v & 0xffn);
    v >>= 8n;
  }
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Where section `number` starts in `bytes` by its own headers (the seed's layout may be stale). */
function sectionOf(rng: Rng, bytes: Uint8Array, numbers?: readonly number[]): Span | undefined {
  const { sections } = walk(bytes);
  const wanted = numbers ? sections.filter((s) => numbers.includes(s.number)) : sections;
  return wanted.length === 0 ? undefined : rng.pick(wanted);
}

const headerEndOf = (bytes: Uint8Array, seed: Seed) => Math.min(bytes.length, seed.headerEnd || bytes.length);

const TEMPLATE_NUMBERS = [0, 1, 2, 3, 4, 5, 8, 11, 12, 15, 30, 40, 41, 42, 50, 51, 200, 255, 32768, 65535];
const LENGTHS_BY_NAME = [
  "0",
  "1",
  "4",
  "5",
  "len-1",
  "len+1",
  "2len",
  "to-end",
  "past-end",
  "max",
  "2^31",
  "random",
];

const MUTATIONS: Record<string, Mutation> = {
  "bit-flip": (rng, b, seed) => {
    const end = headerEndOf(b, seed);
    const at: number[] = [];
    for (let k = rng.range(1, 8); k > 0; k--) {
      const i = rng.int(end);
      b[i]! ^= 1 << rng.int(8);
      at.push(i);
    }
    return [`bits at ${at.join(",")}`, b];
  },
  "random-bytes": (rng, b) => {
    const s = sectionOf(rng, b) ?? { number: 0, offset: 0, length: 16 };
    const at: number[] = [];
    for (let k = rng.range(1, 4); k > 0; k--) {
      const i = Math.min(b.length - 1, s.offset + rng.int(s.length));
      b[i] = rng.byte();
      at.push(i);
    }
    return [`section ${s.number}: random bytes at ${at.join(",")}`, b];
  },
  "special-byte": (rng, b, seed) => {
    const i = rng.int(headerEndOf(b, seed));
    const v = rng.pick([0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff]);
    b[i] = v;
    return [`byte ${i} = 0x${v.toString(16)}`, b];
  },
  "missing-field": (rng, b, seed) => {
    // All bits 1: "missing" in GRIB, for any field of 1, 2 or 4 octets.
    const n = rng.pick([1, 2, 4]);
    const i = rng.int(Math.max(1, headerEndOf(b, seed) - n));
    b.fill(0xff, i, i + n);
    return [`${n} bytes at ${i} all 1`, b];
  },
  "section-length": (rng, b) => {
    const s = sectionOf(rng, b);
    if (!s) return ["no section", b];
    const how = rng.pick(LENGTHS_BY_NAME);
    const total = u32(b, 12);
    const v = {
      "0": 0,
      "1": 1,
      "4": 4,
      "5": 5,
      "len-1": s.length - 1,
      "len+1": s.length + 1,
      "2len": 2 * s.length,
      "to-end": total - s.offset,
      "past-end": total - s.offset + rng.range(-4, 64),
      max: 0xffffffff,
      "2^31": 0x80000000,
      random: rng.u32(),
    }[how]!;
    setU32(b, s.offset, v >>> 0);
    return [`section ${s.number} at ${s.offset}: length ${how} = ${v >>> 0}`, b];
  },
  "section-number": (rng, b) => {
    const s = sectionOf(rng, b);
    if (!s) return ["no section", b];
    const v = rng.chance(0.7) ? rng.range(0, 9) : rng.byte();
    b[s.offset + 4] = v;
    return [`section ${s.number} at ${s.offset} numbered ${v}`, b];
  },
  "template-number": (rng, b) => {
    const s = sectionOf(rng, b, [3, 4, 5]);
    if (!s) return ["no section 3-5", b];
    const at = s.offset + { 3: 12, 4: 7, 5: 9 }[s.number as 3 | 4 | 5];
    const v = rng.chance(0.8) ? rng.pick(TEMPLATE_NUMBERS) : rng.int(65536);
    setU16(b, at, v);
    return [`template ${s.number}.${v}`, b];
  },
  edition: (rng, b) => {
    const v = rng.pick([0, 1, 3, 255, rng.byte()]);
    b[7] = v;
    return [`edition ${v}`, b];
  },
  "total-length": (rng, b, seed) => {
    const len = BigInt(seed.whole ? seed.bytes.length : u32(seed.bytes, 12));
    const v = rng.pick([
      0n,
      19n,
      20n,
      BigInt(seed.headerEnd),
      BigInt(seed.headerEnd) - 1n,
      BigInt(seed.headerEnd) + 4n,
      len - 1n,
      len + 1n,
      len * 2n,
      2n ** 32n,
      2n ** 32n + len,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 64n - 1n,
      BigInt(rng.u32()) * 2n ** 32n + BigInt(rng.u32()),
    ]);
    setU64(b, 8, v);
    return [`total length ${v}`, b];
  },
  markers: (rng, b, seed) => {
    const what = rng.pick(["GRIB", "7777 at the end", "7777 for a section", "GRIB inside"]);
    if (what === "GRIB") {
      const i = rng.int(4);
      b[i] = rng.byte();
      return [`magic byte ${i} = ${b[i]}`, b];
    }
    if (what === "7777 at the end") {
      if (!seed.whole) return ["no end marker in a prefix", b];
      const i = b.length - 1 - rng.int(4);
      b[i] = rng.byte();
      return [`end marker byte ${i} = ${b[i]}`, b];
    }
    const s = what === "7777 for a section" ? sectionOf(rng, b) : { offset: rng.int(b.length), number: -1 };
    if (!s) return ["no section", b];
    b.set(
      new TextEncoder()
        .encode(what === "GRIB inside" ? "GRIB" : "7777")
        .subarray(0, Math.max(0, b.length - s.offset)),
      s.offset,
    );
    return [`${what} at ${s.offset}`, b];
  },
  "insert-delete": (rng, b, seed) => {
    const at = rng.int(headerEndOf(b, seed) + 1);
    const n = rng.range(1, 16);
    if (rng.chance(0.5)) {
      const inserted = Uint8Array.from({ length: n }, () => rng.byte());
      return [`${n} bytes inserted at ${at}`, concat(b.subarray(0, at), inserted, b.subarray(at))];
    }
    return [`${n} bytes deleted at ${at}`, concat(b.subarray(0, at), b.subarray(at + n))];
  },
  "sections-rearranged": (rng, b, seed) => {
    // Sections 1–5 reordered, repeated, dropped or taken from another message; section 0's total
    // length follows the change, or not.
    const { sections, headerEnd } = walk(b);
    const header = sections.filter((s) => s.number >= 1 && s.number <= 5 && s.offset + s.length <= b.length);
    if (header.length < 2 || headerEnd === 0) return ["sections not walkable", b];
    const parts = header.map((s) => b.subarray(s.offset, s.offset + s.length));
    const i = rng.int(parts.length);
    const what = rng.pick(["swap", "repeat", "drop", "foreign"]);
    if (what === "swap") {
      const j = (i + 1) % parts.length;
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    } else if (what === "repeat") parts.splice(i, 0, parts[i]!);
    else if (what === "drop") parts.splice(i, 1);
    else {
      const other = rng.pick(seeds);
      const same = other.sections.find((s) => s.number === header[i]!.number);
      if (same)
        parts[i] = other.bytes.subarray(same.offset, Math.min(other.bytes.length, same.offset + same.length));
    }
    const out = concat(b.subarray(0, 16), ...parts, b.subarray(headerEnd));
    const fixed = rng.chance(0.7) && seed.whole;
    if (fixed) setU64(out, 8, BigInt(out.length));
    return [`section at index ${i}: ${what}${fixed ? ", total length updated" : ""}`, out];
  },
  "key-field": (rng, b) => {
    const s = sectionOf(rng, b, [1, 2, 3, 4, 5]);
    if (!s) return ["no section", b];
    const field = {
      1: [
        ["centre", 5, 2, [0, 7, 34, 74, 85, 98, 255, 65535]],
        ["subCentre", 7, 2, [0, 98, 255, 65535]],
        ["tablesVersion", 9, 1, [0, 1, 4, 15, 27, 33, 34, 35, 255]],
        ["productionStatus", 19, 1, [0, 2, 4, 5, 255]],
        ["typeOfProcessedData", 20, 1, [0, 1, 2, 3, 4, 5, 255]],
      ],
      2: [
        ["localSection", 5, 2, [0, 1, 15, 36, 1000, 65535]],
        ["marsClass", 7, 2, [0, 1, 2, 37, 65535]],
        ["marsType", 9, 2, [0, 1, 2, 9, 10, 11, 65535]],
        ["marsStream", 11, 2, [0, 1025, 1035, 65535]],
      ],
      3: [
        ["numberOfDataPoints", 6, 4, [0, 1, 0xffffffff]],
        ["listOctets", 10, 1, [0, 1, 255]],
        ["shapeOfTheEarth", 14, 1, [0, 6, 255]],
        ["Ni", 30, 4, [0, 1, 0xffffffff, 0x80000000]],
        ["Nj", 34, 4, [0, 1, 0xffffffff]],
        ["basicAngle", 38, 4, [0, 1, 0xffffffff, 360]],
        ["subdivisions", 42, 4, [0, 1, 0xffffffff]],
        ["latitudeOfFirstGridPoint", 46, 4, [0, 0x80000000, 0xffffffff, 0x7fffffff]],
        ["iDirectionIncrement", 63, 4, [0, 0xffffffff]],
        ["jDirectionIncrement", 67, 4, [0, 0xffffffff]],
        ["scanningMode", 71, 1, [0, 0x40, 0x80, 0xe0, 0xff]],
      ],
      4: [
        ["NV", 5, 2, [0, 1, 137, 65535]],
        ["parameterCategory", 9, 1, [0, 1, 2, 3, 128, 191, 255]],
        ["parameterNumber", 10, 1, [0, 1, 8, 192, 255]],
        ["indicatorOfUnitOfTimeRange", 17, 1, [0, 1, 2, 10, 11, 12, 13, 254, 255]],
        ["forecastTime", 18, 4, [0, 0x80000005, 0xffffffff, 0x7fffffff]],
        ["typeOfFirstFixedSurface", 22, 1, [1, 100, 103, 106, 109, 114, 150, 151, 152, 160, 168, 255]],
        ["scaleFactorOfFirstFixedSurface", 23, 1, [0, 0x7f, 0x80, 0x81, 0xff]],
        ["scaledValueOfFirstFixedSurface", 24, 4, [0, 1, 0xffffffff, 0x80000000]],
        ["typeOfSecondFixedSurface", 28, 1, [1, 106, 114, 151, 152, 168, 255]],
        ["perturbationOrTimeRanges", 35, 1, [0, 1, 2, 255]],
        ["numberOfTimeRanges (4.8)", 41, 1, [0, 1, 2, 255]],
        ["numberOfTimeRanges (4.11)", 44, 1, [0, 1, 2, 255]],
        ["statisticalUnit (4.8)", 48, 1, [0, 1, 2, 255]],
        ["lengthOfTimeRange (4.8)", 49, 4, [0, 0xffffffff, 0x80000000]],
      ],
      5: [
        ["numberOfValues", 5, 4, [0, 0xffffffff]],
        ["bitsPerValue", 19, 1, [0, 1, 64, 255]],
      ],
    }[s.number as 1 | 2 | 3 | 4 | 5];
    const [name, at, size, values] = rng.pick(field ?? []) as [string, number, number, number[]];
    const v = rng.chance(0.8) ? rng.pick(values) : rng.u32() >>> (32 - 8 * size);
    const i = s.offset + at;
    if (size === 1 && i < b.length) b[i] = v & 0xff;
    if (size === 2) setU16(b, i, v);
    if (size === 4) setU32(b, i, v);
    return [`section ${s.number} ${name} = ${v}`, b];
  },
  truncated: (rng, b, seed) => {
    const at = rng.int(headerEndOf(b, seed) + 9);
    return [`cut at ${at}`, b.subarray(0, at)];
  },
  extended: (rng, b) => {
    // More bytes than the message: a length in the index too long, reaching into the next message.
    const more = rng.pick(seeds).bytes.subarray(0, rng.range(1, 64));
    return [`${more.length} bytes of another message appended`, concat(b, more)];
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);

// ---- inputs and checks ----------------------------------------------------------------------

interface GribInput {
  bytes: Uint8Array;
  where: ByteSource;
  /** parse: parseGribHeader; read: readGribHeader over a store holding `bytes`; bounds: checkMessageBounds. */
  mode: "parse" | "read" | "bounds";
  /** For `read`: the message length the index gives, and the first read's size. */
  length?: number;
  prefixBytes?: number;
}

function generate(rng: Rng): FuzzCase<GribInput> {
  const seed = rng.chance(0.5) ? rng.pick(seeds.filter((s) => s.whole)) : rng.pick(seeds);
  let bytes: Uint8Array = seed.bytes.slice();
  const steps = rng.weighted([
    [6, 1],
    [3, 2],
    [1, rng.range(3, 5)],
  ]);
  const names: string[] = [];
  const details: string[] = [];
  for (let k = 0; k < steps; k++) {
    const name = rng.pick(MUTATION_NAMES);
    const [detail, out] = MUTATIONS[name]!(rng, bytes, seed);
    bytes = out;
    names.push(name);
    details.push(detail);
  }
  const where = { path: `s3://fuzz/${seed.name}`, offset: seed.offset };
  const mode = rng.weighted([
    [8, "parse"],
    [1.5, "read"],
    [seed.whole ? 1 : 0, "bounds"],
  ] as const);
  const input: GribInput = { bytes, where, mode };
  if (mode === "read") {
    const declared = u32(bytes, 12) + (bytes.length >= 16 ? u32(bytes, 8) * 2 ** 32 : 0);
    input.length = rng.pick([
      bytes.length,
      seed.whole ? seed.bytes.length : u32(seed.bytes, 12),
      Number.isSafeInteger(declared) ? declared : bytes.length,
      rng.int(64),
      2 ** 53 - 1,
    ]);
    input.prefixBytes = rng.pick([undefined, 0, 1, 16, 20, 64, 200]);
  }
  const how =
    mode === "read" ? `, read with length ${input.length} prefix ${input.prefixBytes}` : `, ${mode}`;
  return {
    strategy: names.length === 1 ? names[0]! : "stacked",
    detail: `${seed.name}${seed.whole ? "" : " (prefix)"}: ${details.join("; ")}${how}`,
    input,
  };
}

const TAGS = ["GribFormatError", "GribUnsupportedError", "GribPrefixTooShortError"] as const;
type GribError = GribFormatError | GribUnsupportedError | GribPrefixTooShortError;

/** Checks a refusal: a GRIB error of `tags` naming `where.path` and a byte of the input. */
function refused(err: unknown, input: GribInput, tags: readonly (typeof TAGS)[number][] = TAGS): string {
  if (!isGikError(err, ...tags)) throw err;
  const e = err as GribError;
  const { where, bytes } = input;
  const at = e.offset - where.offset;
  if (e.path !== where.path || !Number.isSafeInteger(e.offset) || at < 0 || at > bytes.length) {
    throw new FuzzViolation(`${e._tag} names ${e.path} @ ${e.offset}, not a byte of the input: ${e.message}`);
  }
  if (!e.message.startsWith(`${where.path} @ byte ${e.offset}: `)) {
    throw new FuzzViolation(`${e._tag} message does not name path and byte: ${e.message}`);
  }
  if (e instanceof GribPrefixTooShortError) {
    const { haveBytes, needBytes } = e;
    if (haveBytes !== bytes.length || !Number.isSafeInteger(needBytes) || needBytes <= haveBytes) {
      throw new FuzzViolation(
        `prefix of ${bytes.length} bytes: haveBytes ${haveBytes}, needBytes ${needBytes}`,
      );
    }
  }
  return e._tag;
}

/** Every number in `value` (nested objects and arrays) finite: no NaN read past a section's end. */
function checkFinite(value: unknown, path: string): void {
  if (typeof value === "number" && !Number.isFinite(value)) throw new FuzzViolation(`${path} is ${value}`);
  if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) checkFinite(v, `${path}.${key}`);
  }
}

function checkMessage(message: GribMessage, bytes: Uint8Array): void {
  if (!Number.isSafeInteger(message.totalLength) || message.totalLength < 20) {
    throw new FuzzViolation(`totalLength ${message.totalLength}`);
  }
  let end = 0;
  for (const s of message.sections) {
    if (s.offset !== end || s.length < (s.number === 0 ? 16 : 5) || s.offset + s.length > bytes.length) {
      throw new FuzzViolation(
        `section ${s.number} at ${s.offset} (${s.length} bytes) in ${bytes.length} bytes`,
      );
    }
    end = s.offset + s.length;
  }
  const numbers = message.sections.map((s) => s.number).join("");
  if (numbers !== "012345" && numbers !== "01345") throw new FuzzViolation(`sections ${numbers}`);
  checkFinite(message.keys, "keys");
  checkFinite(message.grid, "grid");
}

/** A store holding `bytes` at `offset` of one object, counting reads. */
function storeOf(input: GribInput, reads: RangeQuery[]): ReadableStore {
  const { bytes, where } = input;
  return {
    url: () => where.path,
    get: async () => undefined,
    head: async () => ({ size: where.offset + bytes.length }),
    getRange: async (_key, range) => {
      reads.push(range);
      if (!("offset" in range)) throw new FuzzViolation("the header reader reads from the message start");
      const from = range.offset - where.offset;
      return bytes.subarray(from, from + range.length);
    },
  };
}

async function check(input: GribInput): Promise<string> {
  const { bytes, where } = input;
  if (input.mode === "bounds") {
    try {
      checkMessageBounds(bytes, where);
      return "whole message";
    } catch (err) {
      return `bounds: ${refused(err, input, ["GribFormatError"])}`;
    }
  }
  if (input.mode === "read") {
    const reads: RangeQuery[] = [];
    const length = input.length!;
    let outcome: string;
    try {
      const message = await readGribHeader(storeOf(input, reads), "f.grib2", where.offset, length, {
        ...(input.prefixBytes === undefined ? {} : { prefixBytes: input.prefixBytes }),
      });
      checkMessage(message, bytes);
      outcome = "read";
    } catch (err) {
      // The reader asks again for the bytes a prefix lacks: that error must not reach its caller.
      outcome = `read: ${refused(err, input, ["GribFormatError", "GribUnsupportedError"])}`;
    }
    const long = reads.find((r) => "offset" in r && (r.offset !== where.offset || r.length > length));
    if (reads.length > MAX_READS || long) {
      throw new FuzzViolation(
        `${reads.length} reads (${JSON.stringify(reads.slice(0, 4))}…) for a message of ${length}`,
      );
    }
    return outcome;
  }
  let message: GribMessage;
  try {
    message = parseGribHeader(bytes, where);
  } catch (err) {
    return refused(err, input);
  }
  checkMessage(message, bytes);
  return "parsed";
}

/** What parsing `bytes` gives: the message, or the error's tag and message. */
function outcomeOf(bytes: Uint8Array, where: ByteSource): string {
  try {
    return JSON.stringify(parseGribHeader(bytes, where));
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}

const settings = fuzzSettings(CASES);

describe("fuzz: the GRIB2 header reader", () => {
  it(`reads or refuses (GRIB error naming path and byte) ${settings.cases} mutated headers`, async () => {
    const report = await runFuzz({
      name: "grib-header",
      file: FILE,
      settings,
      generate,
      check,
      excerpt: (input) => `${input.where.path} @ ${input.where.offset}, ${hexExcerpt(input.bytes, 256)}`,
      maxCaseMs: MAX_CASE_MS,
      maxCaseMB: MAX_CASE_MB,
    });
    expect(report.failures.length, report.failures.join("\n\n")).toBe(0);
    expect(report.retainedMB).toBeLessThan(MAX_RETAINED_MB);
    if (settings.only === undefined && report.cases >= 10_000) {
      // The mutations must reach every stage: headers read whole, and each kind of refusal.
      const o = report.outcomes;
      expect(o.parsed ?? 0).toBeGreaterThan(report.cases / 20);
      expect(o.read ?? 0).toBeGreaterThan(report.cases / 200);
      expect(o["whole message"] ?? 0).toBeGreaterThan(report.cases / 200);
      for (const tag of TAGS) expect(o[tag] ?? 0).toBeGreaterThan(report.cases / 100);
    }
  }, 120_000);

  it("asks for more bytes at every truncation of every fixture header, and reads the header from its end on", () => {
    const started = performance.now();
    let inputs = 0;
    const failures: string[] = [];
    for (const seed of seeds) {
      const where = { path: `s3://fuzz/${seed.name}`, offset: seed.offset };
      const whole = outcomeOf(seed.bytes, where);
      for (let at = 0; at <= seed.bytes.length && failures.length < 10; at++) {
        inputs++;
        const fail = (what: string) => failures.push(`${seed.name} cut at ${at}: ${what.slice(0, 300)}`);
        if (at >= seed.headerEnd) {
          const outcome = outcomeOf(seed.bytes.subarray(0, at), where);
          if (outcome !== whole) fail(`${outcome}, the whole message gives ${whole}`);
          continue;
        }
        try {
          parseGribHeader(seed.bytes.subarray(0, at), where);
          fail("read a header from a prefix that ends before section 5");
        } catch (err) {
          if (!(err instanceof GribPrefixTooShortError)) fail(`threw ${String(err)}`);
          else if (err.needBytes <= at || err.needBytes > seed.headerEnd) {
            fail(`needBytes ${err.needBytes}, section 5 ends at ${seed.headerEnd}`);
          }
        }
      }
    }
    const ms = performance.now() - started;
    console.log(`[fuzz] grib-header truncations: ${inputs} inputs in ${(ms / 1000).toFixed(2)} s`);
    expect(failures.length, failures.join("\n")).toBe(0);
  }, 120_000);
});
