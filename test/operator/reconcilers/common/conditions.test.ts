import { describe, expect, it } from "vitest";
import type { Condition } from "../../../../job-image/src/api/index.js";
import { findCondition, setCondition } from "../../../../operator/src/reconcilers/common/conditions.js";

const t0 = new Date("2025-01-01T06:00:00.123Z");
const t1 = new Date("2025-01-01T07:00:00Z");
const existing: Condition[] = [
  {
    type: "Stalled",
    status: "False",
    observedGeneration: 1,
    lastTransitionTime: "2025-01-01T06:00:00Z",
    reason: "SpecValid",
    message: "",
  },
  {
    type: "Progressing",
    status: "True",
    observedGeneration: 1,
    lastTransitionTime: "2025-01-01T06:00:00Z",
    reason: "JobRunning",
    message: "a",
  },
];

describe("setCondition", () => {
  it.each([
    {
      name: "new condition gets now, whole seconds",
      list: [] as Condition[],
      cond: { type: "Succeeded", status: "Unknown" as const, reason: "InProgress", message: "" },
      lastTransitionTime: "2025-01-01T06:00:00Z",
      at: t0,
    },
    {
      name: "same status keeps lastTransitionTime, takes new reason and message",
      list: existing,
      cond: { type: "Progressing", status: "True" as const, reason: "JobRunning", message: "b" },
      lastTransitionTime: "2025-01-01T06:00:00Z",
      at: t1,
    },
    {
      name: "flipped status takes now",
      list: existing,
      cond: { type: "Progressing", status: "False" as const, reason: "JobFinished", message: "done" },
      lastTransitionTime: "2025-01-01T07:00:00Z",
      at: t1,
    },
  ])("$name", ({ list, cond, lastTransitionTime, at }) => {
    const next = setCondition(list, cond, 2, at);
    const got = findCondition(next, cond.type);
    expect(got).toEqual({ ...cond, observedGeneration: 2, lastTransitionTime });
  });

  it("upserts in place and leaves the input untouched", () => {
    const before = structuredClone(existing);
    const next = setCondition(
      existing,
      { type: "Stalled", status: "True", reason: "InvalidSpec", message: "x" },
      2,
      t1,
    );
    expect(next.map((c) => c.type)).toEqual(["Stalled", "Progressing"]);
    expect(existing).toEqual(before);
    expect(next[1]).toBe(existing[1]);
  });
});
