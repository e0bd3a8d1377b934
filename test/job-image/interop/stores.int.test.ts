/**
 * The acceptance test of the stage library: templates from 20240529, stores for 20250101, all 51
 * members, opened in xarray exactly as DESIGN.md shows (reader environment), every data chunk equal
 * to what ecCodes decodes from its message, and — the oracle — the same groups, variables,
 * dimensions, coordinates, attributes and data as kerchunk's scan_grib + grib_tree for the control
 * and two perturbed members (peers' environment, kerchunk 0.2.10 on zarr-python 3).
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ALL_MEMBERS } from "../../../job-image/src/api/members.js";
import { stepsOf } from "../../../job-image/src/api/run-id.js";
import { runGik } from "../../helpers/gik-cli.js";
import { ensureMirror, MINI_GROUPS } from "../../helpers/mirror.js";
import { cachePaths } from "../../infra/cache-paths.js";
import { expectation, pytest, pytestSharded } from "./python.js";

const steps = stepsOf(0);
/** Every member and field of the mini mirror present at each of `times`. */
function datasetExpectation(times: string[]): string {
  const present = Object.fromEntries(
    times.map((t) => [t, { members: ALL_MEMBERS.map((_, n) => n), groups: MINI_GROUPS }]),
  );
  return JSON.stringify({
    times,
    steps,
    levels: { "t/instant/isobaricInhPa": [500, 850], "vsw/instant/soilLayer": [1, 2] },
    present,
    absent_steps: { "mx2t3/max/heightAboveGround": steps.filter((s) => s === 0 || s > 144) },
  });
}

const EXPECT = expectation(
  steps,
  { "t/instant/isobaricInhPa": [500, 850], "vsw/instant/soilLayer": [1, 2] },
  { "mx2t3/max/heightAboveGround": steps.filter((s) => s === 0 || s > 144) },
);

let mirror: string;
let work: string;
const stores = () => join(work, "stores", "20250101", "00z");

beforeAll(async () => {
  mirror = await ensureMirror({ dates: ["20240529", "20250101"] });
  work = await mkdtemp(join(tmpdir(), "gik-interop-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("templates from 20240529, stores for 20250101", () => {
  it("builds the templates of all 51 members × 85 steps", async () => {
    const r = await runGik([
      "templates",
      "build",
      "--date",
      "20240529",
      "--source",
      mirror,
      "--store",
      join(work, "templates"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("templated 51 members × 85 steps, 8 fields");
  });

  it("writes one store per member and the ensemble store, in one run (--layout both)", async () => {
    const r = await runGik([
      "run",
      "--layout",
      "both",
      "--date",
      "20250101",
      "--reference-date",
      "20240529",
      "--source",
      mirror,
      "--templates",
      join(work, "templates"),
      "--out",
      join(work, "stores"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ written /g)).toHaveLength(52);
    expect(r.stdout).toMatch(/^ensemble written +32793 refs/m);
    expect((await readdir(stores())).sort()).toEqual(
      [...ALL_MEMBERS.map((m) => `${m}.parquet`), "ensemble.parquet"].sort(),
    );
  });

  it("opens the ensemble store as one dataset: number 0–50, every chunk what ecCodes decodes, the same references as the 51 member stores along number", async () => {
    // Every member's chunks decoded, the members split across two pytest processes.
    const r = await pytestSharded(
      inject("infra").python,
      "test_dataset_contents.py",
      {
        GIK_DATASET: join(stores(), "ensemble.parquet"),
        GIK_EXPECT: datasetExpectation(["2025-01-01T00"]),
        GIK_MEMBER_STORES: stores(),
        // Each process checks the references of the members it decodes.
        GIK_REFERENCE_MEMBERS: "0",
      },
      "GIK_CHUNK_MEMBERS",
      ALL_MEMBERS.map((_m, number) => String(number)),
    );
    console.log(
      r.output
        .split("\n")
        .filter((l) => /passed|failed|checked/.test(l))
        .join("\n"),
    );
    expect(r.code, r.output).toBe(0);
    expect(r.passed).toBe(3 * r.processes);
  });

  it("reads the ensemble store with zarr-python 3 through its consolidated metadata", async () => {
    const r = await pytest(inject("infra").pythonPeers, "test_dataset_contents.py", {
      GIK_DATASET: join(stores(), "ensemble.parquet"),
      GIK_EXPECT: datasetExpectation(["2025-01-01T00"]),
      GIK_OPEN_CONSOLIDATED: "1",
      // Every chunk was checked against ecCodes above; here the same store through zarr-python 3.
      GIK_CHUNK_MEMBERS: "0,50",
      GIK_REFERENCE_MEMBERS: "0",
    });
    expect(r.output).toMatch(/2 passed, 1 skipped/);
    expect(r.code).toBe(0);
  });

  it("opens member stores in xarray as DESIGN.md shows, each chunk exactly what ecCodes decodes", async () => {
    // Every member's chunks are checked against ecCodes through the ensemble store above, which
    // references what the 51 member stores do; here the member stores' own layout, for three.
    const r = await pytest(inject("infra").python, "test_store_contents.py", {
      GIK_STORES: stores(),
      GIK_MEMBERS: "control,ens01,ens50",
      GIK_EXPECT: EXPECT,
    });
    expect(r.output).toMatch(/3 passed/);
    expect(r.code).toBe(0);
  });

  it("matches kerchunk's scan_grib + grib_tree for the control and two perturbed members", async () => {
    const env = {
      ...{ GIK_STORES: stores(), GIK_MIRROR: mirror, GIK_RUN: "20250101", GIK_CYCLE: "0" },
      // kerchunk's answer for these bytes is computed once per mirror and kerchunk environment.
      GIK_ORACLE_CACHE: cachePaths().oracles,
    };
    const members = ["control", "ens01", "ens37"];
    const r = await pytestSharded(inject("infra").pythonPeers, "test_oracle.py", env, "GIK_MEMBERS", members);
    expect(r.passed, r.output).toBe(3);
    expect(r.code).toBe(0);
  });

  it("reads the same stores with zarr-python 3 through their consolidated metadata", async () => {
    const r = await pytest(inject("infra").pythonPeers, "test_store_contents.py", {
      GIK_STORES: stores(),
      GIK_MEMBERS: "control,ens25,ens50",
      GIK_EXPECT: EXPECT,
      GIK_OPEN_CONSOLIDATED: "1",
    });
    expect(r.output).toMatch(/3 passed/);
    expect(r.code).toBe(0);
  });

  it("verifies every reference of a store", async () => {
    const r = await runGik(["verify", join(stores(), "ens37.parquet"), "--sample", "all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/643 references into 85 files, 643 read and checked, no faults/);
  });

  it("writes kerchunk JSON with --format json, equally readable", async () => {
    const out = join(work, "json");
    const r = await runGik([
      "run",
      "--date",
      "20250101",
      "--reference-date",
      "20240529",
      "--members",
      "control,ens10",
      "--source",
      mirror,
      "--templates",
      join(work, "templates"),
      "--out",
      out,
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect((await stat(join(out, "20250101/00z/ens10.json"))).isFile()).toBe(true);
    const py = await pytest(inject("infra").python, "test_store_contents.py", {
      GIK_STORES: join(out, "20250101/00z"),
      GIK_MEMBERS: "control,ens10",
      GIK_EXPECT: EXPECT,
    });
    expect(py.output).toMatch(/2 passed/);
  });
});
