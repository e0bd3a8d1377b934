import { describe, expect, it } from "vitest";
import { spanOfText, tailSpan } from "../../../job-image/src/index/span-scan.js";
import { published } from "./index-text.js";

const head = {
  domain: "g",
  date: "20261002",
  time: "0000",
  expver: "0001",
  class: "od",
  type: "pf",
  stream: "enfo",
};

/** `tailSpan` on `line` placed between other bytes, as it lies in a file. */
function tailOf(line: string, lineNumber = 7) {
  const bytes = new TextEncoder().encode(`{"x": 1}\n${line}\n{"y": 2}`);
  return tailSpan(bytes, 9, 9 + line.length, lineNumber);
}

describe("tailSpan: a line's span read backwards on its bytes", () => {
  it.each([
    [
      "number just before _offset (the bench's mirror)",
      { ...head, step: "0", levtype: "sfc", param: "2t", number: "14" },
    ],
    [
      "number one key before _offset (ECMWF's files)",
      { ...head, step: "0", levtype: "sfc", number: "14", param: "2t" },
    ],
  ])("reads %s", (_, fields) => {
    const line = published({ ...fields, _offset: 123_456_789, _length: 609_069 });
    const expected = { offset: 123_456_789, length: 609_069, number: 14, line: 7 };
    expect(tailOf(line)).toEqual(expected);
    expect(tailOf(`${line}\r`)).toEqual(expected);
    expect(spanOfText(line, 7)).toEqual(expected);
  });

  it.each([
    ["no number (the control's line: the text decides member 0)", { ...head, step: "0", param: "2t" }, 0],
    ["number two keys before _offset", { ...head, number: "3", step: "0", param: "2t" }, 3],
    [
      "number as a JSON number (a MARS index: parsed in full if its member is asked for)",
      { ...head, step: "0", param: "2t", number: 3 },
      3,
    ],
  ])("leaves a line with %s to the text", (_, fields, number) => {
    const line = published({ ...fields, _offset: 10, _length: 20 });
    expect(tailOf(line)).toBeUndefined();
    expect(spanOfText(line, 7)?.number).toBe(number);
  });

  it.each([
    ["other spacing", '{"param": "2t", "number": "1", "_offset":10, "_length":20}'],
    ["keys in another order at the end", '{"param": "2t", "number": "1", "_length": 20, "_offset": 10}'],
    ["a count of 16 digits", '{"param": "2t", "number": "1", "_offset": 1234567890123456, "_length": 20}'],
    ["a member of 16 digits", '{"param": "2t", "number": "1234567890123456", "_offset": 10, "_length": 20}'],
    ["text after the object", '{"param": "2t", "number": "1", "_offset": 10, "_length": 20} x'],
    ["no closing brace", '{"param": "2t", "number": "1", "_offset": 10, "_length": 20'],
    ["no length", '{"param": "2t", "number": "1", "_offset": 10, "_length": }'],
    [
      "an escaped quote in the value between number and _offset",
      '{"param": "2t", "number": "1", "x": "y\\"z", "_offset": 10, "_length": 20}',
    ],
  ])("finds no span in %s", (_, line) => {
    expect(tailOf(line)).toBeUndefined();
  });

  it("finds no span when a lost newline ran two lines together, nor does the text", () => {
    const first = published({ ...head, param: "2t", number: "1", _offset: 0, _length: 10 });
    const second = published({ ...head, param: "2t", number: "2", _offset: 10, _length: 10 });
    expect(tailOf(first + second)).toBeUndefined();
    expect(spanOfText(first + second, 7)).toBeUndefined();
  });

  it("reads only the line it is given, not the lines around it", () => {
    // The line before ends like a line's tail; the line itself is only its last pairs.
    const bytes = new TextEncoder().encode('{"number": "5", "x": "y"\n, "_offset": 10, "_length": 20}\n');
    expect(tailSpan(bytes, 25, 56, 2)).toBeUndefined();
  });
});

describe("spanOfText: a line's span found by key name", () => {
  it("reads any spacing and order, and a line without number as member 0", () => {
    expect(spanOfText('{"_length":20,"number":"4","_offset":10}\r', 3)).toEqual({
      offset: 10,
      length: 20,
      number: 4,
      line: 3,
    });
    expect(spanOfText('{"param": "2t", "_offset": 10, "_length": 20}', 3)?.number).toBe(0);
  });

  it("finds no span where the member is not plain digits (the line is then parsed in full)", () => {
    expect(spanOfText('{"number": "x", "_offset": 10, "_length": 20}', 3)).toBeUndefined();
  });
});
