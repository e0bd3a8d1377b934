/**
 * What a benchmarked client read, from the counting proxy's records: requests, bytes, how often
 * each index file was read, and how many bytes of GRIB data sections (sections 6 and 7: bitmap and
 * packed values) were fetched — the part of a message gik must never read to build a store.
 *
 * @module
 */

import type { RequestRecord } from "./counting-proxy.js";

/** Where one GRIB2 message's sections lie in its file. */
export interface MessageLayout {
  offset: number;
  length: number;
  /** Start of section 6 (bitmap): sections 0–5, before it, are the header. */
  dataStart: number;
  /** Start of section 8 (`7777`). */
  dataEnd: number;
}

export interface TrafficSummary {
  /** Every request, for the figures of one prefix ({@link under}). */
  records: readonly RequestRecord[];
  requests: number;
  byMethod: Record<string, number>;
  bytesRead: number;
  bytesWritten: number;
  index: { gets: number; bytes: number; files: number; maxGetsPerFile: number };
  grib: {
    reads: number;
    bytes: number;
    files: number;
    /** Bytes fetched that lie in sections 6–7 of some message. */
    dataSectionBytes: number;
    /** Bytes fetched that lie in sections 0–5. */
    headerBytes: number;
    /** The longest single read. */
    maxRead: number;
    /** Reads that start inside a message: neither at its start nor at its end marker (`7777`). */
    misaligned: number;
  };
}

/**
 * The sections of every message of a GRIB2 file (messages back to back, as ECMWF writes them).
 *
 * @throws when the bytes are not a sequence of GRIB2 messages
 */
export function gribLayout(bytes: Uint8Array): MessageLayout[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layouts: MessageLayout[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (view.getUint32(offset) !== 0x47524942 || bytes[offset + 7] !== 2) {
      throw new Error(`no GRIB2 message at byte ${offset}`);
    }
    const length = Number(view.getBigUint64(offset + 8));
    let at = offset + 16;
    let dataStart = -1;
    while (view.getUint32(at) !== 0x37373737) {
      const size = view.getUint32(at);
      const number = bytes[at + 4];
      if (size < 5 || at + size > offset + length) throw new Error(`bad section at byte ${at}`);
      if (number === 6 && dataStart < 0) dataStart = at;
      at += size;
    }
    layouts.push({ offset, length, dataStart: dataStart < 0 ? at : dataStart, dataEnd: at });
    offset += length;
  }
  return layouts;
}

/** A `Range` header as the half-open byte interval it names in an object of `size` bytes. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } {
  if (header === undefined) return { start: 0, end: size };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) throw new Error(`unsupported Range header "${header}"`);
  const [first, last] = [m[1]!, m[2]!];
  if (first === "") return { start: Math.max(0, size - Number(last)), end: size };
  return { start: Number(first), end: last === "" ? size : Math.min(size, Number(last) + 1) };
}

/**
 * Bytes of `[start, end)` that fall in the headers and in the data sections of the messages, and
 * whether the range starts at a message's start or at its end marker.
 */
export function splitBytes(
  layouts: readonly MessageLayout[],
  start: number,
  end: number,
): { header: number; data: number; aligned: boolean } {
  let header = 0;
  let data = 0;
  let lo = 0;
  let hi = layouts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = layouts[mid]!;
    if (m.offset + m.length <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < layouts.length && layouts[i]!.offset < end; i++) {
    const m = layouts[i]!;
    header += overlap(start, end, m.offset, m.dataStart);
    data += overlap(start, end, m.dataStart, m.dataEnd);
  }
  const first = layouts[lo];
  return {
    header,
    data,
    aligned: first !== undefined && (first.offset === start || first.dataEnd === start),
  };
}

/** Sums up `records`; `layoutOf` gives the message layout of a GRIB object by key. */
export function summarizeTraffic(
  records: readonly RequestRecord[],
  layoutOf: (key: string) => readonly MessageLayout[],
): TrafficSummary {
  const byMethod: Record<string, number> = {};
  const indexGets = new Map<string, number>();
  const gribFiles = new Set<string>();
  const s: TrafficSummary = {
    records,
    requests: records.length,
    byMethod,
    bytesRead: 0,
    bytesWritten: 0,
    index: { gets: 0, bytes: 0, files: 0, maxGetsPerFile: 0 },
    grib: { reads: 0, bytes: 0, files: 0, dataSectionBytes: 0, headerBytes: 0, maxRead: 0, misaligned: 0 },
  };
  for (const r of records) {
    byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    s.bytesWritten += r.uploaded;
    if (r.method !== "GET") continue;
    s.bytesRead += r.bytes;
    if (r.key.endsWith(".index")) {
      s.index.gets++;
      s.index.bytes += r.bytes;
      indexGets.set(r.key, (indexGets.get(r.key) ?? 0) + 1);
    } else if (r.key.endsWith(".grib2") && r.status < 300) {
      const layouts = layoutOf(r.key);
      const last = layouts[layouts.length - 1];
      const { start, end } = parseRange(r.range, last ? last.offset + last.length : 0);
      const split = splitBytes(layouts, start, end);
      s.grib.reads++;
      s.grib.bytes += r.bytes;
      s.grib.headerBytes += split.header;
      s.grib.dataSectionBytes += split.data;
      s.grib.maxRead = Math.max(s.grib.maxRead, r.bytes);
      if (!split.aligned) s.grib.misaligned++;
      gribFiles.add(r.key);
    }
  }
  s.index.files = indexGets.size;
  s.index.maxGetsPerFile = Math.max(0, ...indexGets.values());
  s.grib.files = gribFiles.size;
  return s;
}

/** What `t` did to the objects whose keys start with `prefix`: objects written, read and probed; bytes each way. */
export function under(
  t: TrafficSummary,
  prefix: string,
): { puts: number; bytesWritten: number; gets: number; heads: number; bytesRead: number } {
  const out = { puts: 0, bytesWritten: 0, gets: 0, heads: 0, bytesRead: 0 };
  for (const r of t.records) {
    if (!r.key.startsWith(prefix)) continue;
    if (r.method === "PUT") {
      out.puts++;
      out.bytesWritten += r.uploaded;
    } else if (r.method === "GET") {
      out.gets++;
      out.bytesRead += r.bytes;
    } else if (r.method === "HEAD") out.heads++;
  }
  return out;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}
