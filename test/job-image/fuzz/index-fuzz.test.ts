/**
 * Fuzz test of the ECMWF `.index` reader (`parseEcmwfIndex`, `parseEcmwfIndexFor`,
 * `parseEcmwfIndexLine`): index text comes from outside, so every damaged line must be read or
 * refused with an `IndexParseError` naming the file and the 1-based line, never another exception,
 * never slowly, never keeping memory. Inputs are mutations of the real index fixtures (test/fixtures/PROVENANCE.tsv)
 * and of an ensemble index built from one of them (control and perturbed members, for the reads of
 * some members only, whose fast path scans other members' lines without parsing them).
 *
 * Checked of every input: what is thrown (tag, path, line within the text, message prefix); what is
 * returned (one span per line, in order, with non-negative integer offset, length and member;
 * entries only of the members asked for, each its line's span, no two alike); and, for a read of
 * some members, agreement with the full read wherever the full read succeeds (on lines whose text
 * states the span keys plainly, see {@link isPlain}); and that an entry read from a line has the
 * values `JSON.parse` reads from it. Also: every truncation of every fixture line.
 *
 * Replay a failure with the seed and case it prints (see mutate.ts).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isGikError } from "../../../job-image/src/api/errors.js";
import {
  type ParsedIndex,
  parseEcmwfIndex,
  parseEcmwfIndexLine,
} from "../../../job-image/src/index/ecmwf.js";
import type { IndexEntry, IndexSpan } from "../../../job-image/src/index/types.js";
import { parseFor } from "../index/index-text.js";
import { type FuzzCase, FuzzViolation, fuzzSettings, type Rng, runFuzz, textExcerpt } from "./mutate.js";

const FILE = "test/job-image/fuzz/index-fuzz.test.ts";
const PATH = "s3://fuzz/20250101/00z/ifs/0p25/enfo/20250101000000-0h-enfo-ef.index";
const CASES = 100_000;
const MAX_CASE_MS = 500;
/** Memory one case may add while it runs (its input included; lines reach 1 MB), and a run may keep. */
const MAX_CASE_MB = 64;
const MAX_RETAINED_MB = 16;
/** Longest line a mutation makes (characters). */
const MAX_LINE = 1_000_000;

const FIXTURES = [
  "20231201000000-0h-oper-fc.0p4-beta.index",
  "20250301000000-0h-aifs-single-oper-fc.index",
  "20250301000000-6h-aifs-single-oper-fc.index",
  "20261001000000-24h-oper-fc.index",
];

/** A line as [key, value written as JSON text]: values may be any text, valid JSON or not. */
type Pairs = [key: string, raw: string][];

/** Python's `json.dumps` layout, as ECMWF writes its indexes: `{"k": "v", "_offset": 0}`. */
function write(pairs: Pairs, colon = ": ", comma = ", "): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}${colon}${v}`).join(comma)}}`;
}

function pairsOf(line: string): Pairs {
  return Object.entries(JSON.parse(line) as Record<string, unknown>).map(([k, v]) => [k, JSON.stringify(v)]);
}

interface Base {
  name: string;
  lines: string[];
}

const fixtureBases: Base[] = FIXTURES.map((name) => ({
  name,
  lines: readFileSync(new URL(`../../fixtures/real/ecmwf/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l !== ""),
}));

/**
 * An `enfo` index of 5 members (control 0, perturbed 1–4) from the fields of the first fixture,
 * interleaved by field as ECMWF writes them, with offsets that tile the file.
 */
const MEMBERS = 5;
const ensemble: Base = (() => {
  let offset = 0;
  const lines: string[] = [];
  for (const [i, line] of fixtureBases[0]!.lines.entries()) {
    const fields = JSON.parse(line) as Record<string, unknown>;
    for (let number = 0; number < MEMBERS; number++) {
      const { _offset, _length, param, ...rest } = fields;
      const length = (_length as number) + number;
      const member = number === 0 ? { type: "cf" } : { type: "pf", number: String(number) };
      // `number` after `param` in half the fields (the bench's mirror), before it in the others
      // (ECMWF's files): the scan reads both backwards from the line's end.
      const keys = i % 2 === 0 ? { ...rest, param, ...member } : { ...rest, ...member, param };
      lines.push(
        write(pairsOf(JSON.stringify({ ...keys, stream: "enfo", _offset: offset, _length: length }))),
      );
      offset += length;
    }
  }
  return { name: "enfo (5 members, built from the 0p4-beta fixture)", lines };
})();

const bases = [...fixtureBases, ensemble];
const allLines = bases.flatMap((b) => b.lines);

// ---- line mutations -------------------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Characters that break JSON or line handling, or that text decoders and `trim` treat specially. */
const ODD_CHARS = [
  "\u0000",
  "\u0001",
  "\t",
  "\r",
  "\n",
  "\u000b",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\ud800",
  "\udc00",
  "\ufffd",
  "🙂",
  "é",
  "漢",
  "\\",
  '"',
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
  " ",
  "0",
  "9",
  "-",
  ".",
  "e",
];

const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** Values for any key, as JSON text (and some text that is not JSON). */
const VALUES: readonly (string | ((rng: Rng) => string))[] = [
  "0",
  "-1",
  "1.5",
  "1e3",
  "-0",
  "9007199254740993",
  "1e400",
  "null",
  "true",
  "false",
  "[]",
  '[1, "a"]',
  "{}",
  '{"number": "3", "_offset": 5, "_length": 7}',
  '""',
  '"x"',
  '"1"',
  '"-1"',
  '"01"',
  '"1.0"',
  '"0-6"',
  '"6-0"',
  '"1-2-3"',
  '"\uff19"',
  '"99999999999999999"',
  '"\\u0000\\u001f"',
  '"\\ud800"',
  '"é漢字🙂"',
  '"\\"number\\": \\"3\\""',
  "undefined",
  "NaN",
  "'t'",
  (rng) => JSON.stringify("a".repeat(rng.pick([1_000, 1_000, 100_000]))),
  (rng) => deep(rng.pick([8, 1_000, 10_000, 10_000, 100_000])),
  (rng) => deepObject(rng.pick([8, 1_000, 10_000, 10_000, 100_000])),
];

/** `_offset`/`_length` values: every way a byte count can be written wrong (or oddly right). */
const SPAN_VALUES: readonly (string | ((rng: Rng) => string))[] = [
  "-5",
  "2.5",
  "5.0",
  "50e-1",
  "9007199254740991",
  "9007199254740992",
  "9007199254740993",
  "18446744073709551616",
  '"123"',
  '"-1"',
  "1e3",
  "1E+3",
  "1.0e2",
  "007",
  "-0",
  "0x10",
  "NaN",
  "Infinity",
  "-Infinity",
  "1_000",
  "+5",
  ".5",
  "5.",
  "null",
  "[5]",
  '{"_offset": 5}',
  "  5  ",
  "\t5",
  "5 5",
  "999999999999999",
  "9999999999999999",
  (rng) => `1${"0".repeat(rng.pick([16, 400, 100_000]))}`,
  (rng) => `${rng.int(1e6)}`,
];

const NUMBER_VALUES = [
  '"1"',
  '"4"',
  '"01"',
  '"-1"',
  "1",
  '"1.0"',
  '""',
  '"5x"',
  '" 5"',
  '"0000000000000003"',
];
const STEP_VALUES = [
  '"0-6"',
  '"6-0"',
  '"1-2-3"',
  '"-"',
  '""',
  '" 6"',
  '"6 "',
  '"1e3"',
  '"\uff19"',
  '"135"',
  "135",
];
const KEY_RENAMES = [
  "",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "numb\u0065r",
  "Number",
  " param",
  "_offset",
  "_length",
  "number",
  "levelist",
  "param",
];

const drawValue = (rng: Rng, from: readonly (string | ((rng: Rng) => string))[]): string => {
  const v = rng.pick(from);
  return typeof v === "string" ? v : v(rng);
};

type Mutation<T> = (rng: Rng, value: T) => [detail: string, result: T];

/** Mutations of a line's keys and values (the line still parses as pairs). */
const PAIR_MUTATIONS: Record<string, Mutation<Pairs>> = {
  "key-removed": (rng, pairs) => {
    const i = rng.int(pairs.length);
    return [`without ${pairs[i]![0]}`, pairs.filter((_, j) => j !== i)];
  },
  "key-renamed": (rng, pairs) => {
    const i = rng.int(pairs.length);
    const to = rng.chance(0.3) ? pairs[rng.int(pairs.length)]![0] : rng.pick(KEY_RENAMES);
    return [`${pairs[i]![0]} → ${JSON.stringify(to)}`, pairs.map((p, j) => (j === i ? [to, p[1]] : p))];
  },
  "key-repeated": (rng, pairs) => {
    const [key, value] = rng.pick(pairs);
    const other = rng.chance(0.5) ? value : drawValue(rng, key.startsWith("_") ? SPAN_VALUES : VALUES);
    return [`${key} again = ${other.slice(0, 40)}`, [...pairs, [key, other]]];
  },
  "value-changed": (rng, pairs) => {
    const i = rng.int(pairs.length);
    const v = drawValue(rng, VALUES);
    return [`${pairs[i]![0]} = ${v.slice(0, 40)}`, pairs.map((p, j) => (j === i ? [p[0], v] : p))];
  },
  "span-value": (rng, pairs) => {
    const key = rng.pick(["_offset", "_length"]);
    const v = drawValue(rng, SPAN_VALUES);
    return [`${key} = ${v.slice(0, 40)}`, pairs.map((p) => (p[0] === key ? [key, v] : p))];
  },
  "member-value": (rng, pairs) => {
    const without = pairs.filter(([k]) => k !== "number");
    if (rng.chance(0.25)) return ["number removed", without];
    const v = rng.pick(NUMBER_VALUES);
    return [`number = ${v}`, [...without, ["number", v]]];
  },
  "step-or-level": (rng, pairs) => {
    if (rng.chance(0.5)) {
      const v = rng.pick(STEP_VALUES);
      return [`step = ${v}`, pairs.map((p) => (p[0] === "step" ? ["step", v] : p))];
    }
    const levtype = rng.pick(['"pl"', '"sol"', '"sfc"', '"ml"']);
    return [
      `levtype = ${levtype}, no levelist`,
      pairs.filter(([k]) => k !== "levelist").map((p) => (p[0] === "levtype" ? ["levtype", levtype] : p)),
    ];
  },
  reordered: (rng, pairs) => {
    const shuffled = [...pairs];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    return ["keys shuffled", shuffled];
  },
};

/** Separators for writing pairs back: ECMWF's, compact, and odd whitespace. */
const LAYOUTS: readonly [colon: string, comma: string][] = [
  [": ", ", "],
  [":", ","],
  [" : ", " , "],
  ["\t:\t", "\t,\t"],
  [":\r", ",\r"],
];

/** Mutations of a line's text. */
const TEXT_MUTATIONS: Record<string, Mutation<string>> = {
  "bit-flip": (rng, line) => {
    const bytes = encoder.encode(line);
    if (bytes.length === 0) return ["nothing to flip", line];
    const flips = rng.range(1, 4);
    const at: number[] = [];
    for (let k = 0; k < flips; k++) {
      const i = rng.int(bytes.length);
      bytes[i]! ^= 1 << rng.int(8);
      at.push(i);
    }
    return [`bits at bytes ${at.join(",")}`, decoder.decode(bytes)];
  },
  "byte-change": (rng, line) => {
    const bytes = encoder.encode(line);
    if (bytes.length === 0) return ["nothing to change", line];
    const i = rng.int(bytes.length);
    const to = rng.chance(0.5)
      ? rng.byte()
      : rng.pick([0x00, 0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x7d, 0x80, 0xc3, 0xff]);
    bytes[i] = to;
    return [`byte ${i} = 0x${to.toString(16)}`, decoder.decode(bytes)];
  },
  truncated: (rng, line) => {
    const at = rng.int(line.length + 1);
    return [`cut at ${at}`, line.slice(0, at)];
  },
  spliced: (rng, line) => {
    const a = rng.int(line.length + 1);
    const b = Math.min(line.length, a + rng.int(20));
    const what = rng.int(3);
    if (what === 0) return [`deleted ${a}..${b}`, line.slice(0, a) + line.slice(b)];
    if (what === 1) return [`repeated ${a}..${b}`, line.slice(0, b) + line.slice(a)];
    const insert = rng.pick(allLines).slice(0, rng.int(40));
    return [`inserted ${JSON.stringify(insert)} at ${a}`, line.slice(0, a) + insert + line.slice(a)];
  },
  "odd-chars": (rng, line) => {
    const n = rng.range(1, 3);
    let out = line;
    const put: string[] = [];
    for (let k = 0; k < n; k++) {
      const c = rng.pick(ODD_CHARS);
      const at = rng.int(out.length + 1);
      out = out.slice(0, at) + c + out.slice(at);
      put.push(`${JSON.stringify(c)}@${at}`);
    }
    return [put.join(" "), out];
  },
  "cr-or-bom": (rng, line) => {
    const what = rng.pick(["cr-end", "cr-cr-end", "cr-inside", "bom", "spaces"]);
    if (what === "cr-end") return [what, `${line}\r`];
    if (what === "cr-cr-end") return [what, `${line}\r\r`];
    if (what === "bom") return [what, `\ufeff${line}`];
    if (what === "spaces") return [what, `  ${line}\t `];
    const at = rng.int(line.length + 1);
    return [`${what}@${at}`, `${line.slice(0, at)}\r${line.slice(at)}`];
  },
  "long-line": (rng, line) => {
    const what = rng.pick(["padded", "repeated", "value"]);
    if (what === "padded") return [what, line + " ".repeat(100_000)];
    if (what === "repeated") return [what, line.repeat(rng.pick([2, 100]))];
    const at = line.indexOf('"param": ');
    if (at < 0) return ["no param to pad", line];
    return [what, `${line.slice(0, at + 10)}${"p".repeat(100_000)}${line.slice(at + 10)}`];
  },
};

/** Long lines cost a millisecond or more each: a few hundred of them say all they can. */
const TEXT_WEIGHTS = Object.keys(TEXT_MUTATIONS).map(
  (name) => [name === "long-line" ? 0.2 : 1, name] as const,
);

/** A mutated line: 0–2 key/value mutations written with some layout, then 0–2 text mutations (≥ 1 in all). */
function mutateLine(rng: Rng, line: string): [strategy: string, detail: string, line: string] {
  // A line damaged by an earlier step may no longer parse: then only its text is mutated.
  const pairs = pairsOrUndefined(line);
  const pairSteps = pairs
    ? rng.weighted([
        [3, 0],
        [4, 1],
        [1, 2],
      ])
    : 0;
  const textSteps = pairSteps === 0 ? rng.range(1, 2) : rng.chance(0.25) ? 1 : 0;
  const names: string[] = [];
  const details: string[] = [];
  let out = line;
  if (pairs && pairSteps > 0) {
    let next = pairs;
    for (let k = 0; k < pairSteps; k++) {
      const name = rng.pick(Object.keys(PAIR_MUTATIONS));
      const [detail, mutated] = PAIR_MUTATIONS[name]!(rng, next);
      next = mutated;
      names.push(name);
      details.push(detail);
    }
    const [colon, comma] = rng.chance(0.8) ? LAYOUTS[0]! : rng.pick(LAYOUTS);
    out = write(next, colon, comma);
  }
  for (let k = 0; k < textSteps; k++) {
    const name = rng.weighted(TEXT_WEIGHTS);
    const [detail, mutated] = TEXT_MUTATIONS[name]!(rng, out);
    out = mutated;
    names.push(name);
    details.push(detail);
  }
  // Stacked growth (a long line repeated) stops at ~1 MB: longer says nothing new, only takes time.
  if (out.length > MAX_LINE) out = out.slice(0, MAX_LINE);
  return [names.length === 1 ? names[0]! : "stacked", details.join("; "), out];
}

function pairsOrUndefined(line: string): Pairs | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? pairsOf(line) : undefined;
  } catch {
    return undefined;
  }
}

// ---- file mutations -------------------------------------------------------------------------

const FILE_MUTATIONS: Record<string, Mutation<string[]>> = {
  "line-duplicated": (rng, lines) => {
    const i = rng.int(lines.length);
    return [`line ${i + 1} twice`, [...lines.slice(0, i + 1), ...lines.slice(i)]];
  },
  "line-deleted": (rng, lines) => {
    const i = rng.int(lines.length);
    return [`line ${i + 1} deleted`, lines.filter((_, j) => j !== i)];
  },
  "lines-swapped": (rng, lines) => {
    const [i, j] = [rng.int(lines.length), rng.int(lines.length)];
    const out = [...lines];
    [out[i], out[j]] = [out[j]!, out[i]!];
    return [`lines ${i + 1} and ${j + 1} swapped`, out];
  },
  "blank-line": (rng, lines) => {
    const i = rng.int(lines.length + 1);
    const blank = rng.pick(["", " ", "\t", "\r", "\ufeff", "\u00a0"]);
    return [
      `${JSON.stringify(blank)} before line ${i + 1}`,
      [...lines.slice(0, i), blank, ...lines.slice(i)],
    ];
  },
  "blank-end": (rng, lines) => [
    "blank lines at the end",
    [...lines, ...Array.from({ length: rng.range(1, 3) }, () => rng.pick(["", " ", "\r", "\t"]))],
  ],
  "lines-joined": (rng, lines) => {
    if (lines.length < 2) return ["one line", lines];
    const i = rng.int(lines.length - 1);
    const glue = rng.pick(["", " ", "\r", ","]);
    return [
      `lines ${i + 1} and ${i + 2} joined by ${JSON.stringify(glue)}`,
      [...lines.slice(0, i), lines[i]! + glue + lines[i + 1]!, ...lines.slice(i + 2)],
    ];
  },
  "line-split": (rng, lines) => {
    const i = rng.int(lines.length);
    const at = rng.int(lines[i]!.length + 1);
    return [
      `line ${i + 1} split at ${at}`,
      [...lines.slice(0, i), lines[i]!.slice(0, at), lines[i]!.slice(at), ...lines.slice(i + 1)],
    ];
  },
  crlf: (_, lines) => ["CRLF line ends", lines.map((l) => `${l}\r`)],
  bom: (_, lines) => ["BOM first", lines.map((l, i) => (i === 0 ? `\ufeff${l}` : l))],
  "foreign-line": (rng, lines) => {
    const i = rng.int(lines.length + 1);
    return [
      `another file's line before ${i + 1}`,
      [...lines.slice(0, i), rng.pick(allLines), ...lines.slice(i)],
    ];
  },
  emptied: (rng) => {
    const text = rng.pick(["", "\n", "\n\n", " \n", "\r\n"]);
    return [`only ${JSON.stringify(text)}`, text.split("\n")];
  },
};

// ---- inputs and checks ----------------------------------------------------------------------

type IndexInput =
  | { kind: "line"; text: string; line: number }
  | {
      kind: "file";
      text: string;
      members: number[] | undefined;
      api: "parseEcmwfIndex" | "parseEcmwfIndexFor";
    };

const MEMBER_SETS: readonly number[][] = [[0], [1], [3], [0, 2], [1, 2, 3, 4], [], [7], [0, 1, 2, 3, 4]];

function generate(rng: Rng): FuzzCase<IndexInput> {
  const base = rng.weighted([
    [1, fixtureBases[0]!],
    [1, fixtureBases[1]!],
    [1, fixtureBases[2]!],
    [1, fixtureBases[3]!],
    [4, ensemble],
  ]);
  if (rng.chance(0.4)) {
    const i = rng.int(base.lines.length);
    const [strategy, detail, text] = mutateLine(rng, base.lines[i]!);
    const line = rng.range(1, 100_000);
    return {
      strategy: `line:${strategy}`,
      detail: `${base.name}:${i + 1}, ${detail}`,
      input: { kind: "line", text, line },
    };
  }
  // A window of the file (the whole file now and then): a few lines cost little to parse.
  const size = rng.chance(0.02) ? base.lines.length : rng.range(1, 8);
  const start = rng.int(Math.max(1, base.lines.length - size + 1));
  let lines = base.lines.slice(start, start + size);
  const names: string[] = [];
  const details: string[] = [`${base.name} lines ${start + 1}..${start + lines.length}`];
  const lineSteps = rng.weighted([
    [2, 0],
    [5, 1],
    [1, 2],
  ]);
  for (let k = 0; k < lineSteps; k++) {
    const i = rng.int(lines.length);
    const [strategy, detail, text] = mutateLine(rng, lines[i]!);
    lines = lines.map((l, j) => (j === i ? text : l));
    names.push(strategy);
    details.push(`line ${i + 1}: ${detail}`);
  }
  const fileSteps =
    lineSteps === 0
      ? rng.range(1, 2)
      : rng.weighted([
          [3, 0],
          [1, 1],
        ]);
  for (let k = 0; k < fileSteps; k++) {
    const name = lines.length === 0 ? "blank-end" : rng.pick(Object.keys(FILE_MUTATIONS));
    const [detail, next] = FILE_MUTATIONS[name]!(rng, lines);
    lines = next;
    names.push(name);
    details.push(detail);
  }
  let text = lines.join("\n") + (rng.chance(0.5) ? "\n" : "");
  if (rng.chance(0.1)) {
    // As the job reads an index: bytes, decoded as UTF-8 (a BOM dropped, bad bytes as U+FFFD).
    const bytes = encoder.encode(text);
    if (bytes.length > 0) bytes[rng.int(bytes.length)] = rng.byte();
    text = decoder.decode(bytes);
    names.push("utf8-byte");
  }
  const members = rng.chance(0.35)
    ? undefined
    : rng.chance(0.7)
      ? rng.pick(MEMBER_SETS)
      : [...new Set(Array.from({ length: rng.range(1, 3) }, () => rng.int(MEMBERS + 1)))];
  const api = members || rng.chance(0.5) ? "parseEcmwfIndexFor" : "parseEcmwfIndex";
  const strategy = names.length === 1 ? names[0]! : "stacked";
  const who = members ? `members [${members.join(",")}]` : "all members";
  return {
    strategy: `file:${strategy}`,
    detail: `${details.join("; ")}; ${api}, ${who}`,
    input: { kind: "file", text, members, api },
  };
}

/** Checks a refusal: an `IndexParseError` naming `PATH` and a line of the text (`line` if given). */
function refused(err: unknown, lineCount: number, line?: number): string {
  if (!isGikError(err, "IndexParseError")) throw err;
  const e = err as unknown as { path: string; line: number; message: string };
  const named = Number.isSafeInteger(e.line) && e.line >= 1 && e.line <= lineCount;
  if (e.path !== PATH || !named || (line !== undefined && e.line !== line)) {
    throw new FuzzViolation(
      `IndexParseError names ${e.path}:${e.line}, not a line of the input: ${e.message}`,
    );
  }
  if (!e.message.startsWith(`${PATH}:${e.line}: `)) {
    throw new FuzzViolation(
      `IndexParseError message does not start with path:line: ${e.message.slice(0, 200)}`,
    );
  }
  return "IndexParseError";
}

const isCount = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

function checkEntry(entry: IndexEntry): void {
  for (const key of ["param", "levtype", "levelist", "step", "type", "stream", "class", "expver"] as const) {
    if (typeof entry[key] !== "string") throw new FuzzViolation(`entry.${key} is ${typeof entry[key]}`);
  }
  if (!isCount(entry.stepEnd)) throw new FuzzViolation(`entry.stepEnd ${entry.stepEnd}`);
  if (entry.attrs !== `${entry.param}:${entry.levtype}:${entry.levelist}`) {
    throw new FuzzViolation(`entry.attrs ${entry.attrs} is not param:levtype:levelist`);
  }
}

/** Lines the reader reads: all but the blank ones at the end (ASCII blanks), after a byte-order mark. */
function readLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  let end = lines.length;
  while (end > 0 && /^[ \t\v\f\r]*$/.test(lines[end - 1]!)) end--;
  return lines.slice(0, end);
}

function checkParsed(
  { entries, spans, faults }: ParsedIndex,
  text: string,
  members: ReadonlySet<number> | undefined,
): void {
  const lines = readLines(text);
  // A member's own faulty line fails that member alone, named like a refusal, and leaves it no entry.
  for (const [number, err] of faults) {
    if (!members?.has(number)) throw new FuzzViolation(`a fault of member ${number}, not asked for`);
    refused(err, lines.length);
    if (entries.some((e) => e.number === number))
      throw new FuzzViolation(`entries of member ${number}, which is at fault`);
  }
  if (spans.length !== lines.length)
    throw new FuzzViolation(`${spans.length} spans for ${lines.length} lines`);
  spans.forEach((span, i) => {
    if (!span || span.line !== i + 1) throw new FuzzViolation(`span ${i} is for line ${span?.line}`);
    if (!isCount(span.offset) || !isCount(span.length) || !isCount(span.number)) {
      throw new FuzzViolation(
        `line ${i + 1}: span offset ${span.offset}, length ${span.length}, member ${span.number}`,
      );
    }
  });
  const seen = new Set<string>();
  for (const entry of entries) {
    if (spans[entry.line - 1] !== entry)
      throw new FuzzViolation(`entry of line ${entry.line} is not its span`);
    if (members && !members.has(entry.number))
      throw new FuzzViolation(`entry of member ${entry.number} not asked for`);
    checkEntry(entry);
    const identity = `${entry.attrs}|${entry.number}|${entry.step}|${entry.type}`;
    if (seen.has(identity)) throw new FuzzViolation(`two entries ${identity}`);
    seen.add(identity);
  }
  if (!members && entries.length !== spans.length) {
    throw new FuzzViolation(`${entries.length} entries for ${spans.length} lines in a full read`);
  }
}

const SPAN_KEYS = ['"number"', '"_offset"', '"_length"'];

/**
 * A line whose text states its member and span as the scan of other members' lines reads them:
 * each of `"number"`, `"_offset"`, `"_length"` written once, as a key of the line itself (not
 * nested, not spelled with escapes), and the member as plain digits. The scan does not parse
 * JSON, so on other lines it may read another member or span than the full parse (documented in
 * ecmwf.ts); published indexes have only plain lines.
 */
function isPlain(line: string): boolean {
  const raw = line.endsWith("\r") ? line.slice(0, -1) : line;
  const record = JSON.parse(raw) as Record<string, unknown>;
  for (const key of SPAN_KEYS) {
    const times = raw.split(key).length - 1;
    if (times !== (Object.hasOwn(record, JSON.parse(key) as string) ? 1 : 0)) return false;
  }
  return record.number === undefined || /"number"\s*:\s*"\d+"/.test(raw);
}

/**
 * A read of some members agrees with the full read where that succeeds. Where it fails, the read
 * of some members may still succeed: other members' lines whose span is plain are not parsed, so
 * their faults go unseen (documented in ecmwf.ts); returns whether the full read succeeded.
 */
function compareWithFullRead(part: ParsedIndex, text: string, members: ReadonlySet<number>): boolean {
  let full: ParsedIndex;
  try {
    full = parseFor(text, PATH);
  } catch (err) {
    refused(err, text.split("\n").length);
    return false;
  }
  const lines = readLines(text);
  const plain = lines.map(isPlain);
  const spanOf = ({ offset, length, number, line }: IndexSpan) =>
    JSON.stringify({ offset, length, number, line });
  full.spans.forEach((span, i) => {
    if (plain[i] && spanOf(span) !== spanOf(part.spans[i]!)) {
      throw new FuzzViolation(
        `line ${i + 1}: span ${spanOf(part.spans[i]!)}, the full read says ${spanOf(span)}`,
      );
    }
  });
  const wanted = JSON.stringify(full.entries.filter((e) => members.has(e.number) && plain[e.line - 1]));
  const got = JSON.stringify(part.entries.filter((e) => plain[e.line - 1]));
  if (got !== wanted) {
    throw new FuzzViolation(
      `entries ${got.slice(0, 300)}, the full read's of those members ${wanted.slice(0, 300)}`,
    );
  }
  return true;
}

/**
 * An entry read has the values `JSON.parse` reads from its line: plain lines are read without it
 * (see `readPlainLine` in ecmwf.ts), and mutations of the ECMWF layout make many lines that are
 * plain, or one character away from it.
 */
function checkAgainstJson(entry: IndexEntry, text: string): void {
  const record = JSON.parse(text.endsWith("\r") ? text.slice(0, -1) : text) as Record<string, unknown>;
  const wanted = {
    param: record.param,
    levtype: record.levtype,
    levelist: record.levelist ?? "",
    step: record.step,
    number: record.number === undefined ? 0 : Number(record.number),
    type: record.type,
    stream: record.stream ?? "",
    class: record.class ?? "",
    expver: record.expver ?? "",
    date: record.date ?? "",
    time: record.time ?? "",
    domain: record.domain ?? "",
    offset: record._offset,
    length: record._length,
  };
  const got = Object.fromEntries(Object.keys(wanted).map((k) => [k, entry[k as keyof IndexEntry]]));
  if (JSON.stringify(got) !== JSON.stringify(wanted)) {
    throw new FuzzViolation(`entry ${JSON.stringify(got)}, JSON.parse reads ${JSON.stringify(wanted)}`);
  }
}

function check(input: IndexInput): string {
  if (input.kind === "line") {
    let entry: IndexEntry;
    try {
      entry = parseEcmwfIndexLine(input.text, PATH, input.line);
    } catch (err) {
      return refused(err, input.line, input.line);
    }
    if (
      entry.line !== input.line ||
      !isCount(entry.offset) ||
      !isCount(entry.length) ||
      !isCount(entry.number)
    ) {
      throw new FuzzViolation(
        `entry line ${entry.line}, offset ${entry.offset}, length ${entry.length}, member ${entry.number}`,
      );
    }
    checkEntry(entry);
    checkAgainstJson(entry, input.text);
    return "parsed";
  }
  const members = input.members && new Set(input.members);
  const lineCount = input.text.split("\n").length;
  let result: ParsedIndex;
  try {
    if (input.api === "parseEcmwfIndexFor") result = parseFor(input.text, PATH, members);
    else {
      // parseEcmwfIndex gives the entries only: in a full read they are the spans.
      const entries = parseEcmwfIndex(input.text, PATH);
      result = { entries, spans: entries, faults: new Map() };
    }
  } catch (err) {
    return refused(err, lineCount);
  }
  checkParsed(result, input.text, members);
  if (!members) return "parsed";
  return compareWithFullRead(result, input.text, members)
    ? "parsed (some members)"
    : "parsed (some members; the full read refuses another member's line)";
}

const settings = fuzzSettings(CASES);

describe("fuzz: the ECMWF .index reader", () => {
  it(`reads or refuses (IndexParseError naming path and line) ${settings.cases} mutated indexes and lines`, async () => {
    const report = await runFuzz({
      name: "index",
      file: FILE,
      settings,
      generate,
      check,
      excerpt: (input) =>
        input.kind === "line"
          ? `line ${input.line}: ${textExcerpt(input.text)}`
          : `members ${input.members ? `[${input.members.join(",")}]` : "all"}: ${textExcerpt(input.text)}`,
      maxCaseMs: MAX_CASE_MS,
      maxCaseMB: MAX_CASE_MB,
    });
    expect(report.failures.length, report.failures.join("\n\n")).toBe(0);
    expect(report.retainedMB).toBeLessThan(MAX_RETAINED_MB);
    if (settings.only === undefined && report.cases >= 10_000) {
      // The mutations must reach past JSON syntax: many inputs parse, many are refused.
      expect(report.outcomes.parsed ?? 0).toBeGreaterThan(report.cases / 20);
      expect(report.outcomes["parsed (some members)"] ?? 0).toBeGreaterThan(report.cases / 20);
      expect(report.outcomes.IndexParseError ?? 0).toBeGreaterThan(report.cases / 5);
    }
  }, 120_000);

  it("refuses every truncation of every fixture line, as a line and as the last line of a file", () => {
    const started = performance.now();
    let inputs = 0;
    const failures: string[] = [];
    const sweep = (base: Base, line: string, i: number, asFile: boolean) => {
      for (let at = 0; at < line.length && failures.length < 10; at++) {
        const cut = line.slice(0, at);
        const cases: IndexInput[] = [{ kind: "line", text: cut, line: i + 1 }];
        if (asFile) {
          // After the line before it, read in full and for members whose lines are scanned only.
          const text = [...base.lines.slice(Math.max(0, i - 1), i), cut].join("\n");
          for (const members of [undefined, [0], [1], [2]]) {
            cases.push({ kind: "file", text, members, api: "parseEcmwfIndexFor" });
          }
        }
        for (const input of cases) {
          inputs++;
          try {
            const outcome = check(input);
            // A file cut right after a newline ends in a blank line, which is no fault.
            if (outcome !== "IndexParseError" && (at > 0 || input.kind === "line")) {
              failures.push(`${base.name}:${i + 1} cut at ${at} (${input.kind}): ${outcome}`);
            }
          } catch (err) {
            failures.push(`${base.name}:${i + 1} cut at ${at} (${input.kind}): ${String(err).slice(0, 300)}`);
          }
        }
      }
    };
    for (const base of fixtureBases) {
      for (const [i, line] of base.lines.entries()) sweep(base, line, i, false);
    }
    // Two fields of the ensemble, every member: the scan of other members' lines sees each cut.
    for (const [i, line] of ensemble.lines.slice(0, 2 * MEMBERS).entries()) sweep(ensemble, line, i, true);
    const ms = performance.now() - started;
    console.log(`[fuzz] index truncations: ${inputs} inputs in ${(ms / 1000).toFixed(2)} s`);
    expect(failures.length, failures.join("\n")).toBe(0);
  }, 120_000);
});
