/**
 * Zarr v2 consolidated metadata (`.zmetadata`: every `.zgroup/.zattrs/.zarray` of the hierarchy in
 * one document), which both store layouts carry.
 *
 * Why both layouts carry it: with zarr 3 (3.1.6 at least) over fsspec's reference filesystem,
 * a hierarchy opened without consolidated metadata shows only its top-level groups — the store
 * lists `/t2m` where the references say `t2m` — so `xr.open_datatree` finds no variable of a
 * `grib_tree` store. With `.zmetadata` present, zarr reads the whole tree from that one key (and
 * `consolidated=None`, the default, uses it).
 *
 * @module
 */
import { RefsError } from "../api/errors.js";
import { isMetadataKey, type Refs, type RefValue } from "./types.js";
import { inlineText } from "./values.js";

/** The key of consolidated metadata, in a JSON store's refs and as the parquet layout's own file. */
export const ZMETADATA = ".zmetadata";

/** `zarr_consolidated_format` of the documents written here. */
export const CONSOLIDATED_FORMAT = 1;

/** Every metadata key of `refs` with its parsed JSON, by key in sorted order. */
export function metadataOf(refs: Refs): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  // A store's refs are mostly chunk keys (16,959 of a member's 17,770): sorted after the filter.
  for (const key of Object.keys(refs.refs).filter(isMetadataKey).sort()) {
    metadata[key] = parseMetadata(refs.refs[key]!, key);
  }
  return metadata;
}

function parseMetadata(value: RefValue, key: string): unknown {
  if (typeof value !== "string")
    throw new RefsError(key, "metadata must be inline JSON text, not a reference");
  try {
    return JSON.parse(inlineText(value));
  } catch (cause) {
    throw new RefsError(key, "metadata is not JSON", { cause });
  }
}
