/**
 * Bad input gets a clear error naming the file, line or field, publishes no store for the members
 * it touches, and leaves the other members' stores intact. Runs the built `gik` on copies of a
 * small generated mirror (control + 2 members, 85 steps), corrupted one way per case.
 */

import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type GikResult, logRecords, runGik } from "../../helpers/gik-cli.js";
import { ensureMirror } from "../../helpers/mirror.js";
import { ensureBucket, s3Client } from "../../helpers/s3-objects.js";

const MEMBERS = ["control", "ens01", "ens02"];
const STEP_FILE = (step: number) => `20250101/00z/ifs/0p25/enfo/20250101000000-${step}h-enfo-ef`;

let mirror: string;
let work: string;
let templates: string;

beforeAll(async () => {
  mirror = await ensureMirror({ dates: ["20240529", "20250101"], members: 3 });
  work = await mkdtemp(join(tmpdir(), "gik-faults-"));
  templates = join(work, "templates");
  const built = await runGik([
    "templates",
    "build",
    "--date",
    "20240529",
    "--source",
    mirror,
    "--store",
    templates,
  ]);
  expect(built.stderr).not.toMatch(/"level":50/);
  expect(built.code).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A fresh copy of the target run (and of the templates) to corrupt. */
async function caseDir(name: string): Promise<{ source: string; templates: string; out: string }> {
  const dir = join(work, name);
  await cp(join(mirror, "20250101"), join(dir, "source", "20250101"), { recursive: true });
  await cp(templates, join(dir, "templates"), { recursive: true });
  return { source: join(dir, "source"), templates: join(dir, "templates"), out: join(dir, "out") };
}

function run(c: { source: string; templates: string; out: string }, ...extra: string[]): Promise<GikResult> {
  return runGik([
    "run",
    "--date",
    "20250101",
    "--reference-date",
    "20240529",
    "--members",
    MEMBERS.join(","),
    "--source",
    c.source,
    "--templates",
    c.templates,
    "--out",
    c.out,
    ...extra,
  ]);
}

const storeOf = (c: { out: string }, member: string) => join(c.out, "20250101", "00z", `${member}.parquet`);
const published = (c: { out: string }, member: string) => existsSync(join(storeOf(c, member), ".zmetadata"));

/** Rewrites the index line of `number`'s `param` message; returns its 1-based line number. */
async function editLine(
  indexPath: string,
  match: { number: number; param: string },
  edit: (line: Record<string, unknown>, text: string) => string,
): Promise<number> {
  const lines = (await readFile(indexPath, "utf8")).split("\n");
  const at = lines.findIndex((l) => {
    if (!l) return false;
    const e = JSON.parse(l) as Record<string, string>;
    return Number(e.number ?? 0) === match.number && e.param === match.param;
  });
  expect(at).toBeGreaterThanOrEqual(0);
  lines[at] = edit(JSON.parse(lines[at]!) as Record<string, unknown>, lines[at]!);
  await writeFile(indexPath, lines.join("\n"));
  return at + 1;
}

describe("gik run on bad input", () => {
  it("names file and line of an index line cut short (whose it is unknown), and publishes no store", async () => {
    const c = await caseDir("malformed");
    const index = join(c.source, `${STEP_FILE(24)}.index`);
    const line = await editLine(index, { number: 1, param: "msl" }, (_e, text) => text.slice(0, 40));
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${index}:${line}:`);
    for (const m of MEMBERS) expect(published(c, m)).toBe(false);
  });

  it("fails only the member whose malformed index line still says whose it is, naming file and line", async () => {
    const c = await caseDir("malformed-member");
    const index = join(c.source, `${STEP_FILE(24)}.index`);
    const line = await editLine(index, { number: 2, param: "msl" }, (_e, text) =>
      text.replace(/"param": ?"msl"/, '"param": msl'),
    );
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`ens02 +failed .*${index.replaceAll(".", "\\.")}:${line}: `));
    expect(published(c, "ens02")).toBe(false);
    expect(published(c, "control")).toBe(true);
    expect(published(c, "ens01")).toBe(true);
  });

  it("names the last line of a truncated index", async () => {
    const c = await caseDir("truncated");
    const index = join(c.source, `${STEP_FILE(150)}.index`);
    const text = await readFile(index, "utf8");
    await writeFile(index, text.slice(0, text.trimEnd().length - 25));
    const lines = text.trimEnd().split("\n").length;
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${index}:${lines}:`);
    for (const m of MEMBERS) expect(published(c, m)).toBe(false);
  });

  it("fails only the member whose index entry reaches past the end of its GRIB file", async () => {
    const c = await caseDir("past-end");
    const index = join(c.source, `${STEP_FILE(48)}.index`);
    const size = (await stat(join(c.source, `${STEP_FILE(48)}.grib2`))).size;
    const line = await editLine(index, { number: 1, param: "2t" }, (e) =>
      JSON.stringify({ ...e, _offset: size - 10 }),
    );
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        `ens01 +failed .*${index.replaceAll(".", "\\.")}:${line} \\(2t:sfc:, member 1\\) reaches past the end`,
      ),
    );
    expect(published(c, "ens01")).toBe(false);
    expect(published(c, "control")).toBe(true);
    expect(published(c, "ens02")).toBe(true);
  });

  it("fails only the member whose index line says another step than its file's, naming file and line", async () => {
    const c = await caseDir("wrong-step");
    const index = join(c.source, `${STEP_FILE(48)}.index`);
    const line = await editLine(index, { number: 2, param: "msl" }, (e) =>
      JSON.stringify({ ...e, step: "45" }),
    );
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        `ens02 +failed .*${index.replaceAll(".", "\\.")}:${line}: msl:sfc:, member 2: step 45 in the file of step 48`,
      ),
    );
    expect(published(c, "ens02")).toBe(false);
    expect(published(c, "control")).toBe(true);
    expect(published(c, "ens01")).toBe(true);
  });

  it("names a missing step file and publishes no store", async () => {
    const c = await caseDir("missing-step");
    const grib = join(c.source, `${STEP_FILE(150)}.grib2`);
    await rm(grib);
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain(`GRIB file of step 150h (enfo-ef) not found: ${grib}`);
    for (const m of MEMBERS) expect(published(c, m)).toBe(false);
  });

  // A run reads its reference's manifest, not one template per member and step (984ef0c): the
  // templates' fault a run meets is a build that is missing or incomplete.
  it("names a truncated templates manifest and publishes no store", async () => {
    const c = await caseDir("truncated-manifest");
    const manifests = join(c.templates, "ecmwf/manifests/20240529");
    const [part] = await readdir(manifests);
    expect(part).toBeDefined();
    const file = join(manifests, part as string);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.slice(0, text.length >> 1));
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain(file);
    for (const m of MEMBERS) expect(published(c, m)).toBe(false);
  });

  it("fails the member whose range does not start with GRIB", async () => {
    const c = await caseDir("not-grib");
    const index = join(c.source, `${STEP_FILE(12)}.index`);
    const line = await editLine(index, { number: 2, param: "tp" }, (e) =>
      JSON.stringify({ ...e, _offset: (e._offset as number) + 8 }),
    );
    const r = await run(c);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(`ens02 +failed .*:${line} \\(tp:sfc:, member 2\\) does not start with GRIB`),
    );
    expect(published(c, "ens02")).toBe(false);
    expect(published(c, "control")).toBe(true);
  });

  it("writes nothing the second time the same run is made", async () => {
    const c = await caseDir("twice");
    const first = await run(c);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/ written /g)).toHaveLength(3);
    const marker = join(storeOf(c, "ens01"), ".zmetadata");
    const before = (await stat(marker)).mtimeMs;
    const second = await run(c);
    expect(second.code).toBe(0);
    expect(second.stdout.match(/ unchanged /g)).toHaveLength(3);
    expect((await stat(marker)).mtimeMs).toBe(before);
    // A changed input (a new index) makes that run write again.
    await editLine(join(c.source, `${STEP_FILE(0)}.index`), { number: 0, param: "msl" }, (_e, t) => `${t} `);
    const third = await run(c);
    expect(third.stdout.match(/ written /g)).toHaveLength(3);
    // A store whose .zmetadata was cut short is no store to compare: reported, and written whole.
    const cut = join(storeOf(c, "control"), ".zmetadata");
    await writeFile(cut, (await readFile(cut)).subarray(0, 100));
    const fourth = await run(c);
    expect(fourth.code).toBe(0);
    expect(fourth.stdout).toMatch(/control +written /);
    expect(fourth.stdout.match(/ unchanged /g)).toHaveLength(2);
    const warning = logRecords(fourth.stderr).find(
      (r) => r.msg === "existing store is corrupt: replacing it",
    );
    expect(warning?.reason).toMatch(/control\.parquet\/\.zmetadata is not JSON/);
    expect(JSON.parse(await readFile(cut, "utf8")).gik.digest).toMatch(/^sha256:/);
  });
});

describe("gik run with an S3 output and a credential chain that fails", () => {
  it("fails with an error naming the provider and its cause, and writes nothing, not even unsigned", async () => {
    const c = await caseDir("credentials");
    const s3 = s3Client(inject("infra").s3);
    const bucket = `gik-credentials-${randomUUID().slice(0, 8)}`;
    await ensureBucket(s3, bucket);
    // Anyone may write here: a run that fell back to unsigned requests would leave objects.
    const Statement = [
      {
        Effect: "Allow",
        Principal: { AWS: ["*"] },
        Action: ["s3:*"],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ];
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: "2012-10-17", Statement }),
      }),
    );
    const gone = (name: string) => join(c.out, "..", name);
    const r = await runGik(
      ["run", "--date", "20250101", "--reference-date", "20240529", "--members", "control"].concat([
        "--source",
        c.source,
        "--templates",
        c.templates,
        "--out",
        `s3://${bucket}/stores`,
      ]),
      {
        AWS_ENDPOINT_URL_S3: inject("infra").s3.endpoint,
        AWS_ACCESS_KEY_ID: "",
        AWS_SECRET_ACCESS_KEY: "",
        AWS_PROFILE: "",
        AWS_CONFIG_FILE: gone("no-config"),
        AWS_SHARED_CREDENTIALS_FILE: gone("no-credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_WEB_IDENTITY_TOKEN_FILE: gone("no-token"),
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/gik-writer",
      },
    );
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toContain(
      `web identity token file ${gone("no-token")} (AWS_WEB_IDENTITY_TOKEN_FILE)`,
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount ?? 0).toBe(0);
    s3.destroy();
  });
});

describe("gik run on structure drift", () => {
  let drifted: string;
  beforeAll(async () => {
    drifted = await ensureMirror({
      dates: ["20250101"],
      members: 3,
      fields: "2t,tp,mx2t3,msl,t@500/850,vsw@1/2,10u",
    });
  });

  it("with --on-drift fail, names the unknown field and publishes nothing", async () => {
    const out = join(work, "drift-fail");
    const r = await run({ source: drifted, templates, out }, "--on-drift", "fail");
    expect(r.code).toBe(2);
    for (const m of MEMBERS)
      expect(r.stdout).toMatch(
        new RegExp(`${m} +failed .*structure drift: .*1 unknown to the templates \\(10u:sfc:\\)`),
      );
    expect(existsSync(join(out, "20250101"))).toBe(false);
  });

  it("with --on-drift rebuild, templates the run itself and writes every store with the new field", async () => {
    const out = join(work, "drift-rebuild");
    const r = await run({ source: drifted, templates, out }, "--on-drift", "rebuild");
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ written /g)).toHaveLength(3);
    expect(existsSync(join(out, "20250101/00z/ens02.parquet/u10/instant/heightAboveGround/u10"))).toBe(true);
    expect(r.stderr).toContain("structure drift: rebuilding templates from the run itself");
  });
});
