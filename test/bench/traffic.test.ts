import { describe, expect, it } from "vitest";
import type { RequestRecord } from "../../bench/counting-proxy.js";
import { parseS3Path } from "../../bench/counting-proxy.js";
import {
  gribLayout,
  type MessageLayout,
  parseRange,
  splitBytes,
  summarizeTraffic,
  under,
} from "../../bench/traffic.js";

/** A GRIB2 message: section 0, then sections of the given (number, length), then `7777`. */
function message(sections: [number, number][]): Uint8Array {
  const length = 16 + sections.reduce((n, [, l]) => n + l, 0) + 4;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes.set([0x47, 0x52, 0x49, 0x42], 0);
  bytes[7] = 2;
  view.setBigUint64(8, BigInt(length));
  let at = 16;
  for (const [number, l] of sections) {
    view.setUint32(at, l);
    bytes[at + 4] = number;
    at += l;
  }
  bytes.set([0x37, 0x37, 0x37, 0x37], at);
  return bytes;
}

const SECTIONS: [number, number][] = [
  [1, 21],
  [3, 72],
  [4, 34],
  [5, 25],
  [6, 6],
  [7, 100],
];

describe("gribLayout", () => {
  it("finds where sections 6–7 of each message lie", () => {
    const one = message(SECTIONS);
    const file = new Uint8Array(one.length * 2);
    file.set(one, 0);
    file.set(one, one.length);
    const header = 16 + 21 + 72 + 34 + 25;
    expect(gribLayout(file)).toEqual([
      { offset: 0, length: one.length, dataStart: header, dataEnd: header + 106 },
      {
        offset: one.length,
        length: one.length,
        dataStart: one.length + header,
        dataEnd: one.length + header + 106,
      },
    ]);
  });

  it("refuses bytes that are not GRIB2 messages", () => {
    expect(() => gribLayout(new Uint8Array(32))).toThrow(/no GRIB2 message at byte 0/);
  });
});

describe("parseRange", () => {
  it.each([
    [undefined, { start: 0, end: 1000 }],
    ["bytes=10-19", { start: 10, end: 20 }],
    ["bytes=990-", { start: 990, end: 1000 }],
    ["bytes=-4", { start: 996, end: 1000 }],
    ["bytes=900-5000", { start: 900, end: 1000 }],
  ])("%s", (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });

  it("refuses several ranges", () => {
    expect(() => parseRange("bytes=0-1,5-6", 1000)).toThrow(/unsupported Range/);
  });
});

describe("splitBytes", () => {
  const layouts: MessageLayout[] = [
    { offset: 0, length: 300, dataStart: 200, dataEnd: 296 },
    { offset: 300, length: 300, dataStart: 500, dataEnd: 596 },
  ];
  it.each([
    ["a header prefix", 300, 400, { header: 100, data: 0, aligned: true }],
    ["a whole message", 300, 600, { header: 200, data: 96, aligned: true }],
    ["the end marker", 296, 300, { header: 0, data: 0, aligned: true }],
    ["two messages' data", 250, 550, { header: 200, data: 96, aligned: false }],
  ])("%s", (_name, start, end, expected) => {
    expect(splitBytes(layouts, start, end)).toEqual(expected);
  });
});

describe("summarizeTraffic", () => {
  const layouts: MessageLayout[] = [{ offset: 0, length: 300, dataStart: 200, dataEnd: 296 }];
  const get = (key: string, bytes: number, range?: string): RequestRecord => ({
    method: "GET",
    bucket: "ecmwf-forecasts",
    key,
    ...(range ? { range } : {}),
    status: range ? 206 : 200,
    bytes,
    uploaded: 0,
  });

  it("counts index reads per file and GRIB bytes by section", () => {
    const s = summarizeTraffic(
      [
        get("a.index", 1000),
        get("b.index", 2000),
        get("a.index", 1000),
        get("a.grib2", 4, "bytes=0-3"),
        get("a.grib2", 4, "bytes=296-299"),
        get("a.grib2", 300),
        { method: "PUT", bucket: "out", key: "s/.zmetadata", status: 200, bytes: 0, uploaded: 50 },
        { method: "HEAD", bucket: "ecmwf-forecasts", key: "a.grib2", status: 200, bytes: 0, uploaded: 0 },
      ],
      () => layouts,
    );
    expect(s.requests).toBe(8);
    expect(s.byMethod).toEqual({ GET: 6, PUT: 1, HEAD: 1 });
    expect(s.index).toEqual({ gets: 3, bytes: 4000, files: 2, maxGetsPerFile: 2 });
    expect(s.grib).toEqual({
      reads: 3,
      bytes: 308,
      files: 1,
      dataSectionBytes: 96,
      headerBytes: 204,
      maxRead: 300,
      misaligned: 0,
    });
    expect(s.bytesRead).toBe(4308);
    expect(s.bytesWritten).toBe(50);
  });
});

describe("parseS3Path", () => {
  it("splits a path-style request into bucket and decoded key", () => {
    expect(
      parseS3Path("/gik-bench/stores/20261002/00z/ens01.parquet/t2m%2Frefs.0.parq?x-id=GetObject"),
    ).toEqual({
      bucket: "gik-bench",
      key: "stores/20261002/00z/ens01.parquet/t2m/refs.0.parq",
    });
    expect(parseS3Path("/gik-bench?list-type=2")).toEqual({ bucket: "gik-bench", key: "" });
  });
});

describe("under", () => {
  it("counts the writes, reads and probes of one prefix only", () => {
    const r = (method: string, key: string, bytes: number, uploaded: number): RequestRecord => ({
      method,
      bucket: "b",
      key,
      status: 200,
      bytes,
      uploaded,
    });
    const t = summarizeTraffic(
      [
        r("PUT", "coll/t2m/refs.0.parq", 0, 100),
        r("PUT", "coll/.zmetadata", 0, 50),
        r("GET", "coll/.zmetadata", 50, 0),
        r("HEAD", "coll/.zmetadata", 0, 0),
        r("PUT", "collection-other/x", 0, 7),
        r("GET", "stores/x", 9, 0),
      ],
      () => [],
    );
    expect(under(t, "coll/")).toEqual({ puts: 2, bytesWritten: 150, gets: 1, heads: 1, bytesRead: 50 });
  });
});
