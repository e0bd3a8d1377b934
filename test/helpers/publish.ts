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

/** Steps being written at once, at most. */
const PARALLEL_STEPS = 8;

export interface Publication {
  /** Run date (`YYYYMMDD`) of the mirror's files to publish. */
  date: string;
  /** Time from the first step's GRIB file to the last step's index (0: as fast as it goes). */
  spanMs: number;
  /** Steps never published. */
  withhold?: readonly number[];
}

export interface Published {
  /** The keys written, in the order their writes ended. */
  keys: string[];
  /** `Date.now()` once the last write ended (the last step's index, or one that ended after it). */
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
  let next = 0;
  // Workers take the steps in order, each when it is due; several at once only when a step's
  // writes take longer than the time between steps (or all at once when spanMs is 0).
  const worker = async () => {
    for (let i = next++; i < steps.length; i = next++) {
      const file = steps[i]!;
      const due = start + (publication.spanMs * i) / Math.max(1, steps.length - 1);
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      const index = file.path.replace(/\.grib2$/, ".index");
      for (const key of [file.path, index]) {
        await putObject(s3, bucket, key, await readFile(join(mirror, key)));
        keys.push(key);
      }
      lastIndexAt = Math.max(lastIndexAt, Date.now());
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_STEPS }, worker));
  return { keys, lastIndexAt };
}
