/**
 * Keys are `/`-separated paths relative to a store's root. They never climb out of it: no leading
 * `/`, no empty, `.` or `..` segments, no backslashes. Prefixes for `list` follow the same rules
 * and may be empty or end with `/`.
 *
 * @module
 */

import { UsageError } from "../api/errors.js";

/** Throws a `UsageError` unless `key` names an object under the root. */
export function checkKey(key: string): void {
  if (key === "" || key.endsWith("/")) throw new UsageError("key", `"${key}" does not name an object`);
  checkSegments(key, "key");
}

/** Throws a `UsageError` unless `prefix` is empty or a path under the root (a trailing `/` allowed). */
export function checkPrefix(prefix: string): void {
  if (prefix === "") return;
  checkSegments(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix, "prefix");
}

/** `root` and `key` joined by one `/` (a root given with a trailing `/` is accepted). */
export function joinKey(root: string, key: string): string {
  const base = root.endsWith("/") ? root.slice(0, -1) : root;
  if (key === "") return base;
  return base === "" ? key : `${base}/${key}`;
}

function checkSegments(path: string, field: string): void {
  if (path.includes("\\")) throw new UsageError(field, `"${path}" contains a backslash`);
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new UsageError(field, `"${path}" has an empty, "." or ".." segment`);
    }
  }
}
