/**
 * `Refs`: kerchunk's version-1 reference set, the one in-memory form both store writers take.
 *
 * Keys are Zarr v2 keys (`.zgroup`, `t2m/instant/heightAboveGround/t2m/.zarray`,
 * `…/t2m/0.12.0.0`). A value is one of:
 * - inline bytes: a string, UTF-8 text for metadata, or `"base64:…"` for binary chunks;
 * - a whole object: `[url]`;
 * - a byte range: `[url, offset, length]`.
 * A chunk with no key is missing: readers return the array's `fill_value` for it.
 *
 * @module
 */

export type RefValue =
  | string
  | readonly [url: string]
  | readonly [url: string, offset: number, length: number];

export interface Refs {
  version: 1;
  refs: Record<string, RefValue>;
}

/** Keys of Zarr v2 metadata objects, which both layouts keep as JSON text. */
const METADATA_KEYS = [".zgroup", ".zattrs", ".zarray"] as const;

export function isMetadataKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  return (METADATA_KEYS as readonly string[]).includes(name);
}
