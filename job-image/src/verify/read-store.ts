/**
 * Reading a published store back: the kerchunk JSON object, or every file of a reference-parquet
 * directory, into `Refs`.
 *
 * @module
 */
import { NotFoundError } from "../api/errors.js";
import { refsFromJson } from "../refs/json.js";
import { parquetToRefs } from "../refs/parquet.js";
import type { Refs } from "../refs/types.js";
import type { ReadableStore, Store } from "../storage/types.js";

/** The references of the store at `key` of `store` (`….json`, or a `….parquet` directory). */
export async function readStore(store: Store, key: string): Promise<Refs> {
  if (key.endsWith(".json")) {
    const bytes = await store.get(key);
    if (!bytes) throw new NotFoundError(store.url(key), "store");
    return refsFromJson(bytes, store.url(key));
  }
  const prefix = key.endsWith("/") ? key : `${key}/`;
  const files = new Map<string, Uint8Array>();
  for await (const { key: name } of store.list(prefix)) {
    const bytes = await store.get(name);
    if (bytes) files.set(name.slice(prefix.length), bytes);
  }
  if (!files.has(".zmetadata"))
    throw new NotFoundError(store.url(`${prefix}.zmetadata`), "published store (.zmetadata)");
  return parquetToRefs(files);
}

/** The size of each distinct file the references point into, `undefined` for a missing file. */
export async function sizesOf(
  urls: Iterable<string>,
  open: (url: string) => { store: ReadableStore; key: string },
): Promise<Map<string, number | undefined>> {
  const sizes = new Map<string, number | undefined>();
  await Promise.all(
    [...new Set(urls)].map(async (url) => {
      const { store, key } = open(url);
      sizes.set(url, (await store.head(key))?.size);
    }),
  );
  return sizes;
}
