import { describe, expect, it } from "vitest";
import { RefsError } from "../../../job-image/src/api/errors.js";
import { ChunkList, type ChunkRef } from "../../../job-image/src/stages/chunk-list.js";
import { decodeMemberPart, encodeMemberPart } from "../../../job-image/src/stages/member-part.js";

const run = { date: "20250101", cycle: 0 };
const file = (step: number) =>
  `s3://ecmwf-forecasts/20250101/00z/ifs/0p25/enfo/20250101000000-${step}h-enfo-ef.grib2`;

/** `n` chunks over 3 fields and a file per step, offsets past 2^32 as in ECMWF's step files. */
function chunks(n: number): ChunkRef[] {
  const fields = ["2t:sfc:", "t:pl:500", "t:pl:850"];
  return Array.from({ length: n }, (_, i) => ({
    attrs: fields[i % 3]!,
    step: Math.floor(i / 3) * 3,
    uri: file(Math.floor(i / 3) * 3),
    offset: 5_000_000_000 + i * 1_234_567,
    length: 600_000 + i,
  }));
}

describe("a member's chunks held column-wise", () => {
  it("gives back every chunk pushed, in order, past its initial capacity", () => {
    const all = chunks(3000);
    const list = ChunkList.from(all);
    expect(list.length).toBe(3000);
    expect([...list]).toEqual(all);
    expect(list.at(2999)).toEqual(all[2999]);
  });

  it("keeps offsets beyond 4 GiB exact", () => {
    const list = ChunkList.from([
      { attrs: "2t:sfc:", step: 360, uri: file(360), offset: 2 ** 53 - 1, length: 1 },
    ]);
    expect(list.at(0).offset).toBe(2 ** 53 - 1);
  });

  it.each([
    ["a negative offset", { offset: -1 }, /offset -1/],
    ["a fractional offset", { offset: 1.5 }, /offset 1.5/],
    ["a length of 4 GiB", { length: 2 ** 32 }, /length 4294967296/],
    ["a step that is not whole hours", { step: 1.5 }, /step 1.5/],
  ])("refuses %s rather than store it wrong", (_what, change, message) => {
    const list = new ChunkList();
    expect(() => list.push({ ...chunks(1)[0]!, ...change })).toThrow(message);
    expect(list.length).toBe(0);
  });

  it("holds a step file's messages added at once as it holds them added one by one", () => {
    const all = chunks(3000);
    const list = new ChunkList();
    for (let i = 0; i < all.length; i += 3) list.pushStep(all[i]!.step, all[i]!.uri, all.slice(i, i + 3));
    expect([...list]).toEqual(all);
  });

  it.each([
    ["a step that is not whole hours", 1.5, {}, /step 1.5/],
    ["a negative offset", 3, { offset: -1 }, /offset -1/],
  ])("refuses, for a step file at once, %s", (_what, step, change, message) => {
    const list = new ChunkList();
    expect(() => list.pushStep(step, file(3), [{ ...chunks(1)[0]!, ...change }])).toThrow(message);
    expect(list.length).toBe(0);
  });

  it("refuses an index outside the list", () => {
    expect(() => ChunkList.from(chunks(2)).at(2)).toThrow(RangeError);
  });
});

describe("a member part, as a pod leaves it for the run's commit", () => {
  const fields = ["2t:sfc:", "t:pl:500", "t:pl:850"].map((attrs) => ({ attrs }));
  const part = {
    run,
    member: "ens01",
    number: 1,
    inputs: { member: "ens01", referenceRun: run, templatesFingerprint: "sha256:x", sources: [] },
    fields: fields as never,
    chunks: ChunkList.from(chunks(300)),
  };

  it("reads back the chunks it was written with", () => {
    const back = decodeMemberPart(encodeMemberPart(part), "parts/ens01.json", run, "ens01");
    expect([...back.chunks]).toEqual([...part.chunks]);
  });

  it("refuses a chunk with a negative offset, naming the part and the chunk", () => {
    const doc = JSON.parse(new TextDecoder().decode(encodeMemberPart(part)));
    doc.chunks[7][3] = -5;
    const bytes = new TextEncoder().encode(JSON.stringify(doc));
    const refused = () => decodeMemberPart(bytes, "parts/ens01.json", run, "ens01");
    expect(refused).toThrow(RefsError);
    expect(refused).toThrow(/parts\/ens01\.json.*chunk 7: chunk offset -5/);
  });
});
