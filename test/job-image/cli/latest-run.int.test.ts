/**
 * `gik run --date latest` and `gik runs list` against a bucket in MinIO that holds yesterday's run
 * complete and today's still publishing: the last `oper-fc` index of the control (IFS 50r1 layout)
 * is not there yet, which only a check of both streams notices.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { gikS3Env, logRecords, runGik } from "../../helpers/gik-cli.js";
import { ensureMirror } from "../../helpers/mirror.js";
import { s3Client, uploadTree } from "../../helpers/s3-objects.js";

const infra = inject("infra");
const s3Env = gikS3Env(infra.s3);
const yyyymmdd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll("-", "");
const DAY_MS = 86_400_000;
let today: string;
let yesterday: string;
const bucket = `gik-latest-${randomUUID().slice(0, 8)}`;
const source = `s3://${bucket}/mirror`;

let work: string;

/** Uploads yesterday's run and today's, today's without its last control index. */
async function publish(): Promise<void> {
  const mirror = await ensureMirror({ dates: [yesterday, today], members: 2 });
  const s3 = s3Client(infra.s3);
  await uploadTree(s3, mirror, bucket, "mirror");
  const last = `mirror/${today}/00z/ifs/0p25/oper/${today}000000-360h-oper-fc.index`;
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: last }));
  s3.destroy();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "gik-latest-"));
  // gik reads the clock itself: the tests must run on the day the bucket was filled for, a minute
  // at least before midnight UTC (they take seconds); a fill that ends later is done again.
  for (;;) {
    const toMidnight = DAY_MS - (Date.now() % DAY_MS);
    if (toMidnight < 120_000) await new Promise((r) => setTimeout(r, toMidnight + 1000));
    today = yyyymmdd(Date.now());
    yesterday = yyyymmdd(Date.now() - DAY_MS);
    await publish();
    if (yyyymmdd(Date.now() + 60_000) === today) break;
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("the newest complete run", () => {
  it("gik runs list shows today's run publishing and yesterday's complete", async () => {
    const r = await runGik(["runs", "list", "--since", yesterday, "--cycle", "0", "--source", source], s3Env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      `${today} 00z  publishing  169/170 step files`,
      `${yesterday} 00z  complete    170/170 step files`,
    ]);
  });

  it("gik run --date latest maps yesterday's run, found with a LIST per stream of each run looked at", async () => {
    const r = await runGik(
      ["run", "--date", "latest", "--members", "control", "--source", source].concat([
        "--templates",
        join(work, "templates"),
        "--out",
        join(work, "stores"),
      ]),
      s3Env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`control +written .*/${yesterday}/00z/control\\.parquet`));
    const found = logRecords(r.stderr).find((l) => l.msg === "latest complete run");
    expect(found).toMatchObject({ run: `${yesterday} 00z`, requests: 4 });
    console.log(`gik run --date latest: ${yesterday} 00z, found with ${found?.requests} LIST requests`);
  });
});
