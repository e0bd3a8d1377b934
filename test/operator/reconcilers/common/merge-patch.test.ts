import { describe, expect, it } from "vitest";
import { mergePatch } from "../../../../operator/src/reconcilers/common/merge-patch.js";
import { applyMergePatch } from "../../helpers/fake-cluster.js";

describe("mergePatch", () => {
  it.each([
    { name: "equal", from: { a: 1, b: { c: [1, 2] } }, to: { a: 1, b: { c: [1, 2] } }, patch: undefined },
    {
      name: "key order does not matter",
      from: { x: [{ a: 1, b: 2 }] },
      to: { x: [{ b: 2, a: 1 }] },
      patch: undefined,
    },
    { name: "undefined counts as absent", from: { a: 1 }, to: { a: 1, b: undefined }, patch: undefined },
    { name: "changed scalar", from: { a: 1 }, to: { a: 2 }, patch: { a: 2 } },
    { name: "removed key is null", from: { a: 1, b: 2 }, to: { a: 1 }, patch: { b: null } },
    {
      name: "nested",
      from: { m: { x: { p: "Running" }, y: { p: "Pending" } } },
      to: { m: { x: { p: "Succeeded" }, y: { p: "Pending" } } },
      patch: { m: { x: { p: "Succeeded" } } },
    },
    { name: "arrays replaced whole", from: { l: [1, 2, 3] }, to: { l: [1, 2] }, patch: { l: [1, 2] } },
    { name: "from empty", from: {}, to: { phase: "Pending" }, patch: { phase: "Pending" } },
  ])("$name", ({ from, to, patch }) => {
    expect(mergePatch(from, to)).toEqual(patch);
  });

  it("applying the patch to the old document gives the new one", () => {
    const from = { phase: "Running", members: { ens01: { phase: "Running", refs: 1 } }, jobName: "er-a" };
    const to = {
      phase: "Succeeded",
      members: { ens01: { phase: "Succeeded", output: "s3://o/x" } },
      completionTime: "t",
    };
    expect(applyMergePatch(from, mergePatch(from, to))).toEqual(to);
  });
});
