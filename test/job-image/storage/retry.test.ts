import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StorageError, UsageError } from "../../../job-image/src/api/errors.js";
import { httpStore } from "../../../job-image/src/storage/http.js";
import { type RetryOptions, withRetry } from "../../../job-image/src/storage/retry.js";
import type { Store } from "../../../job-image/src/storage/types.js";
import { type Fault, type FaultServer, sequence, startFaultServer } from "./fault-server.js";

describe("withRetry over a real HTTP server that misbehaves", () => {
  let server: FaultServer;
  const object = sequence(4096);
  let sleeps: number[];
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.objects.set("/data/step.grib2", object);
    server.faults = [];
    server.requests.length = 0;
    sleeps = [];
  });
  const store = (options: Partial<RetryOptions> = {}): Store =>
    withRetry(httpStore(`${server.url}/data`), {
      attempts: 4,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });

  it.each<{ name: string; fault: Fault }>([
    { name: "503 SlowDown", fault: { status: 503, code: "SlowDown" } },
    { name: "429 Too Many Requests", fault: { status: 429 } },
    { name: "500 Internal Error", fault: { status: 500 } },
    { name: "502 Bad Gateway", fault: { status: 502 } },
    { name: "504 Gateway Timeout", fault: { status: 504 } },
    { name: "a connection reset before the answer", fault: { reset: true } },
    { name: "a connection cut in the middle of the body", fault: { cut: true } },
  ])("retries $name and returns the right bytes", async ({ fault }) => {
    server.faults = [fault, fault];
    const bytes = await store().getRange("step.grib2", { offset: 100, length: 50 });
    expect(bytes).toEqual(object.subarray(100, 150));
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]); // full jitter at random()=0.5 of 200 ms · 2^(n-1)
  });

  it.each([403, 400, 401, 409])("never retries a %i", async (status) => {
    server.faults = [{ status }];
    const err = await store()
      .get("step.grib2")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).status).toBe(status);
    expect((err as StorageError).retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("reads a 404 as undefined without retrying", async () => {
    expect(await store().get("missing.grib2")).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after the configured attempts, saying what happened and how often", async () => {
    server.faults = Array.from({ length: 10 }, () => ({ status: 503, code: "SlowDown" }));
    const err = (await store({ attempts: 3 })
      .head("step.grib2")
      .catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.message).toContain(
      `${server.url}/data/step.grib2: gave up after 3 attempts; last: HEAD answered 503`,
    );
    expect(err.status).toBe(503);
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("aborts an attempt that takes too long and retries it", async () => {
    server.faults = [{ delayMs: 5_000 }];
    const started = Date.now();
    const bytes = await store({ attemptTimeoutMs: 200 }).get("step.grib2");
    expect(bytes).toEqual(object);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("does not retry when the caller aborts", async () => {
    server.faults = [{ delayMs: 5_000 }, { delayMs: 5_000 }];
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("caller gave up")), 100);
    await expect(
      store({ attemptTimeoutMs: 60_000 }).get("step.grib2", { signal: controller.signal }),
    ).rejects.toThrow("caller gave up");
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry input errors", async () => {
    await expect(store().getRange("step.grib2", { offset: 0, length: 0 })).rejects.toBeInstanceOf(UsageError);
    expect(server.requests).toHaveLength(0);
  });

  it("reports each retry", async () => {
    server.faults = [{ status: 503, code: "SlowDown" }];
    const events: Array<{ attempt: number; delayMs: number; status: number | undefined }> = [];
    await store({
      onRetry: (e) => events.push({ attempt: e.attempt, delayMs: e.delayMs, status: e.error.status }),
    }).get("step.grib2");
    expect(events).toEqual([{ attempt: 1, delayMs: 100, status: 503 }]);
  });
});

describe("withRetry.list", () => {
  it("retries the whole listing and yields each key once", async () => {
    let calls = 0;
    const flaky = {
      url: (key: string) => `mem://x/${key}`,
      async *list() {
        calls++;
        yield "a";
        if (calls === 1) throw new StorageError("mem://x", 503, "SlowDown", { retryable: true });
        yield "b";
      },
    } as unknown as Store;
    const keys: string[] = [];
    for await (const key of withRetry(flaky, { sleep: async () => {}, random: () => 0 }).list(""))
      keys.push(key);
    expect(keys).toEqual(["a", "b"]);
    expect(calls).toBe(2);
  });
});
