/**
 * The bench's buckets on MinIO: the mirror loaded as `s3://ecmwf-forecasts/…` (the bucket's own
 * layout), and `s3://gik-bench/…` for what the benchmarks write. Talks to MinIO directly, so none
 * of this is counted or delayed.
 *
 * @module
 */

import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mapPool } from "../job-image/src/util/pool.js";
import type { S3Endpoint } from "../test/infra/endpoints.js";

export const SOURCE_BUCKET = "ecmwf-forecasts";
export const OUTPUT_BUCKET = "gik-bench";

export function s3Client(s3: S3Endpoint): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/** Creates both buckets and uploads every file of the mirror under `dates`; returns the bytes loaded. */
export async function loadMirror(client: S3Client, root: string, dates: readonly string[]): Promise<number> {
  for (const bucket of [SOURCE_BUCKET, OUTPUT_BUCKET])
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutBucketPolicyCommand({ Bucket: SOURCE_BUCKET, Policy: publicRead(SOURCE_BUCKET) }));
  return uploadRuns(client, root, dates);
}

/** Uploads the files of a mirror's runs at `dates` into the source bucket; returns the bytes. */
export async function uploadRuns(client: S3Client, root: string, dates: readonly string[]): Promise<number> {
  const files = (await Promise.all(dates.map((d) => listFiles(join(root, d))))).flat();
  const sizes = await mapPool(files, 16, async (path) => {
    const body = await readFile(path);
    await client.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: relative(root, path), Body: body }));
    return body.length;
  });
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * ECMWF's bucket is public and gik reads it unsigned (`storage/s3.ts`), as a Job pod does: MinIO
 * must answer anonymous reads of the mirror as S3 does.
 */
function publicRead(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: ["*"] },
        Action: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

/** Keys and sizes of every object under `prefix`. */
export async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; size: number }[]> {
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) objects.push({ key: o.Key!, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return listFiles(path);
      return (await stat(path)).isFile() ? [path] : [];
    }),
  );
  return nested.flat();
}
