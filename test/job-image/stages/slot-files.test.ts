import { describe, expect, it } from "vitest";
import { encodeRefsRecord } from "../../../job-image/src/refs/parquet.js";
import {
  buildEnsembleTree,
  type EnsembleTree,
  slotDataRecords,
} from "../../../job-image/src/stages/ensemble-tree.js";
import { slotFiles } from "../../../job-image/src/stages/slot-files.js";
import { field, syntheticRun } from "../collection/fixtures.js";

const RUN = { date: "20260601", cycle: 0 };
const ATTRS = ["2t:sfc:", "t:pl:500", "t:pl:850"];
const STEPS = [0, 3, 6];

function tree(attrs: readonly string[], times: number[], steps = STEPS): EnsembleTree {
  return buildEnsembleTree(
    attrs.map((a) => field(a)),
    { times, steps, members: 51 },
  );
}

/** The files as each writer encoded them before they shared the encoding. */
function encodedAlone(t: EnsembleTree, slot: number, members: ReturnType<typeof syntheticRun>["members"]) {
  return new Map(
    [...slotDataRecords(t, slot, members)].map(([name, rows]) => [
      name,
      rows.some(Boolean) ? encodeRefsRecord(rows) : undefined,
    ]),
  );
}

describe("slot files", () => {
  const { members } = syntheticRun(RUN, ATTRS, STEPS);

  it("are the bytes each writer encoded alone, for the ensemble store's slot and a collection's", () => {
    const files = slotFiles(members);
    const own = tree(ATTRS, [0]);
    const collection = tree(ATTRS, [0, 1, 2, 3]);
    expect(files.files(own, 0)).toEqual(encodedAlone(own, 0, members));
    expect(files.files(collection, 3)).toEqual(encodedAlone(collection, 3, members));
    expect([...files.files(collection, 3).keys()]).toContain("t/instant/isobaricInhPa/t/refs.7.parq");
    expect(files.refs(own)).toBe(51 * STEPS.length * ATTRS.length);
  });

  it("are encoded once for a layout, whatever the slot", () => {
    const files = slotFiles(members);
    const own = files.files(tree(ATTRS, [0]), 0);
    const later = files.files(tree(ATTRS, [0, 1, 2]), 2);
    expect(later.get("t2m/instant/heightAboveGround/t2m/refs.2.parq")).toBe(
      own.get("t2m/instant/heightAboveGround/t2m/refs.0.parq"),
    );
  });

  it("are encoded again for another layout: a level the run lacks, or other steps", () => {
    const files = slotFiles(members);
    files.files(tree(ATTRS, [0]), 0);
    const relevelled = tree([...ATTRS, "t:pl:250"], [0, 1]);
    expect(files.files(relevelled, 1)).toEqual(encodedAlone(relevelled, 1, members));
    const longer = tree(ATTRS, [0], [0, 3, 6, 9]);
    expect(files.files(longer, 0)).toEqual(encodedAlone(longer, 0, members));
  });

  it("are absent where a record holds no reference, so that a writer removes them", () => {
    const wider = tree([...ATTRS, "10u:sfc:"], [0]);
    const files = slotFiles(members).files(wider, 0);
    expect(files.has("10u/instant/heightAboveGround/10u/refs.0.parq")).toBe(true);
    expect(files.get("10u/instant/heightAboveGround/10u/refs.0.parq")).toBeUndefined();
  });
});
