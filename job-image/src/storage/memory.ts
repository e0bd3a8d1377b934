/**
 * A store held in memory, for data that lives only as long as one process: templates rebuilt for
 * a drifted member, and tests. Same semantics as the other backends (`range.ts` for ranges, keys
 * checked by `keys.ts`).
 *
 * @module
 */
import { checkKey, checkPrefix, joinKey } from "./keys.js";
import { checkRange, sliceRange } from "./range.js";
import type { RangeQuery, Store } from "./types.js";

/** A new, empty in-memory store whose URLs start with `mem://{name}`. */
export function memoryStore(name = "gik"): Store {
  const objects = new Map<string, Uint8Array>();
  // Every put gets a new ETag, as object stores give one per version.
  const versions = new Map<string, number>();
  let writes = 0;
  const url = (key: string) => joinKey(`mem://${name}`, key);
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
      const whole = objects.get(key);
      return whole && { size: whole.length, etag: `"${versions.get(key)}"` };
    },
    async put(key, data) {
      checkKey(key);
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
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) yield key;
    },
  };
}
