/**
 * ECMWF publishing a run, played into MinIO: a generated mirror's step files of one run copied to
 * a bucket step by step in ECMWF's order (each GRIB file, then its `.index`), spread over a given
 * time, so that tests can watch runs that wait for their files.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { readMirrorManifest } from "./mirror.js";
import { ensureBucket, putObject } from "./s3-objects.js";

export interface Publication {
  /** Run date (`YYYYMMDD`) of the mirror's files to publish. */
  date: string;
  /** Time from the first step's GRIB file to the last step's index (0: as fast as it goes). */
  spanMs: number;
  /** Steps never published. */
  withhold?: readonly number[];
}

export interface Published {
  /** The keys written, in order. */
  keys: string[];
  /** `Date.now()` once the last index object was written. */
  lastIndexAt: number;
}

/**
 * Publishes run `publication.date` of the mirror at `mirror` into `bucket` (created if needed) under
 * the mirror's paths: for each step in ascending order its GRIB file, then its index, the steps
 * evenly spread over `spanMs`.
 */
export async function publishOverTime(
  s3: S3Client,
  mirror: string,
  bucket: string,
  publication: Publication,
): Promise<Published> {
  const { files } = await readMirrorManifest(mirror);
  const withheld = new Set(publication.withhold ?? []);
  const steps = files
    .filter((f) => f.date === publication.date && !withheld.has(f.step))
    .sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
  if (steps.length === 0) throw new Error(`${mirror}: no step files of ${publication.date} to publish`);
  await ensureBucket(s3, bucket);
  const start = Date.now();
  const keys: string[] = [];
  let lastIndexAt = start;
  for (const [i, file] of steps.entries()) {
    const due = start + (publication.spanMs * i) / Math.max(1, steps.length - 1);
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    const index = file.path.replace(/\.grib2$/, ".index");
    for (const key of [file.path, index]) {
      await putObject(s3, bucket, key, await readFile(join(mirror, key)));
      keys.push(key);
    }
    lastIndexAt = Date.now();
  }
  return { keys, lastIndexAt };
}
