/**
 * What the collection's append lock (`collection/lock.ts`) must do on every store, as one suite run
 * against each backend: the memory store in the unit tests, MinIO and fake-gcs-server in the
 * integration tests (its takeover and renewal are conditional writes, which each backend answers
 * its own way). Real time, with lifetimes long enough that a loaded machine's slow request does not
 * look like a dead holder: a dead holder's lock is taken over once it expires, a live holder's is
 * renewed for as long as it works, and each is gone once its work ends.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LOCK_KEY, type LockOptions, withLock } from "../../../job-image/src/collection/lock.js";
import type { Store } from "../../../job-image/src/storage/types.js";

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// Renewed every TTL/3 (500 ms): a renewal (a GET and a conditional PUT) would have to take over a
// second for a waiter to see the lock expire; at 600 ms that was 400 ms, within a loaded MinIO's reach.
const TTL_MS = 1500;
const lockOptions = (holder: string): LockOptions => ({
  holder,
  ttlMs: TTL_MS,
  waitMs: 20_000,
  sleep: () => pause(20),
});

/** `open(root)`: a store of the backend rooted at `root`, a fresh one per test. */
export function describeAppendLock(name: string, open: (root: string) => Store): void {
  describe(`the append lock on ${name}`, () => {
    const fresh = () => open(`lock-${randomUUID().slice(0, 8)}`);

    it("takes over the lock of a holder that died, once it has expired", async () => {
      const store = fresh();
      const expires = Date.now() + TTL_MS;
      const dead = JSON.stringify({ holder: "killed-pod:1", expires });
      await store.put(LOCK_KEY, new TextEncoder().encode(dead));
      const gotAt = await withLock(store, lockOptions("next"), async () => Date.now());
      expect(gotAt).toBeGreaterThanOrEqual(expires);
      expect(await store.get(LOCK_KEY)).toBeUndefined();
    });

    it("a holder at work renews its lock: one waiting gets it only when the work ends, however long", async () => {
      const store = fresh();
      const order: string[] = [];
      let firstHolds!: () => void;
      const holding = new Promise<void>((r) => {
        firstHolds = r;
      });
      const first = withLock(store, lockOptions("first"), async () => {
        firstHolds();
        order.push("first starts");
        await pause(3 * TTL_MS);
        order.push("first ends");
      });
      await holding;
      const second = withLock(store, lockOptions("second"), async () => {
        order.push("second starts");
      });
      await Promise.all([first, second]);
      expect(order).toEqual(["first starts", "first ends", "second starts"]);
      expect(await store.get(LOCK_KEY)).toBeUndefined();
    });
  });
}
