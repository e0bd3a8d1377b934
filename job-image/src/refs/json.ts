/**
 * kerchunk's version-1 JSON reference store: `{"version": 1, "refs": {…}}`, plus optional extra
 * top-level keys (a provenance record such as `"gik"`), which fsspec's reference filesystem ignores.
 *
 * Notes (invariants):
 * - The written refs carry Zarr consolidated metadata under `.zmetadata` (see `consolidated.ts`);
 *   it is derived from the metadata keys, so it is rewritten on every write and dropped on read.
 *
 * @module
 */
import { RefsError } from "../api/errors.js";
import { CONSOLIDATED_FORMAT, metadataOf, ZMETADATA } from "./consolidated.js";
import type { Refs, RefValue } from "./types.js";
import { checkExtra, toRefValue } from "./values.js";

/** Top-level keys fsspec gives a meaning to in a version-1 reference set. */
const RESERVED = ["version", "refs", "templates", "gen"] as const;

/**
 * Serialises `refs` as kerchunk version-1 JSON, with `extra` keys beside `version` and `refs`.
 *
 * @example
 * const bytes = refsToJson({ version: 1, refs: { ".zgroup": '{"zarr_format":2}' } }, { gik: record });
 */
export function refsToJson(refs: Refs, extra: Record<string, unknown> = {}): Uint8Array {
  checkExtra(extra, RESERVED, "refs.json");
  const consolidated = { metadata: metadataOf(refs), zarr_consolidated_format: CONSOLIDATED_FORMAT };
  const out = { ...refs.refs, [ZMETADATA]: JSON.stringify(consolidated) };
  return new TextEncoder().encode(JSON.stringify({ version: 1, ...extra, refs: out }));
}

/**
 * Reads a kerchunk version-1 JSON store back into {@link Refs}, validating every value; extra
 * top-level keys are dropped. `source` names the store in errors.
 */
export function refsFromJson(bytes: Uint8Array, source = "refs.json"): Refs {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new RefsError(source, "is not UTF-8 JSON", { cause });
  }
  if (typeof doc !== "object" || doc === null || (doc as { version?: unknown }).version !== 1) {
    throw new RefsError(source, "is not a version-1 reference set");
  }
  const raw = (doc as { refs?: unknown }).refs;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new RefsError(source, "has no `refs` object");
  }
  const refs: Record<string, RefValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== ZMETADATA) refs[key] = toRefValue(value, key);
  }
  return { version: 1, refs };
}
