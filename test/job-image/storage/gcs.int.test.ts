import { randomUUID } from "node:crypto";
import { Storage } from "@google-cloud/storage";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { gcsStore } from "../../../job-image/src/storage/gcs.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import { describeAppendLock } from "../collection/lock-suite.js";
import { describeStoreConformance } from "./conformance.js";
import { sequence } from "./fault-server.js";

const infra = inject("infra");
const bucket = `gik-storage-${randomUUID().slice(0, 8)}`;
const options = { emulatorHost: infra.gcs.emulatorHost, projectId: infra.gcs.projectId };

beforeAll(async () => {
  const admin = new Storage({ apiEndpoint: infra.gcs.emulatorHost, projectId: infra.gcs.projectId });
  await admin.createBucket(bucket);
});

describeStoreConformance(
  "gcs (fake-gcs-server)",
  () => openStore(`gs://${bucket}/conformance`, { gcs: options }),
  {
    paginationKeys: 1005,
  },
);

describeAppendLock("gcs (fake-gcs-server)", (root) => openStore(`gs://${bucket}/${root}`, { gcs: options }));

describe("gcsStore configuration", () => {
  it("honours STORAGE_EMULATOR_HOST", async () => {
    const store = gcsStore(`gs://${bucket}/env`, {
      projectId: infra.gcs.projectId,
      env: { STORAGE_EMULATOR_HOST: infra.gcs.emulatorHost },
    });
    await store.put("x.index", sequence(64));
    expect(await store.getRange("x.index", { suffixLength: 4 })).toEqual(sequence(64).subarray(60));
    expect(store.url("x.index")).toBe(`gs://${bucket}/env/x.index`);
  });
});
