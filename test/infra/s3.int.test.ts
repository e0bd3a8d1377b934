import { randomBytes, randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { S3Endpoint } from "./endpoints.js";
import { httpJson } from "./http-request.js";

const infra = inject("infra");
const bucket = `infra-${randomUUID().slice(0, 8)}`;
const object = randomBytes(20 * 1024 * 1024);

const client = (ep: S3Endpoint, maxAttempts = 3) =>
  new S3Client({
    endpoint: ep.endpoint,
    region: ep.region,
    credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey },
    forcePathStyle: true,
    maxAttempts,
  });

async function getRange(s3: S3Client, key: string, first: number, last: number): Promise<Buffer> {
  const res = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${first}-${last}` }),
  );
  return Buffer.from(await res.Body!.transformToByteArray());
}

const s3 = client(infra.s3);
beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big.bin", Body: object }));
});
afterAll(() => s3.destroy());

describe("MinIO through the AWS SDK", () => {
  it.each([
    { name: "first bytes", first: 0, last: 1023 },
    { name: "across the 8 MiB mark", first: 8 * 1024 * 1024 - 100, last: 8 * 1024 * 1024 + 99 },
    { name: "last byte", first: object.length - 1, last: object.length - 1 },
  ])("range-reads a 20 MB object: $name", async ({ first, last }) => {
    expect(await getRange(s3, "big.bin", first, last)).toEqual(object.subarray(first, last + 1));
  });

  it("reads the whole 20 MB object back", async () => {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(res.ContentLength).toBe(object.length);
    expect(Buffer.from(await res.Body!.transformToByteArray()).equals(object)).toBe(true);
  });
});

describe("the SlowDown proxy in front of MinIO", () => {
  const config = `${infra.s3SlowDown.controlUrl}/config`;
  afterEach(() => httpJson(config, { method: "PUT", body: { share: 0 } }));

  it("answers 503 SlowDown with S3's XML error when the share is 1", async () => {
    await httpJson(config, { method: "PUT", body: { share: 1, seed: 3 } });
    const throttled = client(infra.s3SlowDown, 1);
    const error = await getRange(throttled, "big.bin", 0, 9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).name).toBe("SlowDown");
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(503);
    throttled.destroy();
  });

  it("forwards signed requests untouched when the share is 0", async () => {
    const proxied = client(infra.s3SlowDown, 1);
    expect(await getRange(proxied, "big.bin", 100, 199)).toEqual(object.subarray(100, 200));
    expect(await httpJson(config)).toMatchObject({ share: 0, requests: 1, slowDowns: 0 });
    proxied.destroy();
  });

  it("fails the same requests again after the same seed", async () => {
    const failures = async () => {
      await httpJson(config, { method: "PUT", body: { share: 0.5, seed: 11 } });
      const proxied = client(infra.s3SlowDown, 1);
      const outcomes: boolean[] = [];
      for (let i = 0; i < 20; i++)
        outcomes.push(
          await getRange(proxied, "big.bin", i, i).then(
            () => true,
            () => false,
          ),
        );
      proxied.destroy();
      return outcomes;
    };
    const first = await failures();
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(2);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(2);
    expect(await failures()).toEqual(first);
  });
});
