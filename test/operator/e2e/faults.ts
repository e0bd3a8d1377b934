/**
 * Faults for the end-to-end tests: a copy of the 20250101 run in MinIO whose index sends one
 * member's message past the end of its GRIB file.
 *
 * @module
 */
import { cp, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { uploadTree } from "../../helpers/s3-objects.js";

/** Where one index line was broken. */
export interface BrokenLine {
  /** Key of the `.index` object (relative to the bucket). */
  key: string;
  /** 1-based line number. */
  line: number;
}

const stepFile = (step: number) => `20250101/00z/ifs/0p25/enfo/20250101000000-${step}h-enfo-ef`;

/**
 * Uploads the 20250101 run of `mirror` to `bucket`, with the index line of member `number`'s
 * `param` at `step` moved to 10 bytes before the end of its GRIB file (so its range reaches past
 * the end). The copy is made in `dir`.
 */
export async function uploadRunWithBrokenRange(
  s3: S3Client,
  mirror: string,
  dir: string,
  bucket: string,
  broken: { step: number; number: number; param: string },
): Promise<BrokenLine> {
  const root = join(dir, bucket);
  await cp(join(mirror, "20250101"), join(root, "20250101"), { recursive: true });
  const key = `${stepFile(broken.step)}.index`;
  const size = (await stat(join(root, `${stepFile(broken.step)}.grib2`))).size;
  const lines = (await readFile(join(root, key), "utf8")).split("\n");
  const at = lines.findIndex((text) => {
    if (!text) return false;
    const entry = JSON.parse(text) as Record<string, string>;
    return Number(entry.number ?? 0) === broken.number && entry.param === broken.param;
  });
  if (at < 0) throw new Error(`${key}: no line for member ${broken.number}, ${broken.param}`);
  lines[at] = JSON.stringify({ ...JSON.parse(lines[at]!), _offset: size - 10 });
  await writeFile(join(root, key), lines.join("\n"));
  await uploadTree(s3, root, bucket);
  return { key, line: at + 1 };
}
