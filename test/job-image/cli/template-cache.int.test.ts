/**
 * The local template cache against real S3 (MinIO): templates built into a bucket, then `gik run`
 * three times with `--cache DIR`, every request to MinIO counted by the bench's counting proxy.
 * The second run reads no object of the templates; a cache file cut short is warned about, read
 * again from the bucket and rewritten whole, and the run succeeds. Without a cache, a run reads the
 * manifest once.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CountingProxy, type RequestRecord, startCountingProxy } from "../../../bench/counting-proxy.js";
import { type GikResult, gikS3Env, logRecords, runGik } from "../../helpers/gik-cli.js";
import { ensureMirror } from "../../helpers/mirror.js";
import { ensureBucket, s3Client } from "../../helpers/s3-objects.js";

const infra = inject("infra");
const bucket = `gik-template-cache-${randomUUID().slice(0, 8)}`;
const templates = `s3://${bucket}/templates`;
const MANIFEST = "templates/ecmwf/manifests/20240529/part-0-of-1.json";

let proxy: CountingProxy;
let mirror: string;
let work: string;

/** Credentials of MinIO, its requests sent through the counting proxy. */
const env = () => gikS3Env({ ...infra.s3, endpoint: proxy.url });

beforeAll(async () => {
  const minio = new URL(infra.s3.endpoint);
  proxy = await startCountingProxy({ host: minio.hostname, port: Number(minio.port) });
  mirror = await ensureMirror({ dates: ["20240529", "20250101"], members: 3 });
  work = await mkdtemp(join(tmpdir(), "gik-template-cache-"));
  const s3 = s3Client(infra.s3);
  await ensureBucket(s3, bucket);
  s3.destroy();
  const built = await runGik(
    ["templates", "build", "--date", "20240529", "--source", mirror, "--store", templates],
    env(),
  );
  expect(built.code, built.stderr).toBe(0);
});

afterAll(async () => {
  await proxy?.close();
  await rm(work, { recursive: true, force: true });
});

/** One `gik run` of the target run with the templates in the bucket; the requests it sent MinIO. */
async function run(
  n: number,
  cache = join(work, "cache"),
): Promise<{ result: GikResult; requests: RequestRecord[] }> {
  proxy.take();
  const result = await runGik(
    ["run", "--date", "20250101", "--reference-date", "20240529", "--members", "control,ens01,ens02"].concat([
      "--source",
      mirror,
      "--templates",
      templates,
      "--out",
      join(work, `stores-${n}`),
      "--cache",
      cache,
    ]),
    env(),
  );
  return { result, requests: proxy.take().filter((r) => r.bucket === bucket) };
}

const gets = (requests: RequestRecord[]) =>
  requests.filter((r) => r.method === "GET" && r.key.startsWith("templates/")).map((r) => r.key);

/** `LIST 1, HEAD 0, GET 0`: what a run asked of the templates bucket. */
function summary(requests: RequestRecord[]): string {
  const lists = requests.filter((r) => r.method === "GET" && r.key === "").length;
  const heads = requests.filter((r) => r.method === "HEAD").length;
  return `LIST ${lists}, HEAD ${heads}, GET ${gets(requests).length}`;
}

describe("gik run with the template cache", () => {
  it("reads the manifest once, no template object on the second run, and refetches a truncated entry", async () => {
    const first = await run(1);
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(first.result.stdout.match(/ written /g)).toHaveLength(3);
    expect(gets(first.requests)).toEqual([MANIFEST]);
    // The listing gives the manifest's version; the HEAD after its GET checks it held meanwhile.
    expect(summary(first.requests)).toBe("LIST 1, HEAD 1, GET 1");

    const second = await run(2);
    expect(second.result.code, second.result.stderr).toBe(0);
    expect(second.result.stdout.match(/ written /g)).toHaveLength(3);
    expect(summary(second.requests)).toBe("LIST 1, HEAD 0, GET 0");
    console.log(
      `template cache: first run ${summary(first.requests)}; second run ${summary(second.requests)}`,
    );

    const files = await readdir(join(work, "cache"), { recursive: true, withFileTypes: true });
    const entries = files.filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name));
    expect(entries).toHaveLength(1);
    const file = entries[0]!;
    const whole = await readFile(file);
    await truncate(file, whole.length >> 1);

    const third = await run(3);
    expect(third.result.code, third.result.stderr).toBe(0);
    expect(third.result.stdout.match(/ written /g)).toHaveLength(3);
    expect(gets(third.requests)).toEqual([MANIFEST]);
    const warning = logRecords(third.result.stderr).find(
      (l) => l.msg === "template cache: corrupt entry, refetching it",
    );
    expect(warning).toMatchObject({ file, level: 40 });
    expect((await stat(file)).size).toBe(whole.length);
    expect(await readFile(file)).toEqual(whole);
    console.log(`template cache: truncated entry, third run ${summary(third.requests)}`);
  });

  it("without a cache (as in a pod), reads the manifest once: one LIST, one GET", async () => {
    const uncached = await run(4, "none");
    expect(uncached.result.code, uncached.result.stderr).toBe(0);
    expect(gets(uncached.requests)).toEqual([MANIFEST]);
    expect(summary(uncached.requests)).toBe("LIST 1, HEAD 0, GET 1");
  });
});
