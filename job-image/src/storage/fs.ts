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
 * @module
 */

import { randomUUID } from "node:crypto";
import type { Dirent } from "node:fs";
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
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isGikError } from "../api/errors.js";
import { storageError, thrownFailure } from "./failure.js";
import { checkKey, checkPrefix } from "./keys.js";
import { checkRange, rangeNotSatisfiable } from "./range.js";
import type { ObjectInfo, RangeQuery, RequestOptions, Store } from "./types.js";

const TEMP_SUFFIX = ".gik-tmp";

/**
 * A store over the directory `root` (a `file://` URL or a path, resolved against the working directory).
 *
 * @example
 * const store = fsStore("./gik-data/templates");
 * await store.put("20240529/00z/manifest.json", bytes);
 */
export function fsStore(root: string): Store {
  const asUrl = root.startsWith("file:");
  const rootPath = asUrl ? fileURLToPath(root) : resolve(root);
  const pathOf = (key: string): string => {
    checkKey(key);
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

  return {
    url,

    async get(key: string, options?: RequestOptions): Promise<Uint8Array | undefined> {
      const path = pathOf(key);
      try {
        return new Uint8Array(await readFile(path, { signal: options?.signal }));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw options?.signal?.aborted ? err : fail("read", key, err);
      }
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
        if (!info.isFile()) return undefined;
        return {
          size: info.size,
          etag: `${Math.trunc(info.mtimeMs).toString(16)}-${info.size.toString(16)}`,
        };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw fail("stat", key, err);
      }
    },

    async put(key: string, data: Uint8Array, options?: RequestOptions): Promise<void> {
      const path = pathOf(key);
      const temp = `${path}.${randomUUID()}${TEMP_SUFFIX}`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(temp, data, { signal: options?.signal });
        await rename(temp, path);
      } catch (err) {
        await rm(temp, { force: true });
        throw options?.signal?.aborted ? err : fail("write", key, err);
      }
    },

    async delete(key: string): Promise<void> {
      try {
        await rm(pathOf(key), { force: true });
      } catch (err) {
        throw fail("delete", key, err);
      }
    },

    async *list(prefix: string, options?: RequestOptions): AsyncIterable<string> {
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
      for (const entry of entries) {
        options?.signal?.throwIfAborted();
        if (!entry.isFile() || entry.name.endsWith(TEMP_SUFFIX)) continue;
        const key = relative(rootPath, join(entry.parentPath, entry.name)).split(sep).join("/");
        if (key.startsWith(prefix)) yield key;
      }
    },
  };
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
