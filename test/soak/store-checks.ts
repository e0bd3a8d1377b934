/**
 * What the soak checks of each store a run published:
 *
 * - **whole**: `.zmetadata` is there, and so is every record file it implies: for each array,
 *   `refs.0.parq` … `refs.<n-1>.parq`, n = ⌈chunks / record_size⌉, but for the records of an
 *   ensemble or collection that hold members the run did not have. Every store of a run whose
 *   members all succeeded has a reference in every other record (a member store has every field at
 *   some step, an ensemble or collection slot every member it ran), so a missing file is a write cut
 *   short or published out of order. Nothing else is there but gik's own bookkeeping (`.gik-*`).
 * - **verified**: `gik verify --sample all` (its `verifyStoreAt`, in this process): every reference
 *   inside its file, every referenced message whole and what the store says it is. The mirror's
 *   files are read once per soak (`storeOpener`): a run of 51 stores has some 33,000 references,
 *   two reads each, which on a loaded 2-core machine took longer than the run itself.
 *
 * @module
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { openStore } from "../../job-image/src/storage/open.js";
import { sliceRange } from "../../job-image/src/storage/range.js";
import type { Store } from "../../job-image/src/storage/types.js";
import { verifyStoreAt } from "../../job-image/src/verify/verify-url.js";
import { getObject, listObjects } from "../helpers/s3-objects.js";
import type { S3Endpoint } from "../infra/endpoints.js";

const RECORD_FILE = /^(.+)\/refs\.(\d+)\.parq$/;

/**
 * Why the store whose files are `keys` (relative to its root) is not whole, given its `.zmetadata`
 * (`undefined` when absent) and the members a run wrote (the first `members` numbers; an array with
 * a `number` dimension has no record file for a record of absent members alone, which readers read
 * as NaN); empty when it is whole.
 */
export function wholeStoreProblems(
  keys: readonly string[],
  zmetadata: Uint8Array | undefined,
  members = 51,
): string[] {
  if (!zmetadata) return [".zmetadata is missing"];
  let doc: { metadata?: Record<string, unknown>; record_size?: number };
  try {
    doc = JSON.parse(new TextDecoder().decode(zmetadata));
  } catch {
    return [".zmetadata is not JSON"];
  }
  const { metadata = {}, record_size: recordSize = 0 } = doc;
  if (!(recordSize > 0)) return [`.zmetadata: record_size ${recordSize}`];
  const needed = new Set<string>();
  const possible = new Set<string>();
  for (const [key, value] of Object.entries(metadata)) {
    if (!key.endsWith("/.zarray")) continue;
    const array = key.slice(0, -"/.zarray".length);
    const { shape, chunks } = value as { shape: number[]; chunks: number[] };
    const dims = (metadata[`${array}/.zattrs`] as { _ARRAY_DIMENSIONS?: string[] } | undefined)
      ?._ARRAY_DIMENSIONS;
    for (const r of recordsOf(shape, chunks, recordSize, dims?.indexOf("number") ?? -1, members)) {
      needed.add(`${array}/refs.${r}.parq`);
    }
    const count = shape.reduce((n, size, i) => n * Math.ceil(size / chunks[i]!), 1);
    for (let r = 0; r * recordSize < count; r++) possible.add(`${array}/refs.${r}.parq`);
  }
  const present = new Set(keys);
  const problems = [...needed].filter((k) => !present.has(k)).map((k) => `${k} is missing`);
  for (const key of keys) {
    const known = key === ".zmetadata" || possible.has(key) || key.startsWith(".gik-");
    if (!known) problems.push(`${key} ${RECORD_FILE.test(key) ? "is beyond its array" : "is unexpected"}`);
  }
  return problems;
}

/**
 * The records (chunks in C order, `recordSize` a record) that hold a chunk of a member below
 * `members` along axis `numberAxis` (every record when the array has no such axis).
 */
function recordsOf(
  shape: number[],
  chunks: number[],
  recordSize: number,
  numberAxis: number,
  members: number,
): Set<number> {
  const grid = shape.map((size, i) => Math.ceil(size / chunks[i]!));
  const count = grid.reduce((n, g) => n * g, 1);
  const records = new Set<number>();
  if (numberAxis < 0) {
    for (let r = 0; r * recordSize < count; r++) records.add(r);
    return records;
  }
  const stride = grid.slice(numberAxis + 1).reduce((n, g) => n * g, 1);
  for (let chunk = 0; chunk < count; chunk++) {
    if (Math.floor(chunk / stride) % grid[numberAxis]! < members) records.add(Math.floor(chunk / recordSize));
  }
  return records;
}

/**
 * How the checks open a store root on `endpoint`, each root once: the roots in `readOnly` (the
 * mirror, which no run writes) with each object read whole once and served from memory after, so
 * that checking every reference of every store reads each GRIB file once per soak instead of twice
 * per reference (the checks are about the stores, which are always read from MinIO).
 */
export function storeOpener(endpoint: S3Endpoint, readOnly: readonly string[]): (root: string) => Store {
  const { endpoint: url, region, accessKeyId, secretAccessKey } = endpoint;
  const stores = new Map<string, Store>();
  return (root) => {
    let store = stores.get(root);
    if (!store) {
      store = openStore(root, {
        s3: { endpoint: url, region, credentials: { accessKeyId, secretAccessKey } },
      });
      if (readOnly.includes(root)) store = readOnce(store);
      stores.set(root, store);
    }
    return store;
  };
}

/** `store` with each object read whole on first use and every read after served from those bytes. */
function readOnce(store: Store): Store {
  const objects = new Map<string, Promise<Uint8Array | undefined>>();
  const whole = (key: string) => {
    let bytes = objects.get(key);
    if (!bytes) {
      bytes = store.get(key);
      objects.set(key, bytes);
      bytes.catch(() => objects.delete(key));
    }
    return bytes;
  };
  return {
    ...store,
    get: whole,
    getRange: async (key, range) => {
      const bytes = await whole(key);
      return bytes && sliceRange(bytes, range, store.url(key));
    },
    head: async (key) => {
      const bytes = await whole(key);
      return bytes && { size: bytes.length };
    },
  };
}

/** What is wrong with the store at `s3://bucket/root` (no trailing slash); empty when nothing. */
export async function storeProblems(
  s3: S3Client,
  open: (root: string) => Store,
  bucket: string,
  root: string,
  members: number,
): Promise<string[]> {
  const keys = (await listObjects(s3, bucket, `${root}/`)).map((o) => o.key.slice(root.length + 1));
  const zmetadata = keys.includes(".zmetadata")
    ? await getObject(s3, bucket, `${root}/.zmetadata`)
    : undefined;
  const whole = wholeStoreProblems(keys, zmetadata, members);
  if (whole.length > 0) return whole.map((p) => `${root}: ${p}`);
  const report = await verifyStoreAt(
    `s3://${bucket}/${root}`,
    { sample: Number.POSITIVE_INFINITY, seed: 1 },
    open,
  );
  const faults = report.faults.map((f) => `${root}: ${f}`);
  if (report.sampled !== report.chunks) faults.push(`${root}: ${report.sampled} of ${report.chunks} checked`);
  return faults;
}
