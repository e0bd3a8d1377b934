/**
 * The index reader: ECMWF open-data `.index` files (JSON lines).
 * Pure functions over text; fetching the files is the caller's business (see `storage/`).
 *
 * @example
 * import { parseEcmwfIndex } from "./index/index.js";
 * const entries = parseEcmwfIndex(text, "s3://ecmwf-forecasts/…/20250101000000-0h-enfo-ef.index");
 *
 * @module
 */

export { parseEcmwfIndex, parseEcmwfIndexLine, parseStepEnd } from "./ecmwf.js";
export type { IndexEntry, IndexSpan } from "./types.js";
