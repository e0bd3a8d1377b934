import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../../job-image/src/storage/open.js";
import { createStoreStats } from "../../../job-image/src/storage/stats.js";

describe("store stats", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gik-stats-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("counts requests and bytes by kind", async () => {
    const stats = createStoreStats();
    const store = openStore(dir, { stats });
    await store.put("a", new Uint8Array(100));
    await store.get("a");
    await store.getRange("a", { offset: 90, length: 50 });
    await store.head("a");
    await store.getVersioned("a");
    await store.get("missing");
    await expect(store.getRange("a", { offset: 500, length: 1 })).rejects.toThrow();
    for await (const _ of store.list("")) {
      // draining the listing counts it
    }
    expect(stats).toMatchObject({ requests: 8, failures: 1, bytesRead: 210, bytesWritten: 100 });
    expect(stats.byKind.get).toEqual({ requests: 2, bytes: 100 });
    expect(stats.byKind.getRange).toEqual({ requests: 2, bytes: 10 });
    expect(stats.byKind.head.requests).toBe(1);
    expect(stats.byKind.getVersioned).toEqual({ requests: 1, bytes: 100 });
    expect(stats.byKind.put).toEqual({ requests: 1, bytes: 100 });
    expect(stats.byKind.list.requests).toBe(1);
  });
});
