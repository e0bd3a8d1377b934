/**
 * How the S3 backend ends requests without passing a signal to the SDK (which would make the SDK
 * rebuild its middleware for every request): a caller that has aborted sends nothing, and an answer
 * that stalls is cut by the socket's idle timeout, against the local fault server.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StorageError } from "../../../job-image/src/api/errors.js";
import { s3Store } from "../../../job-image/src/storage/s3.js";
import { type FaultServer, sequence, startFaultServer } from "./fault-server.js";

describe("S3 requests without SDK abort signals", () => {
  let server: FaultServer;
  const store = (idleTimeoutMs?: number) =>
    s3Store("s3://bucket", {
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
      idleTimeoutMs,
    });
  beforeAll(async () => {
    server = await startFaultServer();
    server.objects.set("/bucket/x.bin", sequence(100));
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it("sends no request once the caller's signal has aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stopped by the caller"));
    await expect(store().get("x.bin", { signal: controller.signal })).rejects.toThrow(
      "stopped by the caller",
    );
    expect(server.requests).toEqual([]);
  });

  it("cuts an answer that stalls past the idle timeout: a retryable StorageError, the socket closed", async () => {
    server.faults = [{ delayMs: 3_000 }];
    const started = performance.now();
    const err = await store(200)
      .get("x.bin")
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ url: "s3://bucket/x.bin", retryable: true });
    expect(performance.now() - started).toBeLessThan(2_000);
    // The same store answers the next request on a fresh socket.
    expect(await store(200).get("x.bin")).toEqual(sequence(100));
  });
});
