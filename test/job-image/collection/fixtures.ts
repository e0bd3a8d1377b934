/**
 * Synthetic runs for the collection's tests: fields of a small grid and members' chunks for them,
 * without a mirror (the integration tests append real runs).
 */
import { ALL_MEMBERS } from "../../../job-image/src/api/members.js";
import type { RunId } from "../../../job-image/src/api/run-id.js";
import type { MemberChunks } from "../../../job-image/src/stages/ensemble-tree.js";
import type { RunToAppend } from "../../../job-image/src/stages/forecast.js";
import { type SlotFiles, slotFiles } from "../../../job-image/src/stages/slot-files.js";
import type { FieldDescriptor } from "../../../job-image/src/templates/manifest.js";

export const grid = {
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
  numberOfPoints: 24,
  shapeOfTheEarth: 6,
} as FieldDescriptor["grid"];

export function field(attrs: string, overrides: Partial<FieldDescriptor> = {}): FieldDescriptor {
  const [param, , levelist] = attrs.split(":");
  const level = levelist ? Number(levelist) : 2;
  const isobaric = levelist !== "";
  return {
    attrs,
    varname: param === "2t" ? "t2m" : param!,
    stepType: "instant",
    typeOfLevel: isobaric ? "isobaricInhPa" : "heightAboveGround",
    level,
    name: param!,
    attributes: { GRIB_shortName: param! },
    grid,
    ...overrides,
  };
}

/** A run of every member with `fields` at `steps`, its chunks in a file named after the run, as an append takes them. */
export function syntheticRun(
  run: RunId,
  attrs: readonly string[],
  steps: readonly number[] = [0, 3, 6],
  digest = `sha256:${run.date}`,
): { run: RunToAppend; members: MemberChunks[]; data: SlotFiles } {
  const fields = attrs.map((a) => field(a));
  const members = ALL_MEMBERS.map((_, number) => ({
    number,
    chunks: steps.flatMap((step) =>
      attrs.map((a, i) => ({
        attrs: a,
        step,
        uri: `s3://src/${run.date}/${step}h.grib2`,
        offset: (number * attrs.length + i) * 100,
        length: 100,
      })),
    ),
  }));
  return {
    run: { run, fields, digest, members: [...ALL_MEMBERS], failed: [] },
    members,
    data: slotFiles(members),
  };
}
