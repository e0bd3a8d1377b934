/**
 * Eras of the ECMWF tree: after IFS 50r1 the control comes from `oper-fc`; 06/18 UTC runs have 49
 * steps; before 2024-02-29 runs are under `0p4-beta`. Each is decided from what is published, and
 * each run's stores open in xarray with every chunk equal to what ecCodes decodes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stepsOf } from "../../../job-image/src/api/run-id.js";
import { fsStore } from "../../../job-image/src/storage/fs.js";
import { readStore } from "../../../job-image/src/verify/read-store.js";
import { runGik } from "../../helpers/gik-cli.js";
import { ensureMirror } from "../../helpers/mirror.js";
import { expectation, pytest } from "./python.js";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "gik-eras-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The distinct GRIB files a store's chunks point into. */
async function referencedFiles(storeDir: string, member: string): Promise<string[]> {
  const refs = await readStore(fsStore(storeDir), `${member}.parquet`);
  const urls = new Set<string>();
  for (const v of Object.values(refs.refs)) if (Array.isArray(v)) urls.add(v[0] as string);
  return [...urls];
}

function levelsAndAbsent(cycle: number) {
  const steps = stepsOf(cycle);
  return expectation(
    steps,
    { "t/instant/isobaricInhPa": [500, 850], "vsw/instant/soilLayer": [1, 2] },
    { "mx2t3/max/heightAboveGround": steps.filter((s) => s === 0 || s > 144) },
  );
}

describe("after IFS 50r1 (20260601)", () => {
  it("writes 51 members, the control from oper-fc", async () => {
    const mirror = await ensureMirror({ dates: ["20260601"] });
    const out = join(work, "post50r1");
    const r = await runGik([
      "run",
      "--date",
      "20260601",
      "--source",
      mirror,
      "--templates",
      join(out, "t"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ written /g)).toHaveLength(51);
    const dir = join(out, "20260601/00z");
    const control = await referencedFiles(dir, "control");
    expect(control).toHaveLength(85);
    expect(control.every((u) => u.includes("/ifs/0p25/oper/") && u.endsWith("-oper-fc.grib2"))).toBe(true);
    const ens = await referencedFiles(dir, "ens50");
    expect(ens.every((u) => u.endsWith("-enfo-ef.grib2"))).toBe(true);
    const py = await pytest(inject("infra").python, "test_store_contents.py", {
      GIK_STORES: dir,
      GIK_MEMBERS: "control,ens01,ens50",
      GIK_EXPECT: levelsAndAbsent(0),
    });
    expect(py.output).toMatch(/3 passed/);
  });
});

describe("a 06 UTC run", () => {
  it("has 49 steps", async () => {
    const mirror = await ensureMirror({ dates: ["20250101"], cycle: 6, members: 3 });
    const out = join(work, "06z");
    const r = await runGik([
      "run",
      "--date",
      "20250101",
      "--cycle",
      "6",
      "--members",
      "control,ens01,ens02",
      "--source",
      mirror,
      "--templates",
      join(out, "t"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const dir = join(out, "20250101/06z");
    expect(await referencedFiles(dir, "ens02")).toHaveLength(49);
    const py = await pytest(inject("infra").python, "test_store_contents.py", {
      GIK_STORES: dir,
      GIK_MEMBERS: "control,ens02",
      GIK_EXPECT: levelsAndAbsent(6),
    });
    expect(py.output).toMatch(/2 passed/);
  });
});

describe("a 0p4-beta date (20231201)", () => {
  it("reads from the 0p4-beta tree", async () => {
    const mirror = await ensureMirror({ dates: ["20231201"], members: 3 });
    const out = join(work, "0p4");
    const r = await runGik([
      "run",
      "--date",
      "20231201",
      "--members",
      "control,ens01,ens02",
      "--source",
      mirror,
      "--templates",
      join(out, "t"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const dir = join(out, "20231201/00z");
    const files = await referencedFiles(dir, "ens01");
    expect(files).toHaveLength(85);
    expect(files.every((u) => u.includes("/20231201/00z/0p4-beta/enfo/"))).toBe(true);
    const py = await pytest(inject("infra").python, "test_store_contents.py", {
      GIK_STORES: dir,
      GIK_MEMBERS: "control,ens01",
      GIK_EXPECT: levelsAndAbsent(0),
    });
    expect(py.output).toMatch(/2 passed/);
  });
});
