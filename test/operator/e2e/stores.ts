/**
 * Checks of the stores a run wrote to MinIO: the interop check of the stage library
 * (`test/python/test_store_contents.py`: open in xarray as DESIGN.md shows, every chunk what
 * ecCodes decodes from the message it references, read from MinIO through s3fs), and a
 * byte-for-byte comparison of every object of two outputs.
 *
 * @module
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { stepsOf } from "../../../job-image/src/api/index.js";
import { getObject, listObjects } from "../../helpers/s3-objects.js";
import type { S3Endpoint } from "../../infra/endpoints.js";
import { expectation, pytestSharded, type ShardedResult } from "../../job-image/interop/python.js";

const steps = stepsOf(0);
/**
 * What each store of 20250101 00z holds with the generated mirror's default ("mini") fields:
 * 85 steps; two pressure and two soil levels; `mx2t3` (a 3-hour maximum) absent at step 0 and
 * where steps are 6-hourly.
 */
export const MINI_MIRROR_EXPECT = expectation(
  steps,
  { "t/instant/isobaricInhPa": [500, 850], "vsw/instant/soilLayer": [1, 2] },
  { "mx2t3/max/heightAboveGround": steps.filter((s) => s === 0 || s > 144) },
);

/**
 * Runs `test_store_contents.py` in `python` on the stores of `members` under `storesUrl` (an s3://
 * prefix), in two pytest processes at once. Every store is opened and its structure and references
 * checked; the chunks of the `decode` members (default all) are also compared with ecCodes, which
 * costs seconds per store. `consolidated` opens them as zarr-python 3 needs (the peers'
 * environment). The output ends with one line of the total.
 */
export async function checkStoresInPython(
  python: string,
  s3: S3Endpoint,
  storesUrl: string,
  members: readonly string[],
  decode: readonly string[] = members,
  consolidated = false,
): Promise<ShardedResult> {
  const env = {
    GIK_STORES: storesUrl,
    ...(consolidated ? { GIK_OPEN_CONSOLIDATED: "1" } : {}),
    GIK_DECODE_MEMBERS: decode.join(","),
    GIK_EXPECT: MINI_MIRROR_EXPECT,
    GIK_S3_ENDPOINT: s3.endpoint,
    GIK_S3_ACCESS_KEY_ID: s3.accessKeyId,
    GIK_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    GIK_S3_REGION: s3.region,
  };
  const r = await pytestSharded(python, "test_store_contents.py", env, "GIK_MEMBERS", members);
  const total = `${r.passed} of ${members.length} members passed, chunks of ${decode.length} compared with ecCodes (${r.processes} pytest processes)`;
  return { ...r, output: `${r.output}\n${total}\n` };
}

/** How two trees of objects differ; all empty when they are byte-for-byte the same. */
export interface TreeDifference {
  /** Relative keys, in both trees. */
  compared: number;
  onlyInFirst: string[];
  onlyInSecond: string[];
  differing: string[];
}

/** Compares every object under `bucket/first/` with the object of the same relative key under `bucket/second/`. */
export async function compareTrees(
  s3: S3Client,
  bucket: string,
  first: string,
  second: string,
): Promise<TreeDifference> {
  const relative = async (prefix: string) =>
    new Map((await listObjects(s3, bucket, `${prefix}/`)).map((o) => [o.key.slice(prefix.length + 1), o]));
  const [a, b] = [await relative(first), await relative(second)];
  const differing: string[] = [];
  for (const [key, object] of a) {
    const other = b.get(key);
    if (!other) continue;
    const same =
      object.size === other.size &&
      Buffer.from(await getObject(s3, bucket, `${first}/${key}`)).equals(
        Buffer.from(await getObject(s3, bucket, `${second}/${key}`)),
      );
    if (!same) differing.push(key);
  }
  return {
    compared: [...a.keys()].filter((k) => b.has(k)).length,
    onlyInFirst: [...a.keys()].filter((k) => !b.has(k)),
    onlyInSecond: [...b.keys()].filter((k) => !a.has(k)),
    differing,
  };
}
