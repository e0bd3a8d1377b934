/**
 * gik's GRIB2 header reader, in TypeScript: sections 0–5 of a message (never its data) and the
 * keys ecCodes derives from them, from ecCodes' own tables (`tables/*.json`, written by
 * `job-image/scripts/make-grib-tables.py`); message bounds in a byte stream.
 *
 * @example
 * import { parseGribHeader, scanMessages } from "./grib/index.js";
 * for (const { offset, length } of scanMessages(fileBytes, path)) {
 *   const { keys, grid } = parseGribHeader(fileBytes.subarray(offset, offset + 1024), { path, offset });
 * }
 *
 * @module
 */
export { deriveKeys } from "./derive.js";
export { parseGribHeader } from "./parse-header.js";
export type { RawSections } from "./raw.js";
export { DEFAULT_PREFIX_BYTES, type ReadHeaderOptions, readGribHeader } from "./read-header.js";
export { type ByteSource, checkMessageBounds, type MessageBounds, scanMessages } from "./scan.js";
export { readSections } from "./sections.js";
export type { GribKeys, GribMessage, RegularLatLonGrid, SectionSpan } from "./types.js";
