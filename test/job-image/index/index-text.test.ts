import { describe, expect, it } from "vitest";
import { indexText } from "../../../job-image/src/index/index-text.js";

describe("indexText", () => {
  it("reads ASCII bytes as their text, from a view into a larger buffer too", () => {
    const line = '{"param": "2t", "_offset": 0, "_length": 9}\n';
    const bytes = new TextEncoder().encode(`xx${line}yy`);
    expect(indexText(bytes.subarray(2, 2 + line.length))).toBe(line);
  });

  it("decodes other bytes as UTF-8, not byte by byte", () => {
    const text = '{"param": "t°", "_offset": 0}';
    expect(indexText(new TextEncoder().encode(text))).toBe(text);
    expect(indexText(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe("{\uFFFD}");
  });
});
