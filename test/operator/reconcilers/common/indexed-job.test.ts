import { describe, expect, it } from "vitest";
import {
  boundedName,
  labelValue,
  MAX_JOB_NAME,
} from "../../../../operator/src/reconcilers/common/indexed-job.js";

describe("boundedName", () => {
  it.each([
    { name: "run-20250101", expected: "er-run-20250101" },
    { name: "a".repeat(49), expected: `er-${"a".repeat(49)}` },
  ])("short names stay readable: $name", ({ name, expected }) => {
    expect(boundedName("er", name)).toBe(expected);
  });

  it.each(["a".repeat(50), "x".repeat(253), "run.20250101", `${"a".repeat(60)}.b`])(
    "long or dotted names become a valid, bounded, deterministic label: %s",
    (name) => {
      const got = boundedName("er", name);
      expect(got.length).toBeLessThanOrEqual(MAX_JOB_NAME);
      expect(got).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(boundedName("er", name)).toBe(got);
    },
  );

  it("distinct long names with a common prefix stay distinct", () => {
    const base = "r".repeat(60);
    expect(boundedName("er", `${base}-1`)).not.toBe(boundedName("er", `${base}-2`));
  });
});

describe("labelValue", () => {
  it("keeps names up to 63 characters and hashes longer ones", () => {
    expect(labelValue("run-1")).toBe("run-1");
    const long = labelValue("x".repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).not.toBe(labelValue(`${"x".repeat(99)}y`));
  });
});
