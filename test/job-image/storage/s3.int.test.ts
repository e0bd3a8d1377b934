import { randomUUID } from "node:crypto";
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { StorageError } from "../../../job-image/src/api/errors.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import { s3Store } from "../../../job-image/src/storage/s3.js";
import { ensureBucket } from "../../helpers/s3-objects.js";
import type { S3Endpoint } from "../../infra/endpoints.js";
import { describeAppendLock } from "../collection/lock-suite.js";
import { describeStoreConformance } from "./conformance.js";
import { sequence } from "./fault-server.js";

const infra = inject("infra");
const bucket = `gik-storage-${randomUUID().slice(0, 8)}`;
const signed = (ep: S3Endpoint) => ({
  endpoint: ep.endpoint,
  region: ep.region,
  credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey },
});

/** A bucket policy letting anyone do `actions` on the keys under each prefix. */
function openTo(bucketName: string, grants: Record<string, string[]>): string {
  const Statement = Object.entries(grants).map(([prefix, actions]) => ({
    Effect: "Allow",
    Principal: { AWS: ["*"] },
    Action: actions,
    Resource: [`arn:aws:s3:::${bucketName}/${prefix}/*`],
  }));
  return JSON.stringify({ Version: "2012-10-17", Statement });
}

beforeAll(async () => {
  const admin = new S3Client({ ...signed(infra.s3), forcePathStyle: true });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  // Objects under public/ are readable by anyone, like s3://ecmwf-forecasts; under open/ anyone
  // may also write, so that a request sent unsigned by mistake would succeed there.
  const grants = { public: ["s3:GetObject"], open: ["s3:GetObject", "s3:PutObject"] };
  await admin.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: openTo(bucket, grants) }));
  await ensureBucket(admin, "ecmwf-forecasts");
  const ecmwf = openTo("ecmwf-forecasts", { public: ["s3:GetObject"] });
  await admin.send(new PutBucketPolicyCommand({ Bucket: "ecmwf-forecasts", Policy: ecmwf }));
  admin.destroy();
});

describeStoreConformance(
  "s3 (MinIO)",
  () => openStore(`s3://${bucket}/conformance`, { s3: signed(infra.s3) }),
  {
    paginationKeys: 1005,
  },
);

describeAppendLock("s3 (MinIO)", (root) => openStore(`s3://${bucket}/${root}`, { s3: signed(infra.s3) }));

describe("s3Store configuration", () => {
  const touched = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
  ];
  const saved = Object.fromEntries(touched.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("takes endpoint and region from AWS_ENDPOINT_URL_S3/AWS_REGION and credentials from the default chain", async () => {
    process.env.AWS_ACCESS_KEY_ID = infra.s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = infra.s3.secretAccessKey;
    const env = { AWS_ENDPOINT_URL_S3: infra.s3.endpoint, AWS_REGION: infra.s3.region };
    const store = s3Store(`s3://${bucket}/env`, { env });
    await store.put("x", new Uint8Array([1, 2, 3]));
    expect(await store.get("x")).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("sends unsigned requests when asked: public objects read, private ones are refused without retries", async () => {
    const owner = s3Store(`s3://${bucket}`, signed(infra.s3));
    await owner.put("public/a.index", sequence(100));
    await owner.put("private/a.index", sequence(100));
    const anonymous = openStore(`s3://${bucket}`, { s3: { endpoint: infra.s3.endpoint, anonymous: true } });
    expect(await anonymous.getRange("public/a.index", { offset: 10, length: 5 })).toEqual(
      sequence(100).subarray(10, 15),
    );
    const err = await anonymous.get("private/a.index").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).status).toBe(403);
    expect((err as StorageError).message).toContain(`s3://${bucket}/private/a.index`);
  });

  /** A process environment in which the SDK's default chain finds nothing but what a test adds. */
  const bareChain = (): void => {
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
      delete process.env[key];
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials";
    process.env.AWS_CONFIG_FILE = "/nonexistent/config";
  };

  it("sends nothing unsigned when no credentials are configured: the error names the chain", async () => {
    bareChain();
    const owner = s3Store(`s3://${bucket}`, signed(infra.s3));
    await owner.put("public/b.index", sequence(50));
    const store = s3Store(`s3://${bucket}`, { endpoint: infra.s3.endpoint, region: infra.s3.region });
    const err = await store.get("public/b.index").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe("CredentialsProviderError");
    expect((err as StorageError).retryable).toBe(false);
    expect((err as StorageError).message).toMatch(/no credentials to sign with: .*no provider configured/);
  });

  it("fails a put whose web-identity token file cannot be read, naming the provider; nothing is written", async () => {
    bareChain();
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = "/nonexistent/eks.amazonaws.com/serviceaccount/token";
    process.env.AWS_ROLE_ARN = "arn:aws:iam::123456789012:role/gik-writer";
    // Anyone may write under open/: a store that fell back to unsigned requests would succeed.
    const store = s3Store(`s3://${bucket}/open`, { endpoint: infra.s3.endpoint, region: infra.s3.region });
    const err = await store.put("x.json", new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toContain(
      "web identity token file /nonexistent/eks.amazonaws.com/serviceaccount/token (AWS_WEB_IDENTITY_TOKEN_FILE)",
    );
    expect((err as StorageError).message).toMatch(/ENOENT/);
    const owner = s3Store(`s3://${bucket}/open`, signed(infra.s3));
    expect(await owner.head("x.json")).toBeUndefined();
  });

  it("reads ECMWF's public bucket unsigned without being told (its region known, no credentials looked up)", async () => {
    bareChain();
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = "/nonexistent/token";
    process.env.AWS_ROLE_ARN = "arn:aws:iam::123456789012:role/gik-writer";
    // MinIO stands in for AWS: a bucket named like ECMWF's, readable by anyone.
    const owner = s3Store("s3://ecmwf-forecasts", signed(infra.s3));
    await owner.put("public/c.index", sequence(20));
    const store = s3Store("s3://ecmwf-forecasts", { endpoint: infra.s3.endpoint });
    expect(await store.get("public/c.index")).toEqual(sequence(20));
  });

  it("names a missing bucket instead of reading it as a missing key", async () => {
    const store = s3Store("s3://gik-no-such-bucket", signed(infra.s3));
    await expect(store.get("x")).rejects.toThrow(/NoSuchBucket/);
  });
});
