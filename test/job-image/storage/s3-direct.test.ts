/**
 * Object requests sent without the SDK's pipeline: which endpoints go direct, how keys and error
 * answers are read, and, against the local fault server, that requests go direct, carry their
 * headers, and move to the SDK for good once an answer says the bucket is in another region.
 * MinIO checks the signatures of the same requests in `s3.int.test.ts` (the store conformance).
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { s3Store } from "../../../job-image/src/storage/s3.js";
import {
  answerError,
  isRegionRedirect,
  keyPath,
  objectEndpoint,
} from "../../../job-image/src/storage/s3-direct.js";
import { type FaultServer, sequence, startFaultServer } from "./fault-server.js";

describe("objectEndpoint", () => {
  const base = { bucket: "gik-stores", region: "eu-central-1", forcePathStyle: false, env: {} };

  it("addresses AWS's standard regions by virtual host", () => {
    expect(objectEndpoint(base)).toEqual({
      protocol: "https:",
      hostname: "gik-stores.s3.eu-central-1.amazonaws.com",
      pathPrefix: "",
    });
    expect(objectEndpoint({ ...base, region: "ap-southeast-2" })?.hostname).toBe(
      "gik-stores.s3.ap-southeast-2.amazonaws.com",
    );
  });

  it("addresses a configured endpoint path-style, with its port and path", () => {
    expect(objectEndpoint({ ...base, endpoint: "http://127.0.0.1:9000", forcePathStyle: true })).toEqual({
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 9000,
      pathPrefix: "/gik-stores",
    });
    expect(
      objectEndpoint({ ...base, endpoint: "https://objects.example.org/s3/", forcePathStyle: true }),
    ).toEqual({ protocol: "https:", hostname: "objects.example.org", pathPrefix: "/s3/gik-stores" });
    expect(objectEndpoint({ ...base, endpoint: "https://objects.example.org" })).toEqual({
      protocol: "https:",
      hostname: "gik-stores.objects.example.org",
      pathPrefix: "",
    });
  });

  it("leaves to the SDK what only its rules decide", () => {
    const sdk = [
      { ...base, env: { AWS_USE_FIPS_ENDPOINT: "true" } },
      { ...base, env: { AWS_USE_DUALSTACK_ENDPOINT: "TRUE" } },
      { ...base, region: "us-gov-west-1" },
      { ...base, region: "cn-north-1" },
      { ...base, region: "us-isob-east-1" },
      { ...base, bucket: "data.example.org" },
      { ...base, forcePathStyle: true },
      { ...base, endpoint: "not a url" },
      { ...base, endpoint: "ftp://objects.example.org", forcePathStyle: true },
      { ...base, endpoint: "https://objects.example.org/s3", forcePathStyle: false },
    ];
    for (const config of sdk) expect(objectEndpoint(config), JSON.stringify(config)).toBeUndefined();
    expect(objectEndpoint({ ...base, env: { AWS_USE_FIPS_ENDPOINT: "false" } })).toBeDefined();
  });
});

describe("keyPath", () => {
  it("percent-encodes each segment as S3 expects, keeping the slashes", () => {
    expect(keyPath("20261002/00z/ifs/0p25/enfo/20261002000000-0h-enfo-ef.index")).toBe(
      "20261002/00z/ifs/0p25/enfo/20261002000000-0h-enfo-ef.index",
    );
    expect(keyPath("a b/c+d/é!'()*~._-")).toBe("a%20b/c%2Bd/%C3%A9%21%27%28%29%2A~._-");
  });
});

describe("answerError", () => {
  it("reads S3's error code and message, and names a bodiless 404 NotFound as the SDK does", () => {
    const missing = answerError(
      404,
      "<?xml version='1.0'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
    );
    expect(missing).toMatchObject({
      name: "NoSuchKey",
      message: "The specified key does not exist.",
      $metadata: { httpStatusCode: 404 },
    });
    expect(answerError(404, "")).toMatchObject({ name: "NotFound", message: "HTTP 404" });
    expect(answerError(503, "")).toMatchObject({ name: "HTTP503", $metadata: { httpStatusCode: 503 } });
  });

  it("tells a region redirect from other refusals", () => {
    expect(isRegionRedirect(answerError(301, "<Error><Code>PermanentRedirect</Code></Error>"))).toBe(true);
    expect(isRegionRedirect(answerError(307, ""))).toBe(true);
    expect(isRegionRedirect(answerError(400, "<Code>AuthorizationHeaderMalformed</Code>"))).toBe(true);
    expect(isRegionRedirect(answerError(400, "<Code>InvalidArgument</Code>"))).toBe(false);
    expect(isRegionRedirect(answerError(403, "<Code>AccessDenied</Code>"))).toBe(false);
  });
});

describe("S3 object requests sent direct", () => {
  let server: FaultServer;
  const store = () =>
    s3Store("s3://bucket/root", {
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
    });
  const sentBySdk = () => server.requests.map((r) => /aws-sdk-js/.test(r.userAgent ?? ""));
  beforeAll(async () => {
    server = await startFaultServer();
    server.objects.set("/bucket/root/x.bin", sequence(100));
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it("sends GET, ranged GET, HEAD and conditional PUT without the SDK, with their headers", async () => {
    const s = store();
    expect(await s.get("x.bin")).toEqual(sequence(100));
    expect(await s.getRange("x.bin", { offset: 10, length: 5 })).toEqual(sequence(15).subarray(10));
    expect(await s.head("x.bin")).toEqual({ size: 100, etag: '"100-0"' });
    expect(await s.get("missing.bin")).toBeUndefined();
    await s.put("y.bin", new Uint8Array([1]), { ifNoneMatch: "*" }).catch(() => undefined);
    expect(
      server.requests.map(({ method, path, range, ifNoneMatch }) => ({ method, path, range, ifNoneMatch })),
    ).toEqual([
      { method: "GET", path: "/bucket/root/x.bin", range: undefined, ifNoneMatch: undefined },
      { method: "GET", path: "/bucket/root/x.bin", range: "bytes=10-14", ifNoneMatch: undefined },
      { method: "HEAD", path: "/bucket/root/x.bin", range: undefined, ifNoneMatch: undefined },
      { method: "GET", path: "/bucket/root/missing.bin", range: undefined, ifNoneMatch: undefined },
      { method: "PUT", path: "/bucket/root/y.bin", range: undefined, ifNoneMatch: "*" },
    ]);
    expect(sentBySdk()).toEqual([false, false, false, false, false]);
  });

  it("classifies answers as the SDK's path does: SlowDown retryable, 403 not", async () => {
    server.faults = [
      { status: 503, code: "SlowDown" },
      { status: 403, code: "AccessDenied" },
    ];
    await expect(store().get("x.bin")).rejects.toMatchObject({
      status: 503,
      code: "SlowDown",
      retryable: true,
    });
    await expect(store().get("x.bin")).rejects.toMatchObject({
      status: 403,
      code: "AccessDenied",
      retryable: false,
    });
  });

  it("moves to the SDK for good once an answer says the bucket is in another region", async () => {
    const s = store();
    server.faults = [
      { status: 301, code: "PermanentRedirect", headers: { "x-amz-bucket-region": "us-east-1" } },
    ];
    expect(await s.get("x.bin")).toEqual(sequence(100));
    expect(await s.head("x.bin")).toEqual({ size: 100, etag: '"100-0"' });
    // The redirected request, sent again by the SDK, then the next request, by the SDK too.
    expect(sentBySdk()).toEqual([false, true, true]);
  });
});
