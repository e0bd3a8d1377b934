/**
 * Index entries: one per GRIB message, read from the index file published beside each GRIB file.
 *
 * ECMWF open data publishes JSON lines (`.index`) with explicit `_offset`/`_length`; NOAA publishes
 * wgrib2 inventories (`.idx`) where a message's length is the distance to the next offset.
 * Both carry an `attrs` string, the key templates are joined on (kerchunk's vocabulary).
 *
 * @module
 */

/**
 * Where one index line's message lies in its GRIB file: what the range checks need of every line,
 * whichever member it belongs to.
 */
export interface IndexSpan {
  /** Byte offset of the message in its GRIB file (`_offset`). */
  offset: number;
  /** Byte length of the message (`_length`). */
  length: number;
  /** Ensemble member; 0 for lines without `number` (control `cf`, `fc`). */
  number: number;
  /** 1-based line number in the index file. */
  line: number;
}

/** One line of an ECMWF open-data `.index` file. Every value as published, except where noted. */
export interface IndexEntry extends IndexSpan {
  /** Join key `"{param}:{levtype}:{levelist}"`; `levelist` is empty for single-level fields. */
  attrs: string;
  param: string;
  levtype: string;
  /** Level of `pl`/`sol` fields (`"500"`, `"1"`); `""` when the line has none. */
  levelist: string;
  /** As published: `"135"`, or a window such as `"0-6"` in other products. */
  step: string;
  /** End of `step` in hours (`135` for `"135"`, `6` for `"0-6"`). */
  stepEnd: number;
  type: string;
  stream: string;
  class: string;
  expver: string;
  /** `YYYYMMDD`. */
  date: string;
  /** `HHMM`. */
  time: string;
  domain: string;
}

/** One line of a NOAA wgrib2 `.idx` inventory: `n:offset:d=YYYYMMDDHH:VAR:LEVEL:TIME[:ENS…]`. */
export interface NoaaIndexEntry {
  /**
   * Join key as kerchunk's `parse_grib_idx` builds it: the line after the date field, verbatim
   * (`"TMP:2 m above ground:anl:"`, `"HGT:10 mb:432 hour fcst:ENS=low-res ctl"`).
   */
  attrs: string;
  /** Message number (`n`, or the `n` of `n.m` for a field inside a multi-field message). */
  message: number;
  /** `m` of `n.m` when the message holds several fields sharing one offset. */
  submessage: number | undefined;
  offset: number;
  /** Bytes up to the next message, or to the end of the file; `undefined` for the last entry without a file size. */
  length: number | undefined;
  /** Reference time, `YYYYMMDDHH`. */
  date: string;
  /** Variable abbreviation (`TMP`). */
  variable: string;
  /** Level description (`2 m above ground`). */
  level: string;
  /** Forecast time description (`anl`, `9 hour fcst`, `0-6 hour acc fcst`). */
  forecast: string;
  /** Ensemble field (`ENS=+1`, `ens mean`) when present and non-empty. */
  ens: string | undefined;
  /** 1-based line number in the `.idx` file. */
  line: number;
}
