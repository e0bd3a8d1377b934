/**
 * A forecast collection of four runs of two eras (IFS before and after 50r1), appended out of order
 * and again, one run with a field and a pressure level the others lack, kept in S3 (MinIO): opened
 * as one dataset in both reader environments, every chunk checked against ecCodes, what a run lacks
 * NaN. Then two appenders at once, on MinIO and on the GCS emulator, and the README's snippet.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ALL_MEMBERS } from "../../../job-image/src/api/members.js";
import { stepsOf } from "../../../job-image/src/api/run-id.js";
import { type GikResult, gikS3Env, runGik } from "../../helpers/gik-cli.js";
import { ensureMirror, MINI_GROUPS } from "../../helpers/mirror.js";
import { ensureBucket, s3Client } from "../../helpers/s3-objects.js";
import { pytest } from "./python.js";

const infra = inject("infra");
const steps = stepsOf(0);
const BUCKET = "gik-collections";
const s3Env = gikS3Env(infra.s3);
const pyS3Env = {
  GIK_S3_ENDPOINT: infra.s3.endpoint,
  GIK_S3_ACCESS_KEY_ID: infra.s3.accessKeyId,
  GIK_S3_SECRET_ACCESS_KEY: infra.s3.secretAccessKey,
  GIK_S3_REGION: infra.s3.region,
};

let plain: string;
let wider: string;
let work: string;

beforeAll(async () => {
  [plain, wider] = await Promise.all([
    ensureMirror({ dates: ["20260510", "20260511", "20260512"] }),
    ensureMirror({ dates: ["20260513"], fields: "2t,tp,mx2t3,msl,t@500/700/850,vsw@1/2,2d" }),
  ]);
  work = await mkdtemp(join(tmpdir(), "gik-collection-"));
  await ensureBucket(s3Client(infra.s3), BUCKET);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * `gik run` of one run into `collection`, with the templates of its mirror's first run: the three
 * runs of `plain` share one structure, so their templates are built once; `wider` has its own.
 */
function append(
  date: string,
  source: string,
  collection: string,
  env: NodeJS.ProcessEnv = s3Env,
): Promise<GikResult> {
  const reference = source === wider ? "20260513" : "20260510";
  return runGik(
    [
      "run",
      ...["--date", date, "--reference-date", reference, "--source", source],
      ...["--templates", join(work, "templates"), "--out", join(work, "stores"), "--layout", "ensemble"],
      ...["--collection", collection],
    ],
    env,
  );
}

/** The collection line of a run: status, slot, objects and bytes written. */
function collectionLine(r: GikResult) {
  const line = r.stdout.split("\n").find((l) => l.startsWith("collection")) ?? "";
  const slot = /slot (\d+) of (\d+)/.exec(line);
  const written = /\((\d+) objects \((\d+) bytes\) written/.exec(line);
  return {
    line,
    status: /^collection (\w+)/.exec(line)?.[1],
    slot: Number(slot?.[1]),
    slots: Number(slot?.[2]),
    objects: Number(written?.[1]),
    bytes: Number(written?.[2]),
  };
}

describe("a collection of four runs of two eras, in S3", () => {
  const url = `s3://${BUCKET}/ens`;
  const appended: ReturnType<typeof collectionLine>[] = [];

  it("takes the runs in any order: the first creates it, a late one fills its slot, one again changes nothing", async () => {
    for (const [date, source] of [
      ["20260510", () => plain],
      ["20260512", () => plain],
      ["20260513", () => wider],
      ["20260511", () => plain],
    ] as const) {
      const r = await append(date, source(), url);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      appended.push(collectionLine(r));
    }
    console.log(appended.map((a) => a.line).join("\n"));
    expect(appended.map((a) => [a.status, a.slot, a.slots])).toEqual([
      ["appended", 0, 1],
      ["appended", 2, 3],
      ["appended", 3, 4],
      ["appended", 1, 4],
    ]);
    expect(appended[2]!.line).toMatch(/level axis of t\/instant\/isobaricInhPa\/t rewritten/);
    const again = collectionLine(await append("20260511", plain, url));
    expect(again.status).toBe("unchanged");
  });

  it("writes per append the run's files, the time coordinates and the metadata, whatever the runs already there", () => {
    const [, second, , fourth] = appended;
    // The fourth append comes after a field (2d: d2m) and a level (t at 700 hPa) were added: the
    // new group's two time files and the third level's record file are the only growth.
    expect(fourth!.objects).toBe(second!.objects + 2 + 1);
    expect(fourth!.bytes).toBeLessThan(second!.bytes * 1.5);
  });

  it("lists its runs, members and rewrites", async () => {
    const r = await runGik(["collection", "info", url], s3Env);
    expect(r.code, r.stderr).toBe(0);
    console.log(r.stdout);
    expect(r.stdout).toMatch(
      /4 runs in 4 slots \(cycles 0z, from 20260510 00z\), 85 steps, 51 members, 10 fields/,
    );
    for (const d of ["20260510", "20260511", "20260512", "20260513"])
      expect(r.stdout).toMatch(new RegExp(`${d} 00z  51 members`));
    expect(r.stdout).toMatch(
      /rewritten: t\/instant\/isobaricInhPa\/t when run 2026051300 came \(levels 500, 850 → 500, 700, 850\)/,
    );
  });

  const expectation = () => {
    const times = ["2026-05-10T00", "2026-05-11T00", "2026-05-12T00", "2026-05-13T00"];
    const members = ALL_MEMBERS.map((_, n) => n);
    const present = Object.fromEntries(
      times.map((t) => [
        t,
        {
          members,
          groups: t.startsWith("2026-05-13")
            ? {
                ...MINI_GROUPS,
                "t/instant/isobaricInhPa": [500, 700, 850],
                "d2m/instant/heightAboveGround": [],
              }
            : MINI_GROUPS,
        },
      ]),
    );
    return JSON.stringify({
      times,
      steps,
      levels: { "t/instant/isobaricInhPa": [500, 700, 850], "vsw/instant/soilLayer": [1, 2] },
      present,
      absent_steps: { "mx2t3/max/heightAboveGround": steps.filter((s) => s === 0 || s > 144) },
    });
  };

  it("opens as one dataset (zarr-python 2, consolidated=False): every reference its message, chunks what ecCodes decodes, what a run lacks NaN", async () => {
    const r = await pytest(infra.python, "test_dataset_contents.py", {
      ...pyS3Env,
      GIK_DATASET: url,
      GIK_REMOTE_PROTOCOL: "file",
      GIK_EXPECT: expectation(),
      // Every member's references against their index lines; the values of the control (of both
      // eras) and the last member against ecCodes.
      GIK_CHUNK_MEMBERS: "0,50",
    });
    console.log(
      r.output
        .split("\n")
        .filter((l) => /passed|failed|checked|Error/.test(l))
        .join("\n"),
    );
    expect(r.output).toMatch(/2 passed, 1 skipped/);
    expect(r.code).toBe(0);
  });

  it("opens as one dataset with zarr-python 3 through its consolidated metadata", async () => {
    const r = await pytest(infra.pythonPeers, "test_dataset_contents.py", {
      ...pyS3Env,
      GIK_DATASET: url,
      GIK_REMOTE_PROTOCOL: "file",
      GIK_EXPECT: expectation(),
      GIK_OPEN_CONSOLIDATED: "1",
      // References and values were compared above; here that zarr-python 3 reads the same, for one member.
      GIK_CHUNK_MEMBERS: "0",
      GIK_REFERENCE_MEMBERS: "0",
    });
    expect(r.output).toMatch(/2 passed, 1 skipped/);
    expect(r.code).toBe(0);
  });
});

describe("two appenders at once", () => {
  /** Appends the first run, then the next two at the same time; both land. */
  async function race(url: string, env: NodeJS.ProcessEnv): Promise<void> {
    const first = await append("20260510", plain, url, env);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const [a, b] = await Promise.all([
      append("20260511", plain, url, env),
      append("20260512", plain, url, env),
    ]);
    expect([a.code, b.code], a.stderr.slice(-1000) + b.stderr.slice(-1000)).toEqual([0, 0]);
    expect([collectionLine(a).status, collectionLine(b).status]).toEqual(["appended", "appended"]);
    const info = await runGik(["collection", "info", url], env);
    expect(info.stdout).toMatch(/3 runs in 3 slots/);
  }

  it("on MinIO: both runs land", async () => {
    await race(`s3://${BUCKET}/race`, s3Env);
  });

  it("on the GCS emulator: both runs land", async () => {
    const bucket = "gik-collections-gcs";
    const storage = new Storage({
      apiEndpoint: infra.gcs.emulatorHost,
      projectId: infra.gcs.projectId,
    });
    await storage.createBucket(bucket).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    await race(`gs://${bucket}/race`, { STORAGE_EMULATOR_HOST: infra.gcs.emulatorHost });
  });
});

describe("the README's snippet for scientists", () => {
  it("opens the collection and computes, for the latest run, the probability that t2m exceeds a threshold at a point", async () => {
    const readme = await readFile(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
    const snippet = /<!-- snippet: ensemble-probability -->\s*```python\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, "README has the ensemble-probability snippet").toBeDefined();
    const r = await pytest(infra.python, "test_readme_snippet.py", {
      ...pyS3Env,
      GIK_SNIPPET: snippet!,
      GIK_SNIPPET_REPLACE: JSON.stringify({
        "s3://my-bucket/gik/collection": `s3://${BUCKET}/ens`,
        '"target_options": {"max_concurrency": 1}':
          '"target_options": {**@S3_OPTIONS@, "max_concurrency": 1}',
        '"remote_protocol": "s3", "remote_options": {"anon": True}': '"remote_protocol": "file"',
      }),
      GIK_SNIPPET_OUTPUT: join(work, "snippet.txt"),
    });
    expect(r.code, r.output).toBe(0);
    const printed = await readFile(join(work, "snippet.txt"), "utf8");
    console.log(printed);
    expect(printed).toMatch(/probability that 2 m temperature exceeds 295 K/);
    // One probability per step, each a fraction of the 51 members.
    const values = [...printed.matchAll(/^\s*\S+ days? \S+\s+([0-9.]+)$/gm)].map((m) => Number(m[1]));
    expect(values.length).toBeGreaterThan(80);
    for (const v of values) expect(Math.round(v * 51) / 51).toBeCloseTo(v, 6);
  });
});
