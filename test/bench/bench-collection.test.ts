import { describe, expect, it } from "vitest";
import { datesBefore } from "../../bench/bench-collection.js";

describe("datesBefore", () => {
  it("gives the days before a date, oldest first, across a month's end", () => {
    expect(datesBefore("20261002", 3)).toEqual(["20260929", "20260930", "20261001"]);
    expect(datesBefore("20260301", 1)).toEqual(["20260228"]);
    expect(datesBefore("20261001", 0)).toEqual([]);
  });
});
