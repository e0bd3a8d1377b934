import { describe, expect, it } from "vitest";
import { createSemaphore, withLimit } from "../../../job-image/src/storage/limit.js";
import type { Store } from "../../../job-image/src/storage/types.js";

/** A store whose reads take a few milliseconds and record how many run at once. */
function probeStore() {
  const seen = { active: 0, max: 0 };
  const slow = async <T>(value: T): Promise<T> => {
    seen.active++;
    seen.max = Math.max(seen.max, seen.active);
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 5));
    seen.active--;
    return value;
  };
  const store = {
    url: (key: string) => `mem://${key}`,
    get: () => slow(new Uint8Array(1)),
    getRange: () => slow(new Uint8Array(1)),
    head: () => slow({ size: 1 }),
    getVersioned: () => slow({ bytes: new Uint8Array(1), version: "1" }),
    put: () => slow(undefined),
    delete: () => slow(undefined),
    async *list() {
      yield await slow({ key: "k", size: 1 });
    },
  } as unknown as Store;
  return { store, seen };
}

describe("withLimit", () => {
  it.each([1, 3, 8])("never has more than %i requests in flight, across all kinds of call", async (limit) => {
    const { store, seen } = probeStore();
    const limited = withLimit(store, limit);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        switch (i % 5) {
          case 0:
            return limited.get("k");
          case 1:
            return limited.getRange("k", { offset: 0, length: 1 });
          case 2:
            return limited.head("k");
          case 3:
            return limited.getVersioned("k");
          default:
            return limited.put("k", new Uint8Array(1));
        }
      }),
    );
    expect(seen.max).toBe(limit);
  });

  it("shares one bound between every caller of the same store", async () => {
    const { store, seen } = probeStore();
    const limited = withLimit(store, 2);
    const a = Promise.all(Array.from({ length: 10 }, () => limited.get("a")));
    const b = Promise.all(Array.from({ length: 10 }, () => limited.get("b")));
    await Promise.all([a, b]);
    expect(seen.max).toBe(2);
  });

  it("gives the slot back when a request fails", async () => {
    const failing = { get: async () => Promise.reject(new Error("boom")) } as unknown as Store;
    const limited = withLimit(failing, 1);
    for (let i = 0; i < 3; i++) await expect(limited.get("k")).rejects.toThrow("boom");
  });
});

describe("createSemaphore", () => {
  it("hands slots over in order and counts waiters", async () => {
    const semaphore = createSemaphore(1);
    const order: number[] = [];
    const first = await semaphore.acquire();
    const waiters = [1, 2].map((n) =>
      semaphore.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    expect(semaphore.waiting).toBe(2);
    first();
    (await waiters[0]!)();
    (await waiters[1]!)();
    expect(order).toEqual([1, 2]);
    expect(semaphore.active).toBe(0);
  });

  it("drops a waiter whose signal aborts", async () => {
    const semaphore = createSemaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error("no longer needed"));
    await expect(waiting).rejects.toThrow("no longer needed");
    expect(semaphore.waiting).toBe(0);
    release();
    expect(semaphore.active).toBe(0);
  });

  it("refuses a non-positive bound", () => {
    expect(() => createSemaphore(0)).toThrow(RangeError);
  });
});
