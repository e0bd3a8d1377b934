/**
 * Verifying the store published at a URL, as `gik verify` does: read it back, then check its
 * references against the files they point into, each file's store opened once. A caller that is not
 * the CLI (a test reading from a server of its own) passes the storage options the CLI takes from
 * its environment.
 *
 * @module
 */
import { openStore, type StoreOptions, splitObjectUrl } from "../storage/open.js";
import type { Store } from "../storage/types.js";
import { readStore } from "./read-store.js";
import { type VerifyOptions, type VerifyReport, verifyRefs } from "./verify-store.js";

/** Verifies the store at `url` (a kerchunk JSON object or a reference-parquet directory). */
export async function verifyStoreAt(
  url: string,
  options: VerifyOptions,
  storeOptions: StoreOptions = {},
): Promise<VerifyReport> {
  const { root, key } = splitObjectUrl(url.replace(/\/+$/, ""));
  const refs = await readStore(openStore(root, storeOptions), key);
  const stores = new Map<string, Store>();
  const open = (object: string) => {
    const parts = splitObjectUrl(object);
    if (!stores.has(parts.root)) stores.set(parts.root, openStore(parts.root, storeOptions));
    return { store: stores.get(parts.root)!, key: parts.key };
  };
  return verifyRefs(refs, options, open);
}
