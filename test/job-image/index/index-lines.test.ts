import { describe, expect, it } from "vitest";
import { IndexLines } from "../../../job-image/src/index/index-lines.js";

function linesOf(bytes: Uint8Array): string[] {
  const lines = new IndexLines(bytes);
  const texts: string[] = [];
  while (lines.next()) texts.push(lines.text());
  return texts;
}

const encode = (text: string) => new TextEncoder().encode(text);

describe("IndexLines", () => {
  it("finds ASCII lines in a view into a larger buffer, carriage returns kept", () => {
    const text = '{"param": "2t"}\r\n{"param": "tp"}\n';
    const bytes = encode(`xx${text}yy`);
    expect(linesOf(bytes.subarray(2, 2 + text.length))).toEqual(['{"param": "2t"}\r', '{"param": "tp"}']);
  });

  it("decodes the lines of a file that is not ASCII as UTF-8, not byte by byte", () => {
    expect(linesOf(encode('{"param": "t°"}\n{"x": 1}'))).toEqual(['{"param": "t°"}', '{"x": 1}']);
    expect(linesOf(new Uint8Array([0x7b, 0xff, 0x7d, 0x0a, 0x7b, 0x7d]))).toEqual(["{\uFFFD}", "{}"]);
  });

  it("drops a byte-order mark at the start only, as UTF-8 decoding of the whole file does", () => {
    expect(linesOf(encode('\uFEFF{"a": 1}\n\uFEFF{"b": 2}'))).toEqual(['{"a": 1}', '\uFEFF{"b": 2}']);
  });

  it("has no lines for blank lines at the end, but keeps blank lines between", () => {
    expect(linesOf(encode('{"a": 1}\n\n{"b": 2}\r\n \r\n\t\n'))).toEqual(['{"a": 1}', "", '{"b": 2}\r']);
    expect(linesOf(encode(" \n\n"))).toEqual([]);
    expect(linesOf(new Uint8Array())).toEqual([]);
  });
});
