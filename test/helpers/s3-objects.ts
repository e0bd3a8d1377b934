/**
 * Buckets and objects in the test MinIO (`inject("infra").s3`) through `@aws-sdk/client-s3`:
 * uploading a local tree (a generated mirror) once, listing what a run wrote, and reading objects
 * back to compare them.
 *
 * Invariants:
 * - {@link uploadTree} is idempotent and safe to call from several test files of one run: it
 *   uploads everything under a prefix and writes a marker object last, so a tree whose marker
 *   exists is complete and is not uploaded again.
 *
 * @module
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { S3Endpoint } from "../infra/endpoints.js";

/** A path-style client of `endpoint` (MinIO), with the SDK's own retries. */
export function s3Client(endpoint: S3Endpoint): S3Client {
  return new S3Client({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    forcePathStyle: true,
  });
}

/** Creates `bucket` unless it exists. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw err;
  }
}

/** Whether `key` exists in `bucket`. */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

const UPLOADED_MARKER = ".gik-test-uploaded";

/**
 * Uploads every file under `dir` to `s3://bucket/prefix/<relative path>` (creating the bucket),
 * unless a previous call already did; returns the number of files uploaded (0 when it had been).
 *
 * @example
 * await uploadTree(s3, await ensureMirror({ dates: ["20240529", "20250101"] }), "gik-e2e-mirror");
 */
export async function uploadTree(
  s3: S3Client,
  dir: string,
  bucket: string,
  prefix = "",
  concurrency = 16,
): Promise<number> {
  await ensureBucket(s3, bucket);
  const key = (path: string) => [prefix, relative(dir, path).split(sep).join("/")].filter(Boolean).join("/");
  const marker = [prefix, UPLOADED_MARKER].filter(Boolean).join("/");
  if (await objectExists(s3, bucket, marker)) return 0;
  const files = await listFiles(dir);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const path = files[next++]!;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key(path), Body: await readFile(path) }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: marker, Body: `${files.length} files\n` }));
  return files.length;
}

/** One listed object. */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
}

/** Every object under `prefix` in `bucket`, sorted by key. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? "" });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** The bytes of `s3://bucket/key`. */
export async function getObject(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return res.Body!.transformToByteArray();
}

/** Writes `body` to `s3://bucket/key`. */
export async function putObject(s3: S3Client, bucket: string, key: string, body: Uint8Array | string) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
