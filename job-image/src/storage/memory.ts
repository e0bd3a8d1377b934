/**
 * A store held in memory, for data that lives only as long as one process: templates rebuilt for
 * a drifted member, and tests. Same semantics as the other backends (`range.ts` for ranges, keys
 * checked by `keys.ts`). A version is a counter of puts, so every put makes a new one; a conditional
 * put compares and writes in one synchronous step, so it cannot interleave with another.
 *
 * @module
 */
import { requireCondition, writeCondition } from "./condition.js";
import { checkKey, checkPrefix, joinKey } from "./keys.js";
import { checkRange, sliceRange } from "./range.js";
import type { ObjectInfo, PutOptions, RangeQuery, Store } from "./types.js";

/** A new, empty in-memory store whose URLs start with `mem://{name}`. */
export function memoryStore(name = "gik"): Store {
  const objects = new Map<string, Uint8Array>();
  // Every put gets a new ETag, as object stores give one per version.
  const versions = new Map<string, number>();
  let writes = 0;
  const url = (key: string) => joinKey(`mem://${name}`, key);
  const info = (key: string): ObjectInfo | undefined => {
    const whole = objects.get(key);
    return whole && { size: whole.length, etag: `"${versions.get(key)}"` };
  };
  return {
    url,
    async get(key) {
      checkKey(key);
      return objects.get(key);
    },
    async getRange(key: string, range: RangeQuery) {
      checkKey(key);
      checkRange(range);
      const whole = objects.get(key);
      return whole && sliceRange(whole, range, url(key));
    },
    async head(key) {
      checkKey(key);
      return info(key);
    },
    async getVersioned(key) {
      checkKey(key);
      const bytes = objects.get(key);
      return bytes && { bytes, version: String(versions.get(key)) };
    },
    async put(key, data, options?: PutOptions) {
      checkKey(key);
      const condition = writeCondition(url(key), options);
      if (condition !== undefined) {
        const current = versions.get(key);
        requireCondition(url(key), key, condition, current === undefined ? undefined : String(current));
      }
      objects.set(key, data.slice());
      versions.set(key, ++writes);
    },
    async delete(key) {
      checkKey(key);
      objects.delete(key);
      versions.delete(key);
    },
    async *list(prefix) {
      checkPrefix(prefix);
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) yield { key, ...info(key)! };
    },
  };
}
