import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../job-image/src/api/backoff.js";

describe("backoffDelay", () => {
  it.each([
    { retry: 1, random: 0.999, expected: 199 },
    { retry: 2, random: 0.5, expected: 200 },
    { retry: 5, random: 0.5, expected: 1600 },
    { retry: 20, random: 0.5, expected: 10_000 }, // capped at maxMs
    { retry: 3, random: 0, expected: 0 },
  ])("retry $retry at random() = $random waits $expected ms", ({ retry, random, expected }) => {
    expect(backoffDelay(retry, { initialMs: 200, maxMs: 20_000, random: () => random })).toBe(expected);
  });
});
