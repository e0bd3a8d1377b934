import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { IndexParseError } from "../../../job-image/src/api/errors.js";
import { parseEcmwfIndex, parseStepEnd } from "../../../job-image/src/index/ecmwf.js";
import { IndexLines } from "../../../job-image/src/index/index-lines.js";
import type { IndexEntry } from "../../../job-image/src/index/types.js";
import { parseFor, published } from "./index-text.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/real/${name}`, import.meta.url), "utf8");

/** Catches the error `fn` throws, failing the test if it returns. */
function thrown(fn: () => unknown): IndexParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IndexParseError);
    return err as IndexParseError;
  }
  throw new Error("expected an IndexParseError, nothing was thrown");
}

/** An ecmwf-mini style ENS line: strings everywhere, control lines without `number`. */
function ensLine(fields: Record<string, string>, offset: number, length = 266): string {
  const base = { domain: "g", date: "20250101", time: "0000", expver: "0001", class: "od", stream: "enfo" };
  return JSON.stringify({ ...base, ...fields, _offset: offset, _length: length });
}

describe("parseEcmwfIndex on real published index files", () => {
  it.each([
    { file: "ecmwf/20261001000000-24h-oper-fc.index", lines: 184, levtypes: ["pl", "sfc", "sol"] },
    { file: "ecmwf/20231201000000-0h-oper-fc.0p4-beta.index", lines: 83, levtypes: ["pl", "sfc"] },
    { file: "ecmwf/20250301000000-0h-aifs-single-oper-fc.index", lines: 106, levtypes: ["pl", "sfc", "sol"] },
    { file: "ecmwf/20250301000000-6h-aifs-single-oper-fc.index", lines: 102, levtypes: ["pl", "sfc", "sol"] },
  ])("$file: $lines entries, every field as published", ({ file, lines, levtypes }) => {
    const text = fixture(file);
    const entries = parseEcmwfIndex(text, file);
    expect(entries).toHaveLength(lines);

    const raw = text.trimEnd().split("\n");
    entries.forEach((entry, i) => {
      const published = JSON.parse(raw[i]!) as Record<string, string | number>;
      expect(entry.line).toBe(i + 1);
      expect(entry.offset).toBe(published._offset);
      expect(entry.length).toBe(published._length);
      for (const key of ["param", "levtype", "step", "type", "stream", "class", "expver", "date", "time"]) {
        expect(entry[key as keyof IndexEntry], `${file}:${i + 1} ${key}`).toBe(published[key]);
      }
      expect(entry.levelist).toBe(published.levelist ?? "");
      expect(entry.attrs).toBe(`${published.param}:${published.levtype}:${published.levelist ?? ""}`);
      expect(entry.number).toBe(0);
      expect(entry.stepEnd).toBe(Number(published.step));
    });
    expect([...new Set(entries.map((e) => e.levtype))].sort()).toEqual(levtypes);

    // The messages tile the file: sorted by offset, each starts where the previous ended.
    const byOffset = [...entries].sort((a, b) => a.offset - b.offset);
    byOffset.forEach((e, i) => {
      expect(e.offset).toBe(i === 0 ? 0 : byOffset[i - 1]!.offset + byOffset[i - 1]!.length);
    });
  });

  it("reads levelist on pl and sol lines into the join key", () => {
    const entries = parseEcmwfIndex(fixture("ecmwf/20261001000000-24h-oper-fc.index"), "24h");
    const soil = entries.filter((e) => e.param === "sot").map((e) => e.attrs);
    expect(soil.sort()).toEqual(["sot:sol:1", "sot:sol:2", "sot:sol:3", "sot:sol:4"]);
    const pressure = entries.filter((e) => e.levtype === "pl");
    expect(pressure.length).toBeGreaterThan(0);
    for (const e of pressure) expect(e.levelist).toMatch(/^\d+$/);
    expect(entries.find((e) => e.param === "tp")?.attrs).toBe("tp:sfc:");
  });

  it("does not depend on key order (the real file mixes orders)", () => {
    const text = fixture("ecmwf/20261001000000-24h-oper-fc.index");
    const orders = new Set(
      text
        .trimEnd()
        .split("\n")
        .map((l) => Object.keys(JSON.parse(l)).join(",")),
    );
    expect(orders.size).toBeGreaterThan(1);

    const reversed = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l)).reverse())))
      .join("\n");
    expect(parseEcmwfIndex(reversed, "reversed")).toEqual(parseEcmwfIndex(text, "reversed"));
  });

  it("ignores blank lines at the end and accepts CRLF line ends", () => {
    const text = fixture("ecmwf/20231201000000-0h-oper-fc.0p4-beta.index");
    const expected = parseEcmwfIndex(text, "x");
    expect(parseEcmwfIndex(`${text}\n\n  \n`, "x")).toEqual(expected);
    expect(parseEcmwfIndex(text.replaceAll("\n", "\r\n"), "x")).toEqual(expected);
  });
});

describe("parseEcmwfIndex on ensemble lines", () => {
  const lines = [
    ensLine({ type: "cf", levtype: "sfc", step: "135", param: "2t" }, 0),
    ensLine({ type: "pf", levtype: "sfc", step: "135", number: "31", param: "2t" }, 266),
    ensLine({ type: "cf", levtype: "pl", step: "135", param: "t", levelist: "850" }, 532),
    ensLine({ type: "pf", levtype: "sol", levelist: "2", number: "6", step: "135", param: "vsw" }, 798),
  ];

  it("gives control lines (no number) member 0 and perturbed lines their number", () => {
    const entries = parseEcmwfIndex(lines.join("\n"), "enfo.index");
    expect(entries.map((e) => [e.type, e.number, e.attrs])).toEqual([
      ["cf", 0, "2t:sfc:"],
      ["pf", 31, "2t:sfc:"],
      ["cf", 0, "t:pl:850"],
      ["pf", 6, "vsw:sol:2"],
    ]);
  });

  it("keeps a step window as published and gives its end in hours", () => {
    const [entry] = parseEcmwfIndex(
      ensLine({ type: "cf", levtype: "sfc", step: "0-6", param: "tp" }, 0),
      "w",
    );
    expect(entry).toMatchObject({ step: "0-6", stepEnd: 6 });
  });

  it.each([
    ["135", 135],
    ["0", 0],
    ["0-6", 6],
    ["138-144", 144],
    ["6-0", undefined],
    ["", undefined],
    ["1.5", undefined],
    ["-6", undefined],
    [" 6", undefined],
  ])("parseStepEnd(%j) is %j", (step, end) => {
    expect(parseStepEnd(step)).toBe(end);
  });
});

describe("parseEcmwfIndexFor: some members in full, every line's span", () => {
  /** A step of 51 members × 160 fields, in the interleaved order of a real step file. */
  const step = Array.from({ length: 51 * 160 }, (_, i) => {
    const number = i % 51;
    const fields = { levtype: "pl", levelist: String(Math.floor(i / 51)), step: "135", param: "t" };
    return number === 0
      ? ensLine({ ...fields, type: "cf" }, i * 700, 700)
      : ensLine({ ...fields, type: "pf", number: String(number) }, i * 700, 700);
  }).join("\n");

  it("parses the wanted members' lines as a full read does, and gives every line its span", () => {
    const all = parseEcmwfIndex(step, "enfo.index");
    const { entries, spans } = parseFor(step, "enfo.index", new Set([0, 37]));
    expect(entries).toEqual(all.filter((e) => e.number === 0 || e.number === 37));
    expect(entries).toHaveLength(320);
    expect(spans.map(({ offset, length, number, line }) => ({ offset, length, number, line }))).toEqual(
      all.map(({ offset, length, number, line }) => ({ offset, length, number, line })),
    );
  });

  it("reads without members as a full read", () => {
    const { entries, spans } = parseFor(step, "enfo.index");
    expect(entries).toEqual(parseEcmwfIndex(step, "enfo.index"));
    expect(spans).toEqual(entries);
  });

  it("does not parse another member's line, but names it when its span cannot be found", () => {
    const lines = step.split("\n");
    // Line 2 is member 1's: its values are broken but its span is plain.
    lines[1] = lines[1]!.replace('"param":"t"', '"param":t');
    expect(parseFor(lines.join("\n"), "enfo.index", new Set([2])).entries).toHaveLength(160);
    expect(() => parseEcmwfIndex(lines.join("\n"), "enfo.index")).toThrow(/enfo\.index:2: not a JSON object/);

    lines[1] = lines[1]!.replace(/"_length":\d+/, '"_length":"700"');
    const err = thrown(() => parseFor(lines.join("\n"), "enfo.index", new Set([2])));
    expect(err.message).toMatch(/enfo\.index:2: /);
  });

  it("asked for most members, parses each line first: the same entries and spans, another member's broken line still a span", () => {
    const most = new Set(Array.from({ length: 40 }, (_, i) => i));
    const all = parseEcmwfIndex(step, "enfo.index");
    const read = parseFor(step, "enfo.index", most);
    expect(read.entries).toEqual(all.filter((e) => most.has(e.number)));
    expect(read.spans.map(({ offset, length, number, line }) => ({ offset, length, number, line }))).toEqual(
      all.map(({ offset, length, number, line }) => ({ offset, length, number, line })),
    );
    const lines = step.split("\n");
    // Line 46 is member 45's (not asked for): broken values, a plain span.
    lines[45] = lines[45]!.replace('"param":"t"', '"param":t');
    const broken = parseFor(lines.join("\n"), "enfo.index", most);
    expect(broken.entries).toEqual(read.entries);
    expect(broken.spans[45]).toEqual({ offset: 45 * 700, length: 700, number: 45, line: 46 });
    // Member 5's line broken the same way is member 5's fault alone: named, and no entry of member 5.
    lines[5] = lines[5]!.replace('"param":"t"', '"param":t');
    const faulty = parseFor(lines.join("\n"), "enfo.index", most);
    expect([...faulty.faults.keys()]).toEqual([5]);
    expect(faulty.faults.get(5)?.message).toMatch(/^enfo\.index:6: not a JSON object/);
    expect(faulty.entries).toEqual(read.entries.filter((e) => e.number !== 5));
    expect(faulty.spans[5]).toEqual({ offset: 5 * 700, length: 700, number: 5, line: 6 });
  });

  it("a member's own faulty line or repeat fails that member alone; the members beside it keep their entries", () => {
    const lines = step.split("\n");
    // Line 3 is member 2's: broken values, a plain span. Line 54 repeats member 3's line 4.
    lines[2] = lines[2]!.replace('"param":"t"', '"param":t');
    lines[53] = lines[3]!.replace(/"_offset":\d+/, `"_offset":${53 * 700}`);
    const text = lines.join("\n");
    for (const wanted of [new Set([1, 2, 3]), new Set(Array.from({ length: 51 }, (_, i) => i))]) {
      const { entries, spans, faults } = parseFor(text, "enfo.index", wanted);
      expect([...faults.keys()].sort()).toEqual([2, 3]);
      expect(faults.get(2)?.message).toMatch(/^enfo\.index:3: not a JSON object/);
      expect(faults.get(3)?.message).toMatch(/^enfo\.index:54: duplicate entry: .* already on line 4$/);
      expect(entries.some((e) => e.number === 2 || e.number === 3)).toBe(false);
      expect(entries.filter((e) => e.number === 1)).toHaveLength(160);
      expect(spans).toHaveLength(51 * 160);
    }
    expect(() => parseEcmwfIndex(text, "enfo.index")).toThrow(/enfo\.index:3: not a JSON object/);
  });

  it("reads a file without a `number` on any line (the control's) for another member, every line a span", () => {
    // Each line is scanned on its own. A scan that looked for `number` from each of 40,000 lines
    // to the end of the file took 50 times as long (13.7 s against 0.26 s): a complexity guard,
    // not a speed target.
    const control = Array.from({ length: 40_000 }, (_, i) =>
      ensLine({ levtype: "sfc", step: "0", param: `p${i}`, type: "fc" }, i * 700, 700),
    ).join("\n");
    const { entries, spans } = parseFor(control, "oper.index", new Set([1]));
    expect(entries).toEqual([]);
    expect(spans).toHaveLength(40_000);
    expect(spans[39_999]).toEqual({ offset: 39_999 * 700, length: 700, number: 0, line: 40_000 });
  }, 5_000);

  it("parses in full a line whose key runs into the next line, and names it", () => {
    const lines = step.split("\n");
    // Member 1's line ends inside its offset's value; the scan on the whole text must not read on
    // into line 3 for the rest of it.
    lines[1] = lines[1]!.replace(/"_offset":\d+,"_length":\d+\}$/, '"_length":700,"_offset":');
    lines[2] = `700}${lines[2]!}`;
    const err = thrown(() => parseFor(lines.join("\n"), "enfo.index", new Set([2])));
    expect(err.message).toMatch(/enfo\.index:2: /);
  });

  it("gives no entry for blank lines at the end, with or without carriage returns", () => {
    const text = `${step}\r\n\r\n  \n\t\n`;
    expect(parseFor(text, "enfo.index", new Set([5])).spans).toHaveLength(51 * 160);
    expect(parseFor("\n \n", "enfo.index", new Set([5]))).toEqual({
      entries: [],
      spans: [],
      faults: new Map(),
    });
  });

  it("still refuses a MARS index by name when reading one member: that member's fault", () => {
    const mars = JSON.stringify({
      param: "t",
      levtype: "pl",
      levelist: 500,
      step: 0,
      number: 1,
      type: "pf",
      _offset: 0,
      _length: 9,
    });
    // The line says whose it is: that member fails by name, as every member asked for would.
    const { entries, faults } = parseFor(mars, "mars.index", new Set([1]));
    expect(entries).toEqual([]);
    expect(faults.get(1)?.message).toContain("MARS retrieval index");
    expect(() => parseEcmwfIndex(mars, "mars.index")).toThrow(/MARS retrieval index/);
  });
});

describe("parseEcmwfIndexFor on lines as ECMWF writes them", () => {
  /** A step of 51 members × 40 fields; `number` before `param` as in ECMWF's files, or after it. */
  const step = (numberFirst: boolean) =>
    Array.from({ length: 51 * 40 }, (_, i) => {
      const number = i % 51;
      const head = { domain: "g", date: "20250101", time: "0000", expver: "0001", class: "od" };
      const level = { stream: "enfo", step: "24", levelist: String(Math.floor(i / 51)), levtype: "pl" };
      const member: Record<string, string> =
        number === 0 ? { type: "cf" } : { type: "pf", number: String(number) };
      const [first, second] = numberFirst ? [member, { param: "t" }] : [{ param: "t" }, member];
      return published({ ...head, ...level, ...first, ...second, _offset: i * 700, _length: 700 });
    }).join("\r\n");

  it.each([true, false])("decodes only the lines it parses (number before param: %s)", (numberFirst) => {
    const text = step(numberFirst);
    const decoded = vi.spyOn(IndexLines.prototype, "text");
    try {
      const { entries, spans } = parseFor(text, "enfo.index", new Set([37]));
      // Member 37's lines, and the control's, whose member (no `number`) only the text says.
      expect(decoded).toHaveBeenCalledTimes(80);
      expect(entries).toEqual(parseEcmwfIndex(text, "enfo.index").filter((e) => e.number === 37));
      expect(spans.map((s) => [s.offset, s.number, s.line])).toEqual(
        Array.from({ length: 51 * 40 }, (_, i) => [i * 700, i % 51, i + 1]),
      );
    } finally {
      decoded.mockRestore();
    }
  });

  it("asked for most members, decodes each line once to parse it, without scanning it first", () => {
    const text = step(true);
    const most = new Set(Array.from({ length: 30 }, (_, i) => i));
    const decoded = vi.spyOn(IndexLines.prototype, "text");
    try {
      const { entries, spans } = parseFor(text, "enfo.index", most);
      expect(decoded).toHaveBeenCalledTimes(51 * 40);
      expect(entries).toEqual(parseEcmwfIndex(text, "enfo.index").filter((e) => most.has(e.number)));
      expect(spans).toHaveLength(51 * 40);
    } finally {
      decoded.mockRestore();
    }
  });

  it("parses in full, and names, a line into which a lost newline ran the next", () => {
    const lines = step(true).split("\r\n");
    lines.splice(1, 2, lines[1]! + lines[2]!);
    const err = thrown(() => parseFor(lines.join("\n"), "enfo.index", new Set([5])));
    expect(err.message).toMatch(/enfo\.index:2: not a JSON object/);
  });
});

describe("parseEcmwfIndex refuses what it cannot read, naming file and line", () => {
  it.each([
    { file: "negative/mars_cf_pl.idx", key: "levelist" },
    { file: "negative/mars_cf_sfc.idx", key: "step" },
    { file: "negative/mars_pf_sfc.idx", key: "step" },
  ])("$file is a MARS retrieval index (numeric $key)", ({ file, key }) => {
    const err = thrown(() => parseEcmwfIndex(fixture(file), file));
    expect(err.path).toBe(file);
    expect(err.line).toBe(1);
    expect(err.message).toContain(`"${key}" is the number`);
    expect(err.message).toContain("MARS retrieval index, not an ECMWF open-data index");
  });

  const good = [
    ensLine({ type: "cf", levtype: "sfc", step: "0", param: "2t" }, 0),
    ensLine({ type: "pf", levtype: "sfc", step: "0", number: "1", param: "2t" }, 266),
    ensLine({ type: "pf", levtype: "sfc", step: "0", number: "2", param: "2t" }, 532),
  ];
  const withLine = (n: number, text: string): string =>
    good.map((l, i) => (i === n - 1 ? text : l)).join("\n");

  it.each([
    {
      name: "a last line cut mid-object",
      text: `${good.slice(0, 2).join("\n")}\n${good[2]!.slice(0, 90)}`,
      line: 3,
      says: "truncated",
    },
    { name: "a malformed line", text: withLine(2, "{not json}"), line: 2, says: "not a JSON object" },
    { name: "a JSON array", text: withLine(1, "[1, 2]"), line: 1, says: "not a JSON object" },
    { name: "a blank line between entries", text: withLine(2, ""), line: 2, says: "empty line" },
    {
      name: "a missing _offset",
      text: withLine(3, good[2]!.replace(/"_offset": ?\d+,?/, "")),
      line: 3,
      says: '"_offset"',
    },
    {
      name: "missing param and type",
      text: withLine(1, JSON.stringify({ levtype: "sfc", step: "0", _offset: 0, _length: 1 })),
      line: 1,
      says: 'missing required keys "param", "type"',
    },
    {
      name: "a negative _offset",
      text: withLine(2, good[1]!.replace('"_offset":266', '"_offset":-266')),
      line: 2,
      says: '"_offset" must be a non-negative integer, got -266',
    },
    {
      name: "a fractional _length",
      text: withLine(2, good[1]!.replace('"_length":266', '"_length":26.5')),
      line: 2,
      says: '"_length" must be a non-negative integer',
    },
    {
      name: "a string _offset",
      text: withLine(2, good[1]!.replace('"_offset":266', '"_offset":"266"')),
      line: 2,
      says: '"_offset" must be a non-negative integer, got "266"',
    },
    {
      name: "a non-string param",
      text: withLine(1, good[0]!.replace('"param":"2t"', '"param":null')),
      line: 1,
      says: '"param" must be a string',
    },
    {
      name: "a numeric number",
      text: withLine(2, good[1]!.replace('"number":"1"', '"number":1')),
      line: 2,
      says: '"number" is the number 1',
    },
    {
      name: "a negative number",
      text: withLine(2, good[1]!.replace('"number":"1"', '"number":"-1"')),
      line: 2,
      says: '"number" must be a non-negative integer',
    },
    {
      name: "a pf line without number",
      text: withLine(3, good[2]!.replace('"number":"2",', "")),
      line: 3,
      says: 'type "pf"',
    },
    {
      name: "a pl line without levelist",
      text: withLine(1, good[0]!.replace('"levtype":"sfc"', '"levtype":"pl"')),
      line: 1,
      says: 'levtype "pl" line without "levelist"',
    },
    {
      name: "a malformed step",
      text: withLine(1, good[0]!.replace('"step":"0"', '"step":"0h"')),
      line: 1,
      says: '"step" must be hours',
    },
    { name: "a duplicate entry", text: withLine(3, good[1]!), line: 3, says: "already on line 2" },
  ])("$name", ({ text, line, says }) => {
    const err = thrown(() => parseEcmwfIndex(text, "s3://bucket/run/0h.index"));
    expect(err.path).toBe("s3://bucket/run/0h.index");
    expect(err.line).toBe(line);
    expect(err.message).toContain(`s3://bucket/run/0h.index:${line}: `);
    expect(err.message).toContain(says);
  });

  it("reports a real file truncated mid-line at its last line", () => {
    const text = fixture("ecmwf/20261001000000-24h-oper-fc.index");
    const err = thrown(() => parseEcmwfIndex(text.slice(0, text.length - 40), "24h.index"));
    expect(err.line).toBe(184);
    expect(err.message).toContain("truncated");
  });
});

/** Inputs the fuzz test (test/job-image/fuzz/index-fuzz.test.ts) found mishandled, each as a case. */
describe("parseEcmwfIndexFor on inputs found by the fuzz test", () => {
  const good = [
    ensLine({ type: "cf", levtype: "sfc", step: "0", param: "2t" }, 0),
    ensLine({ type: "pf", levtype: "sfc", step: "0", number: "1", param: "2t" }, 266),
    ensLine({ type: "pf", levtype: "sfc", step: "0", number: "3", param: "2t" }, 532),
  ];
  const withLine = (n: number, text: string): string =>
    good.map((l, i) => (i === n - 1 ? text : l)).join("\n");
  const nestedArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it.each([
    {
      // JSON.parse reads it; JSON.stringify of it for the message threw RangeError (call stack).
      name: "a string key holding an array nested 100,000 deep",
      text: withLine(2, good[1]!.replace('"param":"2t"', `"param":${nestedArray(100_000)}`)),
      members: undefined,
      line: 2,
      says: '"param" must be a string, got an array (1 items)',
    },
    {
      name: "a string key holding an object nested 100,000 deep, read for its member",
      text: withLine(3, good[2]!.replace('"expver":"0001"', `"expver":${nestedObject(100_000)}`)),
      members: [3],
      line: 3,
      says: '"expver" must be a string, got an object',
    },
    {
      name: "an _offset holding an array nested 100,000 deep",
      text: withLine(1, good[0]!.replace('"_offset":0', `"_offset":${nestedArray(100_000)}`)),
      members: undefined,
      line: 1,
      says: '"_offset" must be a non-negative integer, got an array (1 items)',
    },
    {
      // The scan of other members' lines gave it a span of member -1.
      name: "another member's line whose number has 16 digits",
      text: withLine(3, good[2]!.replace('"number":"3"', '"number":"0000000000000003"')),
      members: [1],
      line: 3,
      says: '"number" must be a non-negative integer, got "0000000000000003"',
    },
    {
      // The scan gave it a span of member 0, the control.
      name: "another member's line whose number is null",
      text: withLine(3, good[2]!.replace('"number":"3"', '"number":null')),
      members: [1],
      line: 3,
      says: '"number" must be a string, got null',
    },
    {
      // The scan found the first object's span and member 1, and member 3's line was lost.
      name: "two lines run together by a lost newline, the second of the member at work",
      text: [good[0], good[1]! + good[2]!].join("\n"),
      members: [3],
      line: 2,
      says: "not a JSON object",
    },
    {
      // The scan found member 1 and the control's span, and the control's line was lost.
      name: "two lines run together by a lost newline, the first of the control, read for the control",
      text: [good[0]! + good[1]!, good[2]].join("\n"),
      members: [0],
      line: 1,
      says: "not a JSON object",
    },
  ])("$name: IndexParseError naming the line", ({ text, members, line, says }) => {
    const path = "s3://bucket/run/0h-enfo-ef.index";
    const err = thrown(() => parseFor(text, path, members && new Set(members)));
    expect(err.path).toBe(path);
    expect(err.line).toBe(line);
    expect(err.message).toContain(`${path}:${line}: ${says}`);
  });
});
