import { describe, expect, it } from "vitest";
import { seededRandom, slowDownBody } from "./slowdown-proxy.js";

describe("the SlowDown proxy's decisions", () => {
  it("draws the same sequence from the same seed, and another from another", () => {
    const draw = (seed: number) => Array.from({ length: 50 }, seededRandom(seed));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    for (const x of draw(7)) expect(x >= 0 && x < 1).toBe(true);
  });

  it("fails close to the configured share of requests", () => {
    const next = seededRandom(42);
    const failed = Array.from({ length: 10_000 }, () => next() < 0.3).filter(Boolean).length;
    expect(failed).toBeGreaterThan(2800);
    expect(failed).toBeLessThan(3200);
  });

  it("answers with S3's error document, the resource escaped", () => {
    const body = slowDownBody("/bucket/a&b<c>", "REQ1");
    expect(body).toContain("<Code>SlowDown</Code>");
    expect(body).toContain("<Resource>/bucket/a&amp;b&lt;c&gt;</Resource>");
    expect(body).toContain("<RequestId>REQ1</RequestId>");
  });
});
