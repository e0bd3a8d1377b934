import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ByteRangeError, UsageError } from "../../../job-image/src/api/errors.js";
import { httpStore } from "../../../job-image/src/storage/http.js";
import { type FaultServer, sequence, startFaultServer } from "./fault-server.js";

describe("httpStore against a local HTTP server", () => {
  let server: FaultServer;
  const object = sequence(1000);
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.objects.clear();
    server.objects.set("/mirror/20250101/00z/a b.index", object);
    server.reset();
  });
  const store = () => httpStore(`${server.url}/mirror`);

  it("builds URLs under its root, encoding each key segment", () => {
    expect(store().url("20250101/00z/a b.index")).toBe(`${server.url}/mirror/20250101/00z/a%20b.index`);
    expect(httpStore(`${server.url}/mirror/`).url("x")).toBe(`${server.url}/mirror/x`);
  });

  it("gets a whole object and reads a missing one as undefined", async () => {
    expect(await store().get("20250101/00z/a b.index")).toEqual(object);
    expect(await store().get("20250101/00z/missing.index")).toBeUndefined();
  });

  it("gets an object with the ETag of the same answer as its version, and cannot write", async () => {
    expect(await store().getVersioned("20250101/00z/a b.index")).toEqual({
      bytes: object,
      version: `"1000-0"`, // the fault server's ETag: length and first byte
    });
    expect(await store().getVersioned("20250101/00z/missing.index")).toBeUndefined();
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "GET"]);
    await expect(store().put("x", object, { ifNoneMatch: "*" })).rejects.toBeInstanceOf(UsageError);
  });

  it.each([
    { range: { offset: 0, length: 4 }, header: "bytes=0-3", expected: [0, 1, 2, 3] },
    { range: { offset: 998, length: 10 }, header: "bytes=998-1007", expected: [230, 231] },
    { range: { suffixLength: 3 }, header: "bytes=-3", expected: [229, 230, 231] },
    { range: { suffixLength: 5000 }, header: "bytes=-5000", expected: [...object] },
  ])("range $header", async ({ range, header, expected }) => {
    expect([...((await store().getRange("20250101/00z/a b.index", range)) ?? [])]).toEqual(expected);
    expect(server.requests.at(-1)?.range).toBe(header);
  });

  it("slices the answer of a server that ignores Range", async () => {
    server.ignoreRange = true;
    const s = store();
    expect([...((await s.getRange("20250101/00z/a b.index", { offset: 256, length: 3 })) ?? [])]).toEqual([
      0, 1, 2,
    ]);
    expect([...((await s.getRange("20250101/00z/a b.index", { suffixLength: 2 })) ?? [])]).toEqual([
      230, 231,
    ]);
  });

  it("refuses a range that starts past the end (416) and reads a missing object's range as undefined", async () => {
    await expect(
      store().getRange("20250101/00z/a b.index", { offset: 1000, length: 1 }),
    ).rejects.toBeInstanceOf(ByteRangeError);
    expect(await store().getRange("nope", { offset: 0, length: 1 })).toBeUndefined();
  });

  it("refuses empty or negative ranges before sending anything", async () => {
    await expect(store().getRange("x", { offset: 0, length: 0 })).rejects.toBeInstanceOf(UsageError);
    await expect(store().getRange("x", { offset: -1, length: 5 })).rejects.toBeInstanceOf(UsageError);
    await expect(store().getRange("x", { suffixLength: 0 })).rejects.toBeInstanceOf(UsageError);
    expect(server.requests).toHaveLength(0);
  });

  it("heads size and ETag", async () => {
    expect(await store().head("20250101/00z/a b.index")).toEqual({ size: 1000, etag: '"1000-0"' });
    expect(await store().head("missing")).toBeUndefined();
    expect(server.requests.map((r) => r.method)).toEqual(["HEAD", "HEAD"]);
  });

  it("is read-only: put, delete and list throw a UsageError naming the URL", async () => {
    const s = store();
    await expect(s.put("k", new Uint8Array(1))).rejects.toThrow(
      new RegExp(`${server.url}/mirror/k: put is not possible`),
    );
    await expect(s.delete("k")).rejects.toBeInstanceOf(UsageError);
    expect(() => s.list("")).toThrow(UsageError);
    expect(server.requests).toHaveLength(0);
  });

  it("uses an injected fetch and sends configured headers", async () => {
    const seen: Array<[string, Headers]> = [];
    const fetchSpy: typeof fetch = async (input, init) => {
      seen.push([String(input), new Headers(init?.headers)]);
      return new Response(new Uint8Array([7, 8]), { status: 206 });
    };
    const s = httpStore("https://mirror.example/forecasts", {
      fetch: fetchSpy,
      headers: { authorization: "Bearer t" },
    });
    expect([...((await s.getRange("a/b", { offset: 5, length: 2 })) ?? [])]).toEqual([7, 8]);
    expect(seen[0]![0]).toBe("https://mirror.example/forecasts/a/b");
    expect(seen[0]![1].get("range")).toBe("bytes=5-6");
    expect(seen[0]![1].get("authorization")).toBe("Bearer t");
  });
});
