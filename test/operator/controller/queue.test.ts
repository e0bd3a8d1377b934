import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../../operator/src/controller/queue.js";
import { FakeClock } from "../helpers/fake-clock.js";

function setup() {
  const clock = new FakeClock();
  return {
    clock,
    queue: new WorkQueue({ clock, backoff: { initialMs: 200, maxMs: 2000, random: () => 0.5 } }),
  };
}

describe("WorkQueue", () => {
  it("de-duplicates keys added before a worker takes them", async () => {
    const { queue } = setup();
    queue.add("gik/a");
    queue.add("gik/b");
    queue.add("gik/a");
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe("gik/a");
    expect(await queue.get()).toBe("gik/b");
  });

  it("hands a key to one worker at a time; an add while in flight is queued again on done", async () => {
    const { queue } = setup();
    queue.add("gik/a");
    const key = await queue.get();
    queue.add("gik/a");
    queue.add("gik/a");
    expect(queue.len()).toBe(0);
    let second: string | undefined;
    void queue.get().then((k) => {
      second = k;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done(key!);
    await Promise.resolve();
    expect(second).toBe("gik/a");
    expect(queue.len()).toBe(0);
  });

  it("a key done without being re-added is not queued again", async () => {
    const { queue } = setup();
    queue.add("gik/a");
    queue.done((await queue.get())!);
    expect(queue.len()).toBe(0);
  });

  it("rate limiting doubles the delay per failure up to the cap, and forget resets it", async () => {
    const { queue, clock } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      queue.addRateLimited("gik/a");
      delays.push(clock.pendingDelays()[0]!);
      clock.advance(delays.at(-1)!);
      expect(queue.len()).toBe(1);
      queue.done((await queue.get())!);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]); // half of 200 · 2^n, capped at 2000
    expect(queue.numRequeues("gik/a")).toBe(6);
    queue.forget("gik/a");
    expect(queue.numRequeues("gik/a")).toBe(0);
    expect(queue.backoffDelay(0)).toBe(100);
  });

  it("addAfter adds at the given time and keeps the earliest of several", () => {
    const { queue, clock } = setup();
    queue.addAfter("gik/a", 5000);
    queue.addAfter("gik/a", 2000);
    queue.addAfter("gik/a", 9000);
    expect(clock.pendingDelays()).toEqual([2000]);
    clock.advance(1999);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
    expect(clock.pendingDelays()).toEqual([]);
  });

  it("shutdown drops delayed adds, ignores new ones, gives idle workers undefined, and drains", async () => {
    const { queue, clock } = setup();
    const idle = queue.get();
    queue.add("gik/a");
    expect(await idle).toBe("gik/a");
    queue.add("gik/b");
    queue.addAfter("gik/c", 1000);
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    queue.add("gik/d");
    expect(clock.pendingDelays()).toEqual([]);
    expect(await queue.get()).toBe("gik/b");
    queue.done("gik/b");
    expect(await queue.get()).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done("gik/a");
    await drain;
    expect(drained).toBe(true);
  });
});
