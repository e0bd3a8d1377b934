/**
 * How the S3 and GCS backends send conditional puts and read the answers that refuse them, against
 * the local fault server standing in for the service: the answers MinIO and fake-gcs-server do not
 * give on demand (S3's `409 ConditionalRequestConflict`), and the ones that must stay plain errors.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PreconditionFailedError, StorageError } from "../../../job-image/src/api/errors.js";
import { gcsStore } from "../../../job-image/src/storage/gcs.js";
import { s3Store } from "../../../job-image/src/storage/s3.js";
import type { PutOptions, Store } from "../../../job-image/src/storage/types.js";
import { type FaultServer, sequence, startFaultServer } from "./fault-server.js";

describe("conditional puts: what is sent, and which answers refuse them", () => {
  let server: FaultServer;
  let s3: Store;
  let gcs: Store;
  beforeAll(async () => {
    server = await startFaultServer();
    s3 = s3Store("s3://bucket/p", {
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
    });
    gcs = gcsStore("gs://bucket/p", { emulatorHost: server.url, projectId: "test" });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());
  const outcome = (store: Store, options?: PutOptions) =>
    store.put("x.json", sequence(10), options).then(
      () => "written",
      (e: unknown) => e,
    );

  it.each([
    { answer: "412 PreconditionFailed", fault: { status: 412, code: "PreconditionFailed" } },
    { answer: "409 ConditionalRequestConflict", fault: { status: 409, code: "ConditionalRequestConflict" } },
  ])("S3: $answer to a conditional put is a PreconditionFailedError", async ({ fault }) => {
    server.faults = [fault];
    const err = await outcome(s3, { ifMatch: '"abc"' });
    expect(err).toBeInstanceOf(PreconditionFailedError);
    expect(err).toMatchObject({ url: "s3://bucket/p/x.json", key: "x.json", expected: { ifMatch: '"abc"' } });
    expect((err as Error).message).toContain(fault.code);
    expect(server.requests).toMatchObject([{ method: "PUT", path: "/bucket/p/x.json", ifMatch: '"abc"' }]);
  });

  it("S3: sends If-None-Match: * for a create", async () => {
    server.faults = [{ status: 412, code: "PreconditionFailed" }];
    expect(await outcome(s3, { ifNoneMatch: "*" })).toMatchObject({ expected: { ifNoneMatch: "*" } });
    expect(server.requests).toMatchObject([{ method: "PUT", ifMatch: undefined, ifNoneMatch: "*" }]);
  });

  it.each([
    { what: "a 409 of another kind to a conditional put", options: { ifMatch: '"abc"' }, status: 409 },
    { what: "a 412 to an unconditional put", options: undefined, status: 412 },
  ])("S3: $what stays a StorageError", async ({ options, status }) => {
    server.faults = [{ status, code: "OperationAborted" }];
    const err = await outcome(s3, options);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ status, retryable: false });
  });

  it("GCS: sends ifGenerationMatch, 0 for a create, and a 412 is a PreconditionFailedError", async () => {
    server.faults = [{ status: 412 }, { status: 412 }];
    expect(await outcome(gcs, { ifMatch: "1712345678901234" })).toMatchObject({
      key: "x.json",
      expected: { ifMatch: "1712345678901234" },
    });
    expect(await outcome(gcs, { ifNoneMatch: "*" })).toBeInstanceOf(PreconditionFailedError);
    expect(server.requests.map((r) => new URLSearchParams(r.query).get("ifGenerationMatch"))).toEqual([
      "1712345678901234",
      "0",
    ]);
  });
});
