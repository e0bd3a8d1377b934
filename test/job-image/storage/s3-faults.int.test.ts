import { randomUUID } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { openStore } from "../../../job-image/src/storage/open.js";
import { s3Store } from "../../../job-image/src/storage/s3.js";
import { createStoreStats } from "../../../job-image/src/storage/stats.js";
import type { S3Endpoint } from "../../infra/endpoints.js";
import { httpJson } from "../../infra/http-request.js";
import { addToxic, removeToxic, resetToxiproxy } from "../../infra/toxiproxy.js";
import { sequence } from "./fault-server.js";

const infra = inject("infra");
const bucket = `gik-faults-${randomUUID().slice(0, 8)}`;
const object = sequence(1 << 20);
const signed = (ep: S3Endpoint) => ({
  endpoint: ep.endpoint,
  region: ep.region,
  credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey },
});
const fastRetry = { attempts: 12, initialMs: 20, maxMs: 400 };

beforeAll(async () => {
  const admin = new S3Client({ ...signed(infra.s3), forcePathStyle: true });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  await s3Store(`s3://${bucket}`, signed(infra.s3)).put("step.grib2", object);
});

describe("retries through the SlowDown proxy", () => {
  afterEach(() => httpJson(`${infra.s3SlowDown.controlUrl}/config`, { method: "PUT", body: { share: 0 } }));

  it("reads 200 ranges correctly while ~30% of requests answer 503 SlowDown", async () => {
    await httpJson(`${infra.s3SlowDown.controlUrl}/config`, { method: "PUT", body: { share: 0.3, seed: 7 } });
    const stats = createStoreStats();
    const store = openStore(`s3://${bucket}`, {
      s3: signed(infra.s3SlowDown),
      retry: fastRetry,
      stats,
      concurrency: 16,
    });
    const ranges = Array.from({ length: 200 }, (_, i) => ({
      offset: (i * 5237) % (object.length - 600),
      length: 600,
    }));
    const results = await Promise.all(ranges.map((r) => store.getRange("step.grib2", r)));
    results.forEach((bytes, i) => {
      expect(bytes).toEqual(object.subarray(ranges[i]!.offset, ranges[i]!.offset + 600));
    });
    const proxy = await httpJson<{ requests: number; slowDowns: number }>(
      `${infra.s3SlowDown.controlUrl}/config`,
    );
    expect(proxy.slowDowns).toBeGreaterThan(20);
    expect(stats.failures).toBe(proxy.slowDowns);
    expect(stats.requests).toBe(200 + proxy.slowDowns);
  });
});

describe("retries through toxiproxy", () => {
  afterEach(() => resetToxiproxy(infra.s3Toxic.toxiproxyApi));

  it.each([
    { name: "reset_peer", toxic: { type: "reset_peer" as const, attributes: { timeout: 0 } } },
    { name: "timeout", toxic: { type: "timeout" as const, attributes: { timeout: 0 } } },
  ])("a cut connection ($name) is retried until the proxy heals", async ({ toxic }) => {
    const stats = createStoreStats();
    const name = await addToxic(infra.s3Toxic.toxiproxyApi, infra.s3Toxic.proxyName, toxic);
    // The proxy heals when the first attempt has failed and its retry is scheduled: the outcome
    // does not depend on how fast this (possibly loaded) machine runs the attempts.
    let healing: Promise<void> | undefined;
    const store = openStore(`s3://${bucket}`, {
      s3: signed(infra.s3Toxic),
      retry: {
        ...fastRetry,
        attemptTimeoutMs: 500,
        onRetry: () => {
          healing ??= removeToxic(infra.s3Toxic.toxiproxyApi, infra.s3Toxic.proxyName, name);
        },
      },
      stats,
    });
    const bytes = await store.getRange("step.grib2", { offset: 1000, length: 4096 });
    await healing;
    expect(healing).toBeDefined();
    expect(bytes).toEqual(object.subarray(1000, 5096));
    expect(stats.byKind.getRange.requests).toBeGreaterThanOrEqual(2);
  });
});
