import { describe, expect, it } from "vitest";
import { completionIndex } from "../../../job-image/src/job/completion-index.js";

describe("completionIndex", () => {
  it.each([
    [undefined, { JOB_COMPLETION_INDEX: "2" }, 2],
    ["0", { JOB_COMPLETION_INDEX: "2" }, 0],
    ["1", {}, 1],
  ])("--index %s with %j is %s", (flag, env, index) => {
    expect(completionIndex(3, flag, env)).toBe(index);
  });

  it.each([
    [undefined, {}, /--index: no completion index/],
    [
      undefined,
      { JOB_COMPLETION_INDEX: "3" },
      /JOB_COMPLETION_INDEX: index "3" does not select one of the 3 shares/,
    ],
    ["-1", {}, /--index: index "-1"/],
    ["x", {}, /--index: index "x"/],
  ])("refuses --index %s with %j", (flag, env, message) => {
    expect(() => completionIndex(3, flag, env)).toThrow(message);
  });
});
