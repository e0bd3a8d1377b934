import { describe, expect, it } from "vitest";
import { selectMember } from "../../../job-image/src/job/member-index.js";

const members = ["control", "ens01", "ens02"];

describe("selectMember", () => {
  it.each([
    [undefined, { JOB_COMPLETION_INDEX: "2" }, "ens02"],
    ["0", { JOB_COMPLETION_INDEX: "2" }, "control"],
    ["1", {}, "ens01"],
  ])("--index %s with %j picks %s", (flag, env, member) => {
    expect(selectMember(members, flag, env)).toBe(member);
  });

  it.each([
    [undefined, {}, /--index: no member index/],
    [
      undefined,
      { JOB_COMPLETION_INDEX: "3" },
      /JOB_COMPLETION_INDEX: index "3" does not select one of the 3 members/,
    ],
    ["-1", {}, /--index: index "-1"/],
    ["x", {}, /--index: index "x"/],
  ])("refuses --index %s with %j", (flag, env, message) => {
    expect(() => selectMember(members, flag, env)).toThrow(message);
  });
});
