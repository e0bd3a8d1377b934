/**
 * The collection's append lock (`collection/lock.ts`) on a memory store, in real time with short
 * lifetimes: a dead holder's lock is taken over once it expires, a live holder's is renewed for
 * as long as it works, and each is gone once its work ends.
 */
import { describe, expect, it } from "vitest";
import { LOCK_KEY, type LockOptions, withLock } from "../../../job-image/src/collection/lock.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const lockOptions = (holder: string, ttlMs: number): LockOptions => ({
  holder,
  ttlMs,
  waitMs: 10_000,
  sleep: () => pause(20),
});

describe("withLock", () => {
  it("takes over the lock of a holder that died, once it has expired", async () => {
    const store = memoryStore("mem://c");
    const expires = Date.now() + 300;
    const dead = JSON.stringify({ holder: "killed-pod:1", expires });
    await store.put(LOCK_KEY, new TextEncoder().encode(dead));
    const gotAt = await withLock(store, lockOptions("next", 300), async () => Date.now());
    expect(gotAt).toBeGreaterThanOrEqual(expires);
    expect(await store.get(LOCK_KEY)).toBeUndefined();
  });

  it("a holder at work renews its lock: one waiting gets it only when the work ends, however long", async () => {
    const store = memoryStore("mem://c");
    const order: string[] = [];
    let firstHolds!: () => void;
    const holding = new Promise<void>((r) => {
      firstHolds = r;
    });
    const first = withLock(store, lockOptions("first", 150), async () => {
      firstHolds();
      order.push("first starts");
      await pause(800); // over five lifetimes
      order.push("first ends");
    });
    await holding;
    const second = withLock(store, lockOptions("second", 150), async () => {
      order.push("second starts");
    });
    await Promise.all([first, second]);
    expect(order).toEqual(["first starts", "first ends", "second starts"]);
    expect(await store.get(LOCK_KEY)).toBeUndefined();
  });
});
