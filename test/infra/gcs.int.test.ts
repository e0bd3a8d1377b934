import { randomBytes, randomUUID } from "node:crypto";
import { Storage } from "@google-cloud/storage";
import { beforeAll, describe, expect, inject, it } from "vitest";

const infra = inject("infra");
const bucketName = `infra-${randomUUID().slice(0, 8)}`;
const object = randomBytes(20 * 1024 * 1024);
const storage = new Storage({ apiEndpoint: infra.gcs.emulatorHost, projectId: infra.gcs.projectId });
const bucket = storage.bucket(bucketName);

beforeAll(async () => {
  await storage.createBucket(bucketName);
  // A resumable upload: its follow-up requests go to the URL the emulator hands out.
  await bucket.file("big.bin").save(object, { resumable: true });
});

describe("fake-gcs-server through @google-cloud/storage", () => {
  it.each([
    { name: "first bytes", start: 0, end: 1023 },
    { name: "across the 8 MiB mark", start: 8 * 1024 * 1024 - 100, end: 8 * 1024 * 1024 + 99 },
    { name: "last byte", start: object.length - 1, end: object.length - 1 },
  ])("range-reads a 20 MB object: $name", async ({ start, end }) => {
    const [bytes] = await bucket.file("big.bin").download({ start, end, validation: false });
    expect(bytes).toEqual(object.subarray(start, end + 1));
  });

  it("reports the size and reads the whole 20 MB object back", async () => {
    const [metadata] = await bucket.file("big.bin").getMetadata();
    expect(Number(metadata.size)).toBe(object.length);
    const [bytes] = await bucket.file("big.bin").download();
    expect(bytes.equals(object)).toBe(true);
  });
});
