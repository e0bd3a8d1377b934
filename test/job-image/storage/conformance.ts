/**
 * What every writable store must do, as one suite run against each backend (fs in the unit tests,
 * MinIO and fake-gcs-server in the integration tests). Each run works under a fresh prefix.
 */

import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ByteRangeError } from "../../../job-image/src/api/errors.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import { sequence } from "./fault-server.js";

export interface ConformanceOptions {
  /** Objects to put for a listing that needs more than one page (S3 and GCS pages hold 1,000). */
  paginationKeys?: number;
}

async function collect(store: Store, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
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

    it("deletes, and deleting a missing key is not an error", async () => {
      await store.put(`${run}/del`, new Uint8Array([1]));
      await store.delete(`${run}/del`);
      await store.delete(`${run}/del`);
      expect(await store.get(`${run}/del`)).toBeUndefined();
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
