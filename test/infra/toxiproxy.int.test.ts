import { randomBytes, randomUUID } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { openStore } from "../../job-image/src/storage/open.js";
import { createStoreStats } from "../../job-image/src/storage/stats.js";
import type { S3Endpoint } from "./endpoints.js";
import { addToxic, removeToxic, resetToxiproxy } from "./toxiproxy.js";

const infra = inject("infra");
const { toxiproxyApi: api, proxyName: proxy } = infra.s3Toxic;
const bucket = `infra-${randomUUID().slice(0, 8)}`;
const object = randomBytes(8 * 1024 * 1024);
const options = (ep: S3Endpoint) => ({
  endpoint: ep.endpoint,
  region: ep.region,
  credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey },
  forcePathStyle: true,
});

/** Milliseconds one range read takes over a fresh connection, and the bytes it returned. */
async function timedRange(
  ep: S3Endpoint,
  first: number,
  last: number,
): Promise<{ ms: number; bytes: Buffer }> {
  const s3 = new S3Client({ ...options(ep), maxAttempts: 1 });
  const started = performance.now();
  const res = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: "obj.bin", Range: `bytes=${first}-${last}` }),
  );
  const bytes = Buffer.from(await res.Body!.transformToByteArray());
  const ms = performance.now() - started;
  s3.destroy();
  return { ms, bytes };
}

const admin = new S3Client(options(infra.s3));
beforeAll(async () => {
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: "obj.bin", Body: object }));
});
afterAll(() => admin.destroy());
afterEach(() => resetToxiproxy(api));

describe("toxiproxy in front of MinIO", () => {
  it("adds 20 ms of latency to a range read", async () => {
    // Each read through the proxy is paired with one straight to MinIO at the same moment, so a
    // busy machine slows both halves of a pair alike and the median of the pairs' differences is
    // the toxic's doing (medians of two separate series taken seconds apart are not).
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await timedRange(infra.s3Toxic, 4096, 8191); // warm-up: the first request loads and sets up the client
    await addToxic(api, proxy, { type: "latency", attributes: { latency: 20, jitter: 0 } });
    const pairs = [];
    for (let i = 0; i < 9; i++) {
      const [direct, delayed] = await Promise.all([
        timedRange(infra.s3, 4096, 8191),
        timedRange(infra.s3Toxic, 4096, 8191),
      ]);
      pairs.push({ direct, delayed });
    }
    for (const { delayed } of pairs) expect(delayed.bytes).toEqual(object.subarray(4096, 8192));
    expect(Math.min(...pairs.map((p) => p.delayed.ms))).toBeGreaterThanOrEqual(20);
    expect(median(pairs.map((p) => p.delayed.ms - p.direct.ms))).toBeGreaterThanOrEqual(15);
  });

  it("a connection cut mid-body is retried by gik's storage layer", async () => {
    const stats = createStoreStats();
    const store = openStore(`s3://${bucket}`, {
      s3: options(infra.s3Toxic),
      retry: { attempts: 20, initialMs: 20, maxMs: 200, attemptTimeoutMs: 5000 },
      stats,
    });
    // Every connection is closed after 256 KiB, so a 4 MiB body never arrives whole…
    const cut = await addToxic(api, proxy, { type: "limit_data", attributes: { bytes: 256 * 1024 } });
    const reading = store.getRange("obj.bin", { offset: 1000, length: 4 * 1024 * 1024 });
    const deadline = Date.now() + 30_000;
    while (stats.failures < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // …until the connection heals; the read in progress must then succeed by retrying.
    await removeToxic(api, proxy, cut);
    const bytes = await reading;
    expect(stats.failures).toBeGreaterThanOrEqual(2);
    expect(stats.byKind.getRange.requests).toBe(stats.failures + 1);
    expect(Buffer.from(bytes!).equals(object.subarray(1000, 1000 + 4 * 1024 * 1024))).toBe(true);
  });
});
