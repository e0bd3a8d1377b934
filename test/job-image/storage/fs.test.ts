import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ByteRangeError, PreconditionFailedError, UsageError } from "../../../job-image/src/api/errors.js";
import { fsStore, type StaleLockEvent } from "../../../job-image/src/storage/fs.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import { describeStoreConformance } from "./conformance.js";
import { sequence } from "./fault-server.js";

async function keys(store: Store, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of store.list(prefix)) out.push(key);
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

describe("fsStore conditional writes", () => {
  let dir: string;
  let store: Store;
  let staleLocks: StaleLockEvent[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gik-fs-cond-"));
    staleLocks = [];
    store = fsStore(dir, { onStaleLock: (event) => staleLocks.push(event) });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const settled = (promise: Promise<unknown>) => {
    const state = { done: false };
    promise.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  it("versions a file by the SHA-256 of its bytes, so same-size writes within a millisecond differ", async () => {
    const a = sequence(100);
    const b = sequence(100).reverse();
    await store.put("x", a);
    const first = await store.getVersioned("x");
    await store.put("x", b);
    const second = await store.getVersioned("x");
    expect(first?.version).toBe(createHash("sha256").update(a).digest("hex"));
    expect(second?.version).toBe(createHash("sha256").update(b).digest("hex"));
  });

  it("waits while another writer holds the lock, then writes", async () => {
    await store.put("x", sequence(10));
    const { version } = (await store.getVersioned("x"))!;
    await writeFile(join(dir, "x.gik-lock"), "other-host pid 1");
    const put = store.put("x", sequence(20), { ifMatch: version });
    const state = settled(put);
    await new Promise((r) => setTimeout(r, 200));
    expect(state.done).toBe(false);
    expect(await store.get("x")).toEqual(sequence(10));
    await rm(join(dir, "x.gik-lock"));
    await put;
    expect(await store.get("x")).toEqual(sequence(20));
    expect(staleLocks).toEqual([]);
  });

  it("breaks a lock older than the bound, reports it, and writes", async () => {
    await writeFile(join(dir, "x.gik-lock"), "crashed-host pid 4242 f00d");
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(join(dir, "x.gik-lock"), twoMinutesAgo, twoMinutesAgo);
    await store.put("x", sequence(10), { ifNoneMatch: "*" });
    expect(await store.get("x")).toEqual(sequence(10));
    expect(staleLocks).toEqual([
      {
        url: join(dir, "x"),
        lock: join(dir, "x.gik-lock"),
        ageMs: expect.any(Number),
        holder: "crashed-host pid 4242 f00d",
      },
    ]);
    expect(staleLocks[0]!.ageMs).toBeGreaterThanOrEqual(120_000);
    expect(await readdir(dir)).toEqual(["x"]);
  });

  it("leaves no lock or temporary behind, written or refused", async () => {
    await store.put("d/x", sequence(10), { ifNoneMatch: "*" });
    await expect(store.put("d/x", sequence(20), { ifNoneMatch: "*" })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await readdir(join(dir, "d"))).toEqual(["x"]);
    expect(await readFile(join(dir, "d", "x"))).toEqual(Buffer.from(sequence(10)));
  });

  it("lists no lock or break files, and refuses keys named like them", async () => {
    await store.put("a/x", sequence(1));
    await writeFile(join(dir, "a", "x.gik-lock"), "");
    await writeFile(join(dir, "a", "x.gik-break"), "");
    expect(await keys(store, "")).toEqual(["a/x"]);
    for (const key of ["a/y.gik-lock", "a/y.gik-break", "a/y.gik-tmp"])
      await expect(store.put(key, sequence(1))).rejects.toBeInstanceOf(UsageError);
  });

  it("loses no update when two processes append 15 times each", async () => {
    const built = new URL("../../../dist/job-image/src/storage/fs.js", import.meta.url);
    if (!existsSync(built)) throw new Error(`${fileURLToPath(built)} is missing: run "npm run build" first`);
    const appender = fileURLToPath(new URL("./fs-appender.mjs", import.meta.url));
    const children = ["p1", "p2"].map((writer) =>
      spawn(process.execPath, [appender, built.href, dir, "c/counter.json", writer, "15"], {
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const exits = children.map((child) => once(child, "exit"));
    const outputs = children.map((child) =>
      createInterface({ input: child.stdout! })[Symbol.asyncIterator](),
    );
    // Both read the absent counter before either writes: one create must be refused.
    for (const output of outputs) expect((await output.next()).value).toBe("read");
    for (const child of children) child.stdin!.end("go\n");
    const refusals = await Promise.all(
      outputs.map(async (output) => Number(/^refusals (\d+)$/.exec((await output.next()).value)?.[1])),
    );
    expect(await Promise.all(exits)).toEqual([
      [0, null],
      [0, null],
    ]);
    const counter = JSON.parse(await readFile(join(dir, "c", "counter.json"), "utf8")) as {
      count: number;
      writers: string[];
    };
    expect(counter.count).toBe(30);
    expect(counter.writers.filter((w) => w.startsWith("p1-"))).toHaveLength(15);
    expect(counter.writers.filter((w) => w.startsWith("p2-"))).toHaveLength(15);
    expect(refusals[0]! + refusals[1]!).toBeGreaterThanOrEqual(1);
    expect(await readdir(join(dir, "c"))).toEqual(["counter.json"]);
  });
});

describe("fsStore conformance", () => {
  const dir = mkdtempSync(join(tmpdir(), "gik-fs-conformance-"));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  describeStoreConformance("fs", () => openStore(dir));
});
