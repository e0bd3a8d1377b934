import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PreconditionFailedError, StorageError, UsageError } from "../../../job-image/src/api/errors.js";
import { httpStore } from "../../../job-image/src/storage/http.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
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
    server.reset();
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
        yield { key: "a", size: 1 };
        if (calls === 1) throw new StorageError("mem://x", 503, "SlowDown", { retryable: true });
        yield { key: "b", size: 2 };
      },
    } as unknown as Store;
    const keys: string[] = [];
    for await (const { key } of withRetry(flaky, { sleep: async () => {}, random: () => 0 }).list(""))
      keys.push(key);
    expect(keys).toEqual(["a", "b"]);
    expect(calls).toBe(2);
  });
});

describe("withRetry and conditional puts", () => {
  const reset = () =>
    new StorageError("mem://x/k", undefined, "socket hang up [ECONNRESET]", {
      code: "ECONNRESET",
      retryable: true,
    });
  /**
   * A memory store whose puts run `script[n]` on the n-th call (then plain puts): a script gets
   * the real put and decides whether it happens and how the call answers.
   */
  const scripted = (script: Array<(put: () => Promise<void>, signal?: AbortSignal) => Promise<void>>) => {
    const backend = memoryStore("x");
    let calls = 0;
    const store: Store = {
      ...backend,
      put: (key, data, options) => {
        const step = script[calls++];
        const put = () => backend.put(key, data, options);
        return step === undefined ? put() : step(put, options?.signal);
      },
    };
    return { backend, store, calls: () => calls };
  };
  const retried = (store: Store, options: Partial<RetryOptions> = {}) =>
    withRetry(store, { attempts: 4, random: () => 0, sleep: async () => {}, ...options });
  const landsThenResets = async (put: () => Promise<void>) => {
    await put();
    throw reset();
  };
  const resetsBeforeLanding = async () => {
    throw reset();
  };

  it("never retries a refused conditional put", async () => {
    const { backend, store, calls } = scripted([]);
    await backend.put("k", sequence(10));
    const { version } = (await backend.getVersioned("k"))!;
    await backend.put("k", sequence(20));
    const err = await retried(store)
      .put("k", sequence(30), { ifMatch: version })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreconditionFailedError);
    expect(calls()).toBe(1);
    expect(await backend.get("k")).toEqual(sequence(20));
  });

  it.each([
    { what: "ifMatch", create: false },
    { what: "ifNoneMatch", create: true },
  ])(
    "takes a conditional put ($what) whose attempt landed but lost its answer as done",
    async ({ create }) => {
      const { backend, store, calls } = scripted([landsThenResets]);
      if (!create) await backend.put("k", sequence(10));
      const before = await backend.getVersioned("k");
      const condition = before === undefined ? { ifNoneMatch: "*" as const } : { ifMatch: before.version };
      await retried(store).put("k", sequence(30), condition);
      expect(calls()).toBe(2); // the retry was refused by the first attempt's own write
      expect(await backend.get("k")).toEqual(sequence(30));
    },
  );

  it("takes an attempt that timed out but landed as done", async () => {
    const hangsAfterLanding = async (put: () => Promise<void>) => {
      await put();
      await new Promise(() => {}); // the answer never comes
    };
    const { backend, store, calls } = scripted([hangsAfterLanding]);
    await backend.put("k", sequence(10));
    const { version } = (await backend.getVersioned("k"))!;
    await retried(store, { attemptTimeoutMs: 50 }).put("k", sequence(30), { ifMatch: version });
    expect(calls()).toBe(2);
    expect(await backend.get("k")).toEqual(sequence(30));
  });

  it("retries a conditional put that did not land, and it lands once", async () => {
    const { backend, store, calls } = scripted([resetsBeforeLanding]);
    await backend.put("k", sequence(10));
    const before = (await backend.getVersioned("k"))!;
    await retried(store).put("k", sequence(30), { ifMatch: before.version });
    expect(calls()).toBe(2);
    const after = (await backend.getVersioned("k"))!;
    expect(after.bytes).toEqual(sequence(30));
    expect(Number(after.version)).toBe(Number(before.version) + 1);
  });

  it("still refuses when another writer changed the object while the outcome was unknown", async () => {
    const { backend, store } = scripted([
      async () => {
        await backend.put("k", sequence(20)); // another writer's update lands meanwhile
        throw reset();
      },
    ]);
    await backend.put("k", sequence(10));
    const { version } = (await backend.getVersioned("k"))!;
    const err = await retried(store)
      .put("k", sequence(30), { ifMatch: version })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreconditionFailedError);
    expect(await backend.get("k")).toEqual(sequence(20));
  });
});
