/**
 * Verifying the store published at a URL, as `gik verify` does: read it back, then check its
 * references against the files they point into, each root opened once. A caller other than the CLI
 * (a test with an S3 server of its own, checking many stores) passes how a root is opened.
 *
 * @module
 */
import { openStore, splitObjectUrl } from "../storage/open.js";
import type { Store } from "../storage/types.js";
import { readStore } from "./read-store.js";
import { type VerifyOptions, type VerifyReport, verifyRefs } from "./verify-store.js";

/** Verifies the store at `url` (a kerchunk JSON object or a reference-parquet directory). */
export async function verifyStoreAt(
  url: string,
  options: VerifyOptions,
  open: (root: string) => Store = (root) => openStore(root),
): Promise<VerifyReport> {
  const stores = new Map<string, Store>();
  const opened = (root: string) => {
    if (!stores.has(root)) stores.set(root, open(root));
    return stores.get(root)!;
  };
  const { root, key } = splitObjectUrl(url.replace(/\/+$/, ""));
  const refs = await readStore(opened(root), key);
  return verifyRefs(refs, options, (object) => {
    const parts = splitObjectUrl(object);
    return { store: opened(parts.root), key: parts.key };
  });
}
