import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scanMessages } from "../../../job-image/src/grib/scan.js";
import type { Refs } from "../../../job-image/src/refs/types.js";
import { float64Chunk, int64Chunk } from "../../../job-image/src/stages/coordinates.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { verifyRefs } from "../../../job-image/src/verify/verify-store.js";

// Five real ECMWF messages (asn, ptype, rsn, sd, tcc), step 0, surface; provenance in PROVENANCE.tsv.
const GRIB = readFileSync(
  fileURLToPath(
    new URL("../../fixtures/real/ecmwf/20260310000000-0h-oper-fc.surface5.grib2", import.meta.url),
  ),
);
const messages = scanMessages(new Uint8Array(GRIB), "surface5.grib2");
const source = memoryStore("src");
await source.put("surface5.grib2", new Uint8Array(GRIB));
const url = source.url("surface5.grib2");
const open = (u: string) => ({ store: source, key: u.slice("mem://src/".length) });

/** A store whose one chunk, asn at step 0, points at `[offset, length]` of the file. */
function refsFor(offset: number, length: number, paramId = 32, file = url): Refs {
  const g = "asn/instant/surface";
  return {
    version: 1,
    refs: {
      [`${g}/asn/.zattrs`]: JSON.stringify({
        GRIB_paramId: paramId,
        _ARRAY_DIMENSIONS: ["time", "step", "latitude", "longitude"],
      }),
      [`${g}/step/0`]: int64Chunk([0]),
      [`${g}/surface/0`]: float64Chunk([0]),
      [`${g}/number/0.0`]: int64Chunk([0]),
      [`${g}/asn/0.0.0.0`]: [file, offset, length],
    },
  };
}

describe("verifyRefs", () => {
  const asn = messages[0]!;

  it("passes a store whose chunk is the message it says", async () => {
    const r = await verifyRefs(refsFor(asn.offset, asn.length), { sample: 10, seed: 1 }, open);
    expect(r).toEqual({ chunks: 1, files: 1, sampled: 1, faults: [] });
  });

  it.each([
    [
      "a range past the end",
      () => refsFor(GRIB.length - 10, asn.length),
      /reaches past the end of mem:\/\/src\/surface5\.grib2/,
    ],
    [
      "a range that is not a message",
      () => refsFor(asn.offset + 4, asn.length),
      /does not end with 7777|not a GRIB|magic/i,
    ],
    [
      "a message of another parameter",
      () => refsFor(messages[1]!.offset, messages[1]!.length),
      /store says paramId 32, the message says/,
    ],
    [
      "a length that is not the message's",
      () => refsFor(asn.offset, asn.length + messages[1]!.length),
      /message is \d+ bytes, reference says/,
    ],
    [
      "a missing file",
      () => refsFor(0, 10, 32, "mem://src/gone.grib2"),
      /mem:\/\/src\/gone\.grib2 does not exist/,
    ],
  ])("finds %s", async (_name, refs, fault) => {
    const r = await verifyRefs(refs(), { sample: 10, seed: 1 }, open);
    expect(r.faults.join("\n")).toMatch(fault);
  });
});
