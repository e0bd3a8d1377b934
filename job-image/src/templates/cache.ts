/**
 * A cache on this machine of what a run reads from a remote templates store: the manifest parts of
 * its reference run (`read.ts`; since a run reads the manifest alone, that is every template it
 * reads). With the cache warm, a run against the same reference sends the store one LIST and
 * nothing else: the listing gives each part's ETag.
 *
 * An entry is one file per part in a local directory (a file store, so written as a temporary and
 * renamed: a reader sees the old entry or the new one, never a part of one), at
 * `{16 hex of the SHA-256 of the store's URL}/{key}`: a header line (JSON: the object's URL, ETag,
 * size and the SHA-256 of its bytes), then the bytes as the store holds them.
 *
 * An entry is valid for the version of its object that its ETag names. The issue words the key as
 * the manifest's fingerprint, but that is computed from the parts, so it is known only once they are
 * read; a part's ETag is known from the listing that finds it (or, for a part read without one, a
 * HEAD) and changes whenever its bytes do (a new build), which is what the fingerprint sums up.
 *
 * Notes (invariants):
 * - An entry is used only if its ETag and size are the object's now and its bytes hash to its
 *   digest. An entry of another version is a miss; a truncated or corrupt one is warned about,
 *   naming its file, and refetched: never used.
 * - A miss is filed only if a HEAD after the GET gives the ETag seen before it: an object rewritten
 *   in between would otherwise have its new bytes filed under its old ETag.
 * - A listed version serves the one read that follows that listing: a later read looks again.
 * - An object its store gives no ETag for is read through, not cached: nothing would tell a new
 *   build from the old one.
 * - A fault of the cache itself (a directory that cannot be written) is a warning, and the run
 *   reads the store as it would without a cache: a cache never fails a run.
 * - Only remote stores are cached ({@link cachesTemplates}); nothing is ever evicted (an entry is a
 *   few small files per reference run, replaced in place by a new build).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Logger } from "../log/types.js";
import { storeScheme } from "../storage/open.js";
import type { ObjectInfo, RequestOptions, Store } from "../storage/types.js";
import { isManifestKey } from "./layout.js";

const ENTRY_KIND = "gik-template-cache";
const ENTRY_VERSION = 1;

/** The header line of a cache entry. */
interface EntryHeader {
  kind: typeof ENTRY_KIND;
  version: typeof ENTRY_VERSION;
  /** The object's URL in its store. */
  url: string;
  etag: string;
  /** Bytes of the object, which follow the header line. */
  size: number;
  /** SHA-256 of those bytes, hex. */
  sha256: string;
}

/** The version of an object an entry must hold to be used: its URL, and what its store's HEAD says. */
export interface ObjectVersion {
  url: string;
  etag: string;
  size: number;
}

/** What an entry's bytes are worth against the object's version now. */
export type EntryCheck =
  | { status: "hit"; bytes: Uint8Array }
  /** A whole entry of another object or version: a miss, refetched without a warning. */
  | { status: "stale" }
  /** Not a whole entry (truncated, overwritten, not ours): refetched, with a warning. */
  | { status: "corrupt"; reason: string };

export interface TemplateCacheOptions {
  /** Where entries live: a file store over the cache directory. */
  cache: Store;
  log: Logger;
}

/**
 * Whether templates at `url` are worth caching: those read over the network (every scheme but
 * files). A local store is as near as the cache would be.
 */
export function cachesTemplates(url: string): boolean {
  return storeScheme(url) !== "file";
}

/**
 * `store`, its manifest parts read through the cache in `options.cache`; every other request goes
 * to `store` unchanged.
 *
 * @example
 * const templates = withTemplateCache(openStore("s3://bucket/templates"), { cache: fsStore(dir), log });
 */
export function withTemplateCache(store: Store, options: TemplateCacheOptions): Store {
  const folder = sha256Hex(new TextEncoder().encode(store.url(""))).slice(0, 16);
  // The versions of the manifest parts as last listed, each taken by the read that follows.
  const listed = new Map<string, ObjectInfo>();
  return {
    ...store,
    async *list(prefix, requestOptions) {
      for await (const object of store.list(prefix, requestOptions)) {
        const { key, ...info } = object;
        if (isManifestKey(key)) listed.set(key, info);
        yield object;
      }
    },
    get: (key, requestOptions) => {
      if (!isManifestKey(key)) return store.get(key, requestOptions);
      const seen = listed.get(key);
      listed.delete(key);
      return cachedGet(store, key, `${folder}/${key}`, seen, options, requestOptions);
    },
  };
}

/** `key` through the cache; `seen` is its version as listed, else a HEAD asks. */
async function cachedGet(
  store: Store,
  key: string,
  entryKey: string,
  seen: ObjectInfo | undefined,
  { cache, log }: TemplateCacheOptions,
  requestOptions: RequestOptions | undefined,
): Promise<Uint8Array | undefined> {
  const info = seen ?? (await store.head(key, requestOptions));
  if (info === undefined) return undefined;
  if (info.etag === undefined) return store.get(key, requestOptions);
  const now: ObjectVersion = { url: store.url(key), etag: info.etag, size: info.size };
  const file = cache.url(entryKey);
  const entry = await cache.get(entryKey).catch((err: unknown) => {
    log.warn(
      { file, err: (err as Error).message },
      "template cache: cannot read the entry, reading the store",
    );
    return undefined;
  });
  if (entry !== undefined) {
    const check = checkEntry(entry, now);
    if (check.status === "hit") return check.bytes;
    if (check.status === "corrupt")
      log.warn({ file, url: now.url, reason: check.reason }, "template cache: corrupt entry, refetching it");
    else log.debug({ file, url: now.url, etag: now.etag }, "template cache: entry of another version");
  }
  const bytes = await store.get(key, requestOptions);
  if (bytes === undefined) return undefined;
  const after = await store.head(key, requestOptions);
  if (after?.etag !== now.etag || bytes.length !== now.size) {
    log.debug({ url: now.url }, "template cache: object changed while read, not cached");
    return bytes;
  }
  try {
    await cache.put(entryKey, encodeEntry(now, bytes));
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, "template cache: cannot write the entry");
  }
  return bytes;
}

/** The entry of `bytes`, read at `version`. Pure. */
export function encodeEntry(version: ObjectVersion, bytes: Uint8Array): Uint8Array {
  const header: EntryHeader = {
    kind: ENTRY_KIND,
    version: ENTRY_VERSION,
    url: version.url,
    etag: version.etag,
    size: bytes.length,
    sha256: sha256Hex(bytes),
  };
  const line = new TextEncoder().encode(`${JSON.stringify(header)}\n`);
  const entry = new Uint8Array(line.length + bytes.length);
  entry.set(line);
  entry.set(bytes, line.length);
  return entry;
}

/**
 * What `entry` is worth against the object's version `now`. Its wholeness is checked before its
 * version, so that a truncated entry is reported as such whatever version it held. Pure.
 */
export function checkEntry(entry: Uint8Array, now: ObjectVersion): EntryCheck {
  const newline = entry.indexOf(0x0a);
  if (newline < 0) return { status: "corrupt", reason: "no header line" };
  const header = parseHeader(new TextDecoder().decode(entry.subarray(0, newline)));
  if (header === undefined) return { status: "corrupt", reason: "not a template cache header" };
  const bytes = entry.subarray(newline + 1);
  if (bytes.length !== header.size) {
    return { status: "corrupt", reason: `${bytes.length} bytes after the header, ${header.size} expected` };
  }
  if (sha256Hex(bytes) !== header.sha256)
    return { status: "corrupt", reason: "SHA-256 of the bytes differs" };
  if (header.url !== now.url || header.etag !== now.etag || header.size !== now.size)
    return { status: "stale" };
  return { status: "hit", bytes };
}

function parseHeader(line: string): EntryHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const h = value as Partial<EntryHeader> | null;
  const whole =
    h?.kind === ENTRY_KIND &&
    h.version === ENTRY_VERSION &&
    typeof h.url === "string" &&
    typeof h.etag === "string" &&
    Number.isSafeInteger(h.size) &&
    typeof h.sha256 === "string";
  return whole ? (h as EntryHeader) : undefined;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
