import { mkdtempSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ByteRangeError, UsageError } from "../../../job-image/src/api/errors.js";
import { fsStore } from "../../../job-image/src/storage/fs.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import { describeStoreConformance } from "./conformance.js";
import { sequence } from "./fault-server.js";

async function keys(store: Store, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.list(prefix)) out.push(key);
  return out.sort();
}

describe("fsStore in a temporary directory", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gik-fs-"));
    store = fsStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("puts, gets, heads and deletes, creating directories as needed", async () => {
    const data = sequence(300);
    await store.put("2025/01/x.bin", data);
    expect(await store.get("2025/01/x.bin")).toEqual(data);
    expect(await store.head("2025/01/x.bin")).toMatchObject({
      size: 300,
      etag: expect.stringMatching(/^[0-9a-f]+-12c$/),
    });
    await store.put("2025/01/x.bin", data.subarray(0, 10));
    expect(await store.get("2025/01/x.bin")).toEqual(data.subarray(0, 10));
    await store.delete("2025/01/x.bin");
    await store.delete("2025/01/x.bin"); // deleting a missing key is fine
    expect(await store.get("2025/01/x.bin")).toBeUndefined();
  });

  it("reads missing keys as undefined (ENOENT, and a path through a file)", async () => {
    await store.put("file", new Uint8Array(1));
    expect(await store.get("nope")).toBeUndefined();
    expect(await store.get("file/below")).toBeUndefined();
    expect(await store.getRange("nope", { offset: 0, length: 1 })).toBeUndefined();
    expect(await store.head("nope")).toBeUndefined();
  });

  it.each([
    { name: "a range inside", range: { offset: 10, length: 5 }, expected: [10, 11, 12, 13, 14] },
    {
      name: "a range overlapping the end (short read)",
      range: { offset: 297, length: 10 },
      expected: [41, 42, 43],
    },
    { name: "a suffix", range: { suffixLength: 2 }, expected: [42, 43] },
    { name: "a suffix longer than the file", range: { suffixLength: 1000 }, expected: [...sequence(300)] },
  ])("reads $name", async ({ range, expected }) => {
    await store.put("x", sequence(300));
    expect([...((await store.getRange("x", range)) ?? [])]).toEqual(expected);
  });

  it("refuses a range starting at or past the end", async () => {
    await store.put("x", sequence(300));
    const err = await store.getRange("x", { offset: 300, length: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ByteRangeError);
    expect((err as Error).message).toContain("(300 bytes)");
  });

  it("lists recursively under a prefix, skipping unfinished writes", async () => {
    await store.put("a/1.json", new Uint8Array(1));
    await store.put("a/b/2.json", new Uint8Array(1));
    await store.put("ab/3.json", new Uint8Array(1));
    await store.put("c.json", new Uint8Array(1));
    await writeFile(join(dir, "a", "4.json.0b8c.gik-tmp"), "partial");
    expect(await keys(store, "")).toEqual(["a/1.json", "a/b/2.json", "ab/3.json", "c.json"]);
    expect(await keys(store, "a/")).toEqual(["a/1.json", "a/b/2.json"]);
    expect(await keys(store, "a")).toEqual(["a/1.json", "a/b/2.json", "ab/3.json"]);
    expect(await keys(store, "a/b/2")).toEqual(["a/b/2.json"]);
    expect(await keys(store, "zzz/")).toEqual([]);
  });

  it("leaves no temporary file behind after a put", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put("same", sequence(1000 + i))));
    expect(await readdir(dir)).toEqual(["same"]);
    expect((await store.get("same"))?.length).toBeGreaterThanOrEqual(1000);
  });

  it("accepts file:// roots and gives URLs in the form it was given", async () => {
    const viaUrl = fsStore(pathToFileURL(dir).href);
    await viaUrl.put("k/x", new Uint8Array([1]));
    expect(await store.get("k/x")).toEqual(new Uint8Array([1]));
    expect(viaUrl.url("k/x")).toBe(pathToFileURL(join(dir, "k", "x")).href);
    expect(store.url("k/x")).toBe(join(dir, "k", "x"));
  });

  it.each(["../escape", "/abs", "a//b", "a/./b", "", "dir/"])("refuses the key %j", async (key) => {
    await expect(store.get(key)).rejects.toBeInstanceOf(UsageError);
  });
});

describe("fsStore conformance", () => {
  const dir = mkdtempSync(join(tmpdir(), "gik-fs-conformance-"));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  describeStoreConformance("fs", () => openStore(dir));
});
