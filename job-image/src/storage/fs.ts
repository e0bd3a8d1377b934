/**
 * Local files: `file:///data/x` or a bare path (`/data/x`, `./gik-data`). Keys are paths below the
 * root directory.
 *
 * - `put` writes a temporary sibling (`<name>.<uuid>.gik-tmp`) and renames it over the target, so a
 *   reader sees the old object or the new one, never a part; `list` skips such temporaries.
 * - A missing file (ENOENT, or a path through a file: ENOTDIR) reads as `undefined`.
 * - `head` reports the size and an ETag made of mtime and size.
 * - Ranges follow `range.ts`: starting at or past the end is a `ByteRangeError`, overlapping the
 *   end returns the bytes that exist.
 *
 * Conditional writes. A file system has no compare-and-swap, so a conditional `put` holds a lock
 * file, `<name>.gik-lock`, created with O_CREAT|O_EXCL (`open(…, "wx")`: exactly one process
 * succeeds, on a local file system and on NFSv3+), around "read the file, compare its version,
 * write the temporary, rename it"; it waits (with jitter) while another writer holds the lock, and
 * removes it in `finally`. A file's version is the SHA-256 of its bytes: objects written
 * conditionally are small commit points, read whole anyway, and unlike mtime + size a hash changes
 * whenever the bytes do, however fast the writes come.
 *
 * Notes:
 * - A lock older than `lockStaleMs` (60 s) was left by a writer that died holding it: it is
 *   removed and `onStaleLock` told (by default a process warning on stderr). The compare and write
 *   take milliseconds, so a live holder is never that old, unless its process was stopped for a
 *   minute mid-write: then two writers may both write and one update can be lost.
 * - Two writers breaking the same stale lock take turns on a second create-only file,
 *   `<name>.gik-break`, and remove the lock only if it is still stale, so neither removes the
 *   lock the other has just taken.
 * - Lock and break files are skipped by `list` like temporaries, and keys ending in one of these
 *   suffixes are refused, so no object can be mistaken for one.
 *
 * @module
 */

import { createHash, randomUUID } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { backoffDelay } from "../api/backoff.js";
import { isGikError, UsageError } from "../api/errors.js";
import { mapPool } from "../util/pool.js";
import { requireCondition, writeCondition } from "./condition.js";
import { storageError, thrownFailure } from "./failure.js";
import { checkKey, checkPrefix } from "./keys.js";
import { checkRange, rangeNotSatisfiable } from "./range.js";
import type { ObjectInfo, PutOptions, RangeQuery, RequestOptions, Store, Versioned } from "./types.js";

const TEMP_SUFFIX = ".gik-tmp";
const LOCK_SUFFIX = ".gik-lock";
const BREAK_SUFFIX = ".gik-break";
/** Names of the store's own files, never objects. */
const RESERVED_SUFFIXES = [TEMP_SUFFIX, LOCK_SUFFIX, BREAK_SUFFIX];

/** Age past which a lock is taken for one left by a writer that died holding it. */
export const DEFAULT_LOCK_STALE_MS = 60_000;
/** Waits between tries of a held lock: jittered, growing to 50 ms (a holder needs a few ms). */
const LOCK_WAIT = { initialMs: 2, maxMs: 50, random: Math.random };

/** A stale lock that a writer removed. */
export interface StaleLockEvent {
  /** The object the lock guarded. */
  url: string;
  lock: string;
  ageMs: number;
  /** What the lock file said of its holder (host, pid), as far as it could be read. */
  holder: string;
}

export interface FsStoreOptions {
  /** Age past which a lock is broken as left by a dead writer (default {@link DEFAULT_LOCK_STALE_MS}). */
  lockStaleMs?: number;
  /** Told when a stale lock is broken; default: a process warning (stderr). */
  onStaleLock?: (event: StaleLockEvent) => void;
}

/**
 * A store over the directory `root` (a `file://` URL or a path, resolved against the working directory).
 *
 * @example
 * const store = fsStore("./gik-data/templates");
 * await store.put("20240529/00z/manifest.json", bytes);
 */
export function fsStore(root: string, settings: FsStoreOptions = {}): Store {
  const asUrl = root.startsWith("file:");
  const rootPath = asUrl ? fileURLToPath(root) : resolve(root);
  const staleMs = settings.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
  const onStaleLock = settings.onStaleLock ?? warnStaleLock;
  const pathOf = (key: string): string => {
    checkKey(key);
    if (RESERVED_SUFFIXES.some((suffix) => key.endsWith(suffix)))
      throw new UsageError("key", `"${key}" ends like the store's own lock and temporary files`);
    return join(rootPath, ...key.split("/"));
  };
  const url = (key: string): string => {
    const path = key === "" ? rootPath : join(rootPath, ...key.split("/"));
    return asUrl ? pathToFileURL(path).href : path;
  };
  const fail = (op: string, key: string, err: unknown): Error => {
    const failure = thrownFailure(err);
    return storageError(url(key), failure, `${op} failed: ${(err as Error).message}`, err);
  };

  const read = async (key: string, options?: RequestOptions): Promise<Uint8Array | undefined> => {
    const path = pathOf(key);
    try {
      return new Uint8Array(await readFile(path, { signal: options?.signal }));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw options?.signal?.aborted ? err : fail("read", key, err);
    }
  };
  const write = async (key: string, data: Uint8Array, signal: AbortSignal | undefined): Promise<void> => {
    const path = pathOf(key);
    const temp = `${path}.${randomUUID()}${TEMP_SUFFIX}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, data, { signal });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw signal?.aborted ? err : fail("write", key, err);
    }
  };
  /** Takes the lock of `key`, waiting while another writer holds it; resolves to its release. */
  const lock = async (key: string, signal: AbortSignal | undefined): Promise<() => Promise<void>> => {
    const path = pathOf(key);
    const lockPath = path + LOCK_SUFFIX;
    const holder = `${hostname()} pid ${process.pid} ${randomUUID()}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      for (let attempt = 1; !(await createExclusive(lockPath, holder)); attempt++) {
        const broken = await breakStaleLock(lockPath, path + BREAK_SUFFIX, staleMs);
        if (broken !== undefined) onStaleLock({ url: url(key), lock: lockPath, ...broken });
        else await delay(backoffDelay(Math.min(attempt, 6), LOCK_WAIT), undefined, { signal });
      }
    } catch (err) {
      throw signal?.aborted ? err : fail("lock", key, err);
    }
    return () => rm(lockPath, { force: true });
  };

  return {
    url,
    get: read,

    async getVersioned(key: string, options?: RequestOptions): Promise<Versioned | undefined> {
      const bytes = await read(key, options);
      return bytes && { bytes, version: contentVersion(bytes) };
    },

    async getRange(
      key: string,
      range: RangeQuery,
      options?: RequestOptions,
    ): Promise<Uint8Array | undefined> {
      checkRange(range);
      const path = pathOf(key);
      options?.signal?.throwIfAborted();
      let file: FileHandle;
      try {
        file = await open(path, "r");
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw fail("open", key, err);
      }
      try {
        const { size } = await file.stat();
        const start = "suffixLength" in range ? Math.max(0, size - range.suffixLength) : range.offset;
        if ("offset" in range && start >= size) throw rangeNotSatisfiable(url(key), range, size);
        const end = "suffixLength" in range ? size : Math.min(size, start + range.length);
        const buffer = new Uint8Array(end - start);
        let filled = 0;
        while (filled < buffer.length) {
          const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      } catch (err) {
        throw isGikError(err) ? err : fail("read", key, err);
      } finally {
        await file.close();
      }
    },

    async head(key: string): Promise<ObjectInfo | undefined> {
      const path = pathOf(key);
      try {
        const info = await stat(path);
        return info.isFile() ? fileInfo(info) : undefined;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw fail("stat", key, err);
      }
    },

    async put(key: string, data: Uint8Array, options?: PutOptions): Promise<void> {
      const condition = writeCondition(url(key), options);
      if (condition === undefined) return write(key, data, options?.signal);
      const release = await lock(key, options?.signal);
      try {
        const current = await read(key, options);
        requireCondition(url(key), key, condition, current && contentVersion(current));
        await write(key, data, options?.signal);
      } finally {
        await release();
      }
    },

    async delete(key: string): Promise<void> {
      try {
        await rm(pathOf(key), { force: true });
      } catch (err) {
        throw fail("delete", key, err);
      }
    },

    async *list(prefix: string, options?: RequestOptions) {
      checkPrefix(prefix);
      // Walk only the deepest directory the prefix names; the rest of the prefix filters names.
      const slash = prefix.lastIndexOf("/");
      const base = join(rootPath, ...prefix.slice(0, slash + 1).split("/"));
      let entries: Dirent[];
      try {
        entries = await readdir(base, { recursive: true, withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw fail("list", prefix, err);
      }
      const files = entries.flatMap((entry) => {
        if (!entry.isFile() || RESERVED_SUFFIXES.some((suffix) => entry.name.endsWith(suffix))) return [];
        const path = join(entry.parentPath, entry.name);
        const key = relative(rootPath, path).split(sep).join("/");
        return key.startsWith(prefix) ? [{ key, path }] : [];
      });
      // A stat each, many at once: a store's directory holds hundreds of files.
      const listed = await mapPool(files, LIST_STATS, async ({ key, path }) => {
        options?.signal?.throwIfAborted();
        try {
          return { key, ...fileInfo(await stat(path)) };
        } catch (err) {
          // Deleted since the directory was read: no longer there to list.
          if (isMissing(err)) return undefined;
          throw fail("stat", key, err);
        }
      });
      for (const object of listed) if (object) yield object;
    },
  };
}

/** Files a listing stats at once. */
const LIST_STATS = 32;

/** A file's size and version tag (its mtime and size), as `head` and `list` give them. */
function fileInfo(info: Stats): ObjectInfo {
  return { size: info.size, etag: `${Math.trunc(info.mtimeMs).toString(16)}-${info.size.toString(16)}` };
}

/** The version of a file's bytes: their SHA-256, in hex. */
function contentVersion(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Creates `path` holding `text` if no file is there (O_CREAT|O_EXCL); false if one is. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  let file: FileHandle;
  try {
    file = await open(path, "wx");
  } catch (err) {
    if ((err as { code?: unknown }).code === "EEXIST") return false;
    throw err;
  }
  try {
    await file.writeFile(text);
    await file.close();
  } catch (err) {
    await file.close().catch(() => {});
    await rm(path, { force: true });
    throw err;
  }
  return true;
}

/** Milliseconds since `path` was last written, or `undefined` if it is gone. */
async function ageOf(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * Removes the lock at `lock` if it is older than `staleMs`, holding the create-only file `guard`
 * while it looks, so that writers breaking it together remove it once. Returns what was broken, or
 * `undefined` when the lock is live, gone, or being broken by another writer. A guard itself older
 * than `staleMs` (its writer died while breaking) is removed for the next try.
 */
async function breakStaleLock(
  lock: string,
  guard: string,
  staleMs: number,
): Promise<{ ageMs: number; holder: string } | undefined> {
  if (((await ageOf(lock)) ?? 0) <= staleMs) return undefined;
  if (!(await createExclusive(guard, `${hostname()} pid ${process.pid}`))) {
    if (((await ageOf(guard)) ?? 0) > staleMs) await rm(guard, { force: true });
    return undefined;
  }
  try {
    const ageMs = await ageOf(lock);
    if (ageMs === undefined || ageMs <= staleMs) return undefined;
    const holder = await readFile(lock, "utf8").catch(() => "unknown");
    await rm(lock, { force: true });
    return { ageMs, holder: holder || "unknown" };
  } finally {
    await rm(guard, { force: true });
  }
}

function warnStaleLock(event: StaleLockEvent): void {
  process.emitWarning(
    `${event.url}: broke a lock ${Math.round(event.ageMs / 1000)} s old, left by ${event.holder}`,
    "GikStaleLockWarning",
  );
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
