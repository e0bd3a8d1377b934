/**
 * What every writable store must do, as one suite run against each backend (fs in the unit tests,
 * MinIO and fake-gcs-server in the integration tests). Each run works under a fresh prefix.
 *
 * The race of conditional writes runs appenders on two store instances opened separately, as two
 * processes would hold them, and makes them collide: each reads, then waits until all have read
 * before its first write, so all but one of the first writes must be refused.
 */

import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ByteRangeError,
  isPreconditionFailed,
  PreconditionFailedError,
  UsageError,
} from "../../../job-image/src/api/errors.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import { sequence } from "./fault-server.js";

export interface ConformanceOptions {
  /** Objects to put for a listing that needs more than one page (S3 and GCS pages hold 1,000). */
  paginationKeys?: number;
}

async function collect(store: Store, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of store.list(prefix)) keys.push(key);
  return keys.sort();
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;

/** A counter document: how many appends, and who made them. */
export interface Counter {
  count: number;
  writers: string[];
}

/**
 * Adds `writer` to the counter at `key` by read-modify-write, starting over on every refusal, and
 * returns how many refusals it took. `firstRead` is awaited after the first read (a barrier).
 */
export async function appendToCounter(
  store: Store,
  key: string,
  writer: string,
  firstRead: () => Promise<void> = async () => {},
): Promise<number> {
  for (let refusals = 0; ; refusals++) {
    const current = await store.getVersioned(key);
    const counter = current === undefined ? { count: 0, writers: [] } : decode<Counter>(current.bytes);
    if (refusals === 0) await firstRead();
    const next = encode({ count: counter.count + 1, writers: [...counter.writers, writer] });
    try {
      await store.put(key, next, current === undefined ? { ifNoneMatch: "*" } : { ifMatch: current.version });
      return refusals;
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
    }
  }
}

/** A barrier for `n` parties: each call resolves once all `n` have called. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

export function describeStoreConformance(
  name: string,
  open: () => Store,
  options: ConformanceOptions = {},
): void {
  describe(`${name}: store contract`, () => {
    let store: Store;
    const run = `conformance-${randomUUID().slice(0, 8)}`;
    const data = sequence(10_000);
    beforeAll(() => {
      store = open();
    });

    it("puts and gets whole objects, overwriting", async () => {
      await store.put(`${run}/rw/x.bin`, data, { contentType: "application/octet-stream" });
      expect(await store.get(`${run}/rw/x.bin`)).toEqual(data);
      await store.put(`${run}/rw/x.bin`, data.subarray(0, 7));
      expect(await store.get(`${run}/rw/x.bin`)).toEqual(data.subarray(0, 7));
    });

    it("reads a missing key as undefined", async () => {
      expect(await store.get(`${run}/missing`)).toBeUndefined();
      expect(await store.getRange(`${run}/missing`, { offset: 0, length: 10 })).toBeUndefined();
      expect(await store.head(`${run}/missing`)).toBeUndefined();
    });

    it.each([
      { what: "a range inside", range: { offset: 1234, length: 100 }, expected: [1234, 1334] },
      {
        what: "a range overlapping the end (the bytes that exist)",
        range: { offset: 9990, length: 100 },
        expected: [9990, 10_000],
      },
      { what: "a suffix", range: { suffixLength: 22 }, expected: [9978, 10_000] },
      { what: "a suffix longer than the object", range: { suffixLength: 20_000 }, expected: [0, 10_000] },
    ])("reads $what", async ({ range, expected }) => {
      await store.put(`${run}/range.bin`, data);
      const bytes = await store.getRange(`${run}/range.bin`, range);
      expect(bytes).toEqual(data.subarray(expected[0], expected[1]));
    });

    it("refuses a range that starts at the end of the object", async () => {
      await store.put(`${run}/range.bin`, data);
      await expect(store.getRange(`${run}/range.bin`, { offset: 10_000, length: 1 })).rejects.toBeInstanceOf(
        ByteRangeError,
      );
    });

    it("heads size and ETag, and a new version changes the ETag", async () => {
      await store.put(`${run}/head.bin`, data);
      const first = await store.head(`${run}/head.bin`);
      expect(first?.size).toBe(10_000);
      await store.put(`${run}/head.bin`, data.subarray(0, 5000).reverse());
      const second = await store.head(`${run}/head.bin`);
      expect(second?.size).toBe(5000);
      expect(second?.etag).toBeTypeOf("string");
      expect(second?.etag).not.toBe(first?.etag);
    });

    it("lists keys under a prefix, recursively", async () => {
      const keys = [`${run}/list/a/1`, `${run}/list/a/b/2`, `${run}/list/ab/3`, `${run}/list/c`];
      await Promise.all(keys.map((k) => store.put(k, new Uint8Array([1]))));
      expect(await collect(store, `${run}/list/`)).toEqual(keys);
      expect(await collect(store, `${run}/list/a/`)).toEqual(keys.slice(0, 2));
      expect(await collect(store, `${run}/list/a`)).toEqual(keys.slice(0, 3));
      expect(await collect(store, `${run}/nothing/`)).toEqual([]);
    });

    it("lists each object with the size and ETag its head gives", async () => {
      const keys = [`${run}/listed/small`, `${run}/listed/large`];
      await store.put(keys[0]!, data.subarray(0, 10));
      await store.put(keys[1]!, data);
      const listed = [];
      for await (const object of store.list(`${run}/listed/`)) listed.push(object);
      const heads = await Promise.all(keys.map(async (key) => ({ key, ...(await store.head(key)) })));
      expect(listed.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
        heads.sort((a, b) => a.key.localeCompare(b.key)),
      );
      expect(listed.map((o) => o.size).sort()).toEqual([10, 10_000]);
    });

    it("deletes, and deleting a missing key is not an error", async () => {
      await store.put(`${run}/del`, new Uint8Array([1]));
      await store.delete(`${run}/del`);
      await store.delete(`${run}/del`);
      expect(await store.get(`${run}/del`)).toBeUndefined();
    });

    describe("conditional writes", () => {
      const [a, b, c] = [sequence(100), sequence(200).subarray(100), sequence(300).subarray(250)];
      const refusal = (promise: Promise<unknown>) =>
        promise.then(
          () => expect.fail("the write was not refused"),
          (e: unknown) => e as PreconditionFailedError,
        );

      it("creates an object only if absent: once, then refuses and leaves it as it was", async () => {
        const key = `${run}/cond/create`;
        await store.put(key, a, { ifNoneMatch: "*" });
        const err = await refusal(store.put(key, b, { ifNoneMatch: "*" }));
        expect(err).toBeInstanceOf(PreconditionFailedError);
        expect(err).toMatchObject({ key, url: store.url(key), expected: { ifNoneMatch: "*" } });
        expect(err.message).toContain(store.url(key));
        expect(await store.get(key)).toEqual(a);
      });

      it("writes with ifMatch the current version; a stale one is refused and changes nothing", async () => {
        const key = `${run}/cond/match`;
        await store.put(key, a);
        const first = await store.getVersioned(key);
        expect(first?.bytes).toEqual(a);
        await store.put(key, b, { ifMatch: first!.version });
        const second = await store.getVersioned(key);
        expect(second?.bytes).toEqual(b);
        const err = await refusal(store.put(key, c, { ifMatch: first!.version }));
        expect(isPreconditionFailed(err)).toBe(true);
        expect(err).toMatchObject({ key, expected: { ifMatch: first!.version } });
        expect(err.message).toContain(first!.version);
        expect(await store.getVersioned(key)).toEqual(second);
      });

      it("refuses ifMatch on a missing object and creates nothing", async () => {
        const key = `${run}/cond/gone`;
        await store.put(key, a);
        const version = (await store.getVersioned(key))!.version;
        await store.delete(key);
        expect(await store.getVersioned(key)).toBeUndefined();
        await refusal(store.put(key, b, { ifMatch: version }));
        expect(await store.get(key)).toBeUndefined();
      });

      it("gives a new version on every write of new bytes, conditional or not", async () => {
        const key = `${run}/cond/versions`;
        const versions: string[] = [];
        for (let i = 0; i < 6; i++) {
          const data = encode({ i });
          const current = await store.getVersioned(key);
          if (i % 2 === 0) await store.put(key, data);
          else await store.put(key, data, { ifMatch: current!.version });
          const read = await store.getVersioned(key);
          expect(read?.bytes).toEqual(data);
          versions.push(read!.version);
        }
        expect(new Set(versions).size).toBe(versions.length);
      });

      it("refuses ifMatch and ifNoneMatch together", async () => {
        const key = `${run}/cond/both`;
        await expect(store.put(key, a, { ifMatch: "1", ifNoneMatch: "*" })).rejects.toBeInstanceOf(
          UsageError,
        );
        expect(await store.get(key)).toBeUndefined();
      });

      it("loses no update when 8 appenders on two store instances race on one object", async () => {
        const key = `${run}/cond/counter.json`;
        const stores = [store, open()];
        const writers = Array.from({ length: 8 }, (_, i) => `appender-${i}`);
        const allRead = barrier(writers.length);
        const refusals = await Promise.all(
          writers.map((writer, i) => appendToCounter(stores[i % 2]!, key, writer, allRead)),
        );
        const counter = decode<Counter>((await store.get(key))!);
        expect(counter.count).toBe(writers.length);
        expect([...counter.writers].sort()).toEqual(writers);
        // All read the absent object first, so only one create could succeed in the first round.
        expect(refusals.filter((n) => n === 0)).toHaveLength(1);
      });
    });

    if (options.paginationKeys !== undefined) {
      const count = options.paginationKeys;
      it(`lists ${count} keys across pages`, async () => {
        const keys = Array.from({ length: count }, (_, i) => `${run}/many/${String(i).padStart(5, "0")}`);
        await Promise.all(keys.map((k) => store.put(k, new Uint8Array([0]))));
        expect(await collect(store, `${run}/many/`)).toEqual(keys);
      });
    }
  });
}
