/**
 * The GRIB2 header reader: sections 0–5 of one message, and the keys ecCodes derives from them.
 *
 * @module
 */
import { GribUnsupportedError } from "../api/errors.js";
import { deriveKeys } from "./derive.js";
import type { ByteSource } from "./scan.js";
import { readSections } from "./sections.js";
import type { GribMessage } from "./types.js";

/**
 * Reads the header of the GRIB2 message whose first bytes are `bytes` (a prefix of a few hundred
 * bytes usually holds sections 0–5; the data sections are never read). `where` names the file and
 * the offset of `bytes[0]` in it, for error messages.
 *
 * Throws `GribPrefixTooShortError` (read `needBytes` bytes and call again) when the prefix ends
 * before section 5, `GribFormatError` when the bytes are not a GRIB2 message, and
 * `GribUnsupportedError` for a template, centre or parameter gik does not interpret (any grid
 * but regular latitude/longitude 3.0, product templates other than 4.0/4.1/4.8/4.11, …).
 *
 * @example
 * const msg = parseGribHeader(prefix, { path: url, offset: entry.offset });
 * msg.keys.shortName; // "2t"
 */
export function parseGribHeader(bytes: Uint8Array, where: ByteSource): GribMessage {
  const raw = readSections(bytes, where);
  const keys = deriveKeys(raw, where);
  const { grid } = raw.grid;
  if (!grid) {
    const section3 = raw.sections.find((s) => s.number === 3)!;
    throw new GribUnsupportedError(
      where.path,
      where.offset + section3.offset,
      `grid template 3.${raw.grid.gridDefinitionTemplateNumber}; gik reads regular latitude/longitude grids (3.0)`,
    );
  }
  return { totalLength: raw.totalLength, sections: raw.sections, grid, keys };
}
