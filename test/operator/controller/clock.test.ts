import { describe, expect, it } from "vitest";
import { scaledClock } from "../../../operator/src/controller/clock.js";
import { FakeClock } from "../helpers/fake-clock.js";

describe("scaledClock", () => {
  const origin = new Date("2026-03-01T10:00:00Z");
  const start = new Date("2025-01-01T05:00:00Z");

  it("reads start at origin, and runs scale times as fast (before origin too)", () => {
    const base = new FakeClock(origin.getTime() - 2_000);
    const clock = scaledClock({ start, origin, scale: 1800, base });
    expect(clock.now().toISOString()).toBe("2025-01-01T04:00:00.000Z");
    base.advance(2_000);
    expect(clock.now()).toEqual(start);
    base.advance(12_000);
    expect(clock.now().toISOString()).toBe("2025-01-01T11:00:00.000Z");
  });

  it("two clocks of the same options agree: a restarted operator goes on where the last one was", () => {
    const base = new FakeClock(origin.getTime() + 5_000);
    const a = scaledClock({ start, origin, scale: 3600, base });
    const b = scaledClock({ start, origin, scale: 3600, base });
    expect(a.now()).toEqual(b.now());
    expect(a.now().toISOString()).toBe("2025-01-01T10:00:00.000Z");
  });

  it("a timer of ms waits ms / scale on the base clock, and can be cleared", () => {
    const base = new FakeClock(origin.getTime());
    const clock = scaledClock({ start, origin, scale: 3600, base });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(clock.now().toISOString()), 6 * 3_600_000);
    const cleared = clock.setTimeout(() => fired.push("cleared"), 1_000);
    clock.clearTimeout(cleared);
    expect(base.pendingDelays()).toEqual([6_000]);
    base.advance(6_000);
    expect(fired).toEqual(["2025-01-01T11:00:00.000Z"]);
  });
});
