/**
 * Reads the header of one GRIB2 message from a store: a short range read at the message start,
 * read again longer only when sections 0–5 do not fit (the data sections are never fetched).
 *
 * @module
 */
import { GribFormatError, GribPrefixTooShortError, NotFoundError } from "../api/errors.js";
import type { ReadableStore, RequestOptions } from "../storage/types.js";
import { parseGribHeader } from "./parse-header.js";
import type { GribMessage } from "./types.js";

/** First read: sections 0–5 of ECMWF and NCEP regular lat/lon messages take 200–300 bytes. */
export const DEFAULT_PREFIX_BYTES = 1024;

export interface ReadHeaderOptions extends RequestOptions {
  /** Bytes read at first (default {@link DEFAULT_PREFIX_BYTES}). */
  prefixBytes?: number;
}

/**
 * The header of the message of `length` bytes at `offset` in `key` (offsets as an index gives
 * them). Throws `NotFoundError` when the object is missing, `GribFormatError` when the bytes there
 * are not a GRIB2 message or the object ends inside its header, and what `parseGribHeader` throws.
 *
 * @example
 * const header = await readGribHeader(source, "20250101/00z/ifs/0p25/enfo/…-0h-enfo-ef.grib2", 1091287200, 659210);
 */
export async function readGribHeader(
  source: ReadableStore,
  key: string,
  offset: number,
  length: number,
  options: ReadHeaderOptions = {},
): Promise<GribMessage> {
  const where = { path: source.url(key), offset };
  let want = Math.min(length, options.prefixBytes ?? DEFAULT_PREFIX_BYTES);
  for (;;) {
    const bytes = await source.getRange(key, { offset, length: want }, { signal: options.signal });
    if (!bytes) throw new NotFoundError(where.path, "GRIB file");
    try {
      return parseGribHeader(bytes, where);
    } catch (err) {
      if (!(err instanceof GribPrefixTooShortError)) throw err;
      if (bytes.length < want) {
        throw new GribFormatError(
          where.path,
          offset,
          `truncated: the file ends ${bytes.length} bytes into the message`,
        );
      }
      if (err.needBytes > length) {
        throw new GribFormatError(
          where.path,
          offset,
          `sections 0–5 need ${err.needBytes} bytes, more than the ${length} bytes given for the message`,
        );
      }
      // Grow geometrically so that a header of many small sections costs few round trips.
      want = Math.min(length, Math.max(err.needBytes, 2 * want));
    }
  }
}
