import { describe, expect, it } from "vitest";
import {
  expectedAtStep,
  expectedFields,
  type ManifestPart,
  memberFields,
  mergeManifestParts,
  parseManifestPart,
  structureFingerprint,
} from "../../../job-image/src/templates/manifest.js";

const grid = {
  gridDefinitionTemplateNumber: 0,
  gridType: "regular_ll",
  Ni: 6,
  Nj: 4,
  latitudeOfFirstGridPointInDegrees: 1,
  longitudeOfFirstGridPointInDegrees: 36,
  latitudeOfLastGridPointInDegrees: 0.25,
  longitudeOfLastGridPointInDegrees: 37.25,
  iDirectionIncrementInDegrees: 0.25,
  jDirectionIncrementInDegrees: 0.25,
  iScansNegatively: 0,
  jScansPositively: 0,
  jPointsAreConsecutive: 0,
  uvRelativeToGrid: 0,
  numberOfPoints: 24,
  shapeOfTheEarth: 6,
} as const;

function part(
  index: number,
  count: number,
  steps: number[],
  extra: Partial<ManifestPart> = {},
): ManifestPart {
  return {
    kind: "gik-templates",
    version: 2,
    referenceRun: { date: "20240529", cycle: 0 },
    shard: { index, count },
    members: ["control", "ens01"],
    steps,
    controlFile: "enfo-ef",
    grid,
    fields: {
      "2t:sfc:": {
        varname: "t2m",
        typeOfLevel: "heightAboveGround",
        stepType: "instant",
        level: 2,
        paramId: 167,
        name: "2 metre temperature",
        grid,
        kinds: {
          control: { steps, attributes: { GRIB_dataType: "cf" } },
          perturbed: { steps, attributes: { GRIB_dataType: "pf" } },
        },
      },
    },
    absent: {},
    sources: steps.map((s) => ({ key: `i-${s}`, size: 1 })),
    ...extra,
  };
}

describe("manifest parts", () => {
  it("merge into one manifest covering every step", () => {
    const m = mergeManifestParts([part(1, 2, [3]), part(0, 2, [0, 6])], "mem://m/", [0, 3, 6]);
    expect(m.steps).toEqual([0, 3, 6]);
    expect(m.fields["2t:sfc:"]?.kinds.perturbed?.steps).toEqual([0, 3, 6]);
    expect(m.fields["2t:sfc:"]?.kinds.control?.steps).toEqual([0, 3, 6]);
    expect(m.parts).toBe(2);
    expect(m.sources).toHaveLength(3);
    expect(m.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("fingerprint the structure only, not where it was read from", () => {
    const a = mergeManifestParts([part(0, 1, [0, 3])], "x", [0, 3]);
    const b = mergeManifestParts(
      [part(0, 1, [0, 3], { sources: [], referenceRun: { date: "20250101", cycle: 0 } })],
      "x",
      [0, 3],
    );
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(structureFingerprint({ ...a, members: ["control"] })).not.toBe(a.fingerprint);
  });

  it.each([
    ["a missing part", [part(0, 2, [0, 6])], /manifest parts 1 of 2 are missing/],
    ["no part at all", [], /no manifest part found/],
    ["missing steps", [part(0, 1, [0])], /no templates for steps 3, 6/],
    [
      "a field that changes between parts",
      [
        part(0, 2, [0, 6]),
        part(1, 2, [3], {
          fields: {
            "2t:sfc:": {
              varname: "2t",
              typeOfLevel: "surface",
              stepType: "instant",
              level: 0,
              paramId: 167,
              name: "2 metre temperature",
              grid,
              kinds: { perturbed: { steps: [3], attributes: {} } },
            },
          },
        }),
      ],
      /field 2t:sfc: differs between parts/,
    ],
  ])("refuse %s", (_name, parts, message) => {
    expect(() =>
      mergeManifestParts(parts as ManifestPart[], "s3://t/ecmwf/manifests/20240529/", [0, 3, 6]),
    ).toThrow(message);
  });

  it("parse only gik manifests, naming the file", () => {
    const ok = new TextEncoder().encode(JSON.stringify(part(0, 1, [0])));
    expect(parseManifestPart(ok, "u").shard).toEqual({ index: 0, count: 1 });
    expect(() => parseManifestPart(new TextEncoder().encode("{"), "s3://b/p.json")).toThrow(
      /s3:\/\/b\/p\.json: manifest is not JSON/,
    );
    expect(() => parseManifestPart(new TextEncoder().encode('{"kind":"x"}'), "u")).toThrow(
      /not a gik templates manifest/,
    );
    const v1 = new TextEncoder().encode(JSON.stringify({ ...part(0, 1, [0]), version: 1 }));
    expect(() => parseManifestPart(v1, "u")).toThrow(
      /version 1, this gik reads version 2: build the templates again/,
    );
  });
});

describe("what members have, from the manifest", () => {
  const oper: ManifestPart = part(0, 1, [0, 3, 6], {
    fields: {
      ...part(0, 1, [0, 3, 6]).fields,
      "tcc:sfc:": {
        varname: "tcc",
        typeOfLevel: "surface",
        stepType: "instant",
        level: 0,
        paramId: 228164,
        name: "Total cloud cover",
        grid,
        kinds: { control: { steps: [3, 6], attributes: { GRIB_dataType: "fc" } } },
      },
    },
    absent: { ens01: ["2t:sfc:@6"] },
  });
  const m = mergeManifestParts([oper], "x", [0, 3, 6]);

  it("gives each member the fields of its kind, with its kind's attributes", () => {
    expect(memberFields(m, "control").map((f) => [f.attrs, f.attributes.GRIB_dataType])).toEqual([
      ["2t:sfc:", "cf"],
      ["tcc:sfc:", "fc"],
    ]);
    expect(memberFields(m, "ens07").map((f) => [f.attrs, f.attributes.GRIB_dataType])).toEqual([
      ["2t:sfc:", "pf"],
    ]);
  });

  it("expects at a step what the member's kind has there, without the member's own absences", () => {
    expect([...expectedFields(m, "control", 0)]).toEqual(["2t:sfc:"]);
    expect([...expectedFields(m, "control", 3)]).toEqual(["2t:sfc:", "tcc:sfc:"]);
    expect([...expectedFields(m, "ens01", 6)]).toEqual([]);
    expect([...expectedFields(m, "ens02", 6)]).toEqual(["2t:sfc:"]);
  });

  it("expects at a step, per member, what expectedFields does, for every member of both kinds", () => {
    for (const step of [0, 3, 6]) {
      const expectedOf = expectedAtStep(m, step);
      // ens02 asked first, then ens01 (an absence of its own) and ens03 (its kind's set again).
      for (const member of ["ens02", "ens01", "ens03", "control"]) {
        expect([...expectedOf(member)], `${member} at ${step}`).toEqual([...expectedFields(m, member, step)]);
      }
    }
  });

  it("puts absences in the fingerprint", () => {
    const without = mergeManifestParts([{ ...oper, absent: {} }], "x", [0, 3, 6]);
    expect(without.fingerprint).not.toBe(m.fingerprint);
  });
});
