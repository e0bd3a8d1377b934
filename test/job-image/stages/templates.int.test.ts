/**
 * Stage 0's header reads on a generated mirror (control + 2 members, 85 steps, the `mini` fields):
 * an instantaneous field's header is read at one step for each member kind, a field over a window
 * at every step, and the templates say each field's own step and window; a bad message at the
 * first step, or an index line in the wrong step's file, fails its member alone.
 */

import { cp, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepsOf } from "../../../job-image/src/api/run-id.js";
import { createLogger } from "../../../job-image/src/log/logger.js";
import { silentProgress } from "../../../job-image/src/log/types.js";
import { buildTemplates } from "../../../job-image/src/stages/templates.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import type { RangeQuery, Store } from "../../../job-image/src/storage/types.js";
import { templateKey } from "../../../job-image/src/templates/layout.js";
import { decodeTemplate } from "../../../job-image/src/templates/row.js";
import { ensureMirror } from "../../helpers/mirror.js";

const RUN = { date: "20240529", cycle: 0 } as const;
const MEMBERS = ["control", "ens01", "ens02"];
const stepFile = (step: number) => `20240529/00z/ifs/0p25/enfo/20240529000000-${step}h-enfo-ef`;

interface IndexLine {
  param: string;
  levelist?: string;
  number?: string;
  step: string;
  _offset: number;
}

/** `param[@level]` and member kind of each message start in a step's index. */
async function messagesOf(mirror: string, step: number): Promise<Map<number, string>> {
  const text = await readFile(join(mirror, `${stepFile(step)}.index`), "utf8");
  const starts = new Map<number, string>();
  for (const line of text.split("\n").filter(Boolean)) {
    const e = JSON.parse(line) as IndexLine;
    const kind = e.number === undefined ? "control" : "perturbed";
    starts.set(e._offset, `${e.param}${e.levelist ? `@${e.levelist}` : ""} ${kind}`);
  }
  return starts;
}

/** Header reads (GRIB reads from a message start, longer than a range probe) by field and kind: their steps. */
type HeaderReads = Map<string, number[]>;

/** Builds the templates of the mirror at `root`, counting header reads. */
async function build(root: string) {
  const files = openStore(root, { retry: false });
  const starts = new Map<string, Map<number, string>>();
  for (const step of stepsOf(0)) starts.set(`${stepFile(step)}.grib2`, await messagesOf(root, step));
  const headerReads: HeaderReads = new Map();
  const source: Store = {
    ...files,
    // Step 0's index comes in after other steps': headers must be read at the first step all the same.
    get: async (key, options) => {
      if (key === `${stepFile(0)}.index`) await new Promise((r) => setTimeout(r, 500));
      return files.get(key, options);
    },
    getRange: (key: string, range: RangeQuery, options) => {
      const field = "offset" in range && range.length > 8 ? starts.get(key)?.get(range.offset) : undefined;
      if (field) {
        const step = Number(/-(\d+)h-/.exec(key)![1]);
        headerReads.set(field, [...(headerReads.get(field) ?? []), step]);
      }
      return files.getRange(key, range, options);
    },
  };
  const templates = memoryStore("templates");
  const log = createLogger({ format: "json", level: "error", write: () => {} });
  const built = await buildTemplates(
    { run: RUN, members: MEMBERS },
    { source, templates, log, progress: silentProgress },
  );
  return { ...built, templates, headerReads };
}

let mirror: string;
let built: Awaited<ReturnType<typeof build>>;

beforeAll(async () => {
  mirror = await ensureMirror({ dates: ["20240529", "20250101"], members: 3 });
  built = await build(mirror);
}, 120_000);

describe("templates of 3 members × 85 steps", () => {
  it("template every member at every step", () => {
    expect([...built.failures.keys()]).toEqual([]);
    expect(built.manifest.fields["2t:sfc:"]?.kinds.control?.steps).toEqual(stepsOf(0));
    expect(built.manifest.fields["2t:sfc:"]?.kinds.perturbed?.steps).toEqual(stepsOf(0));
  });

  it("read an instantaneous field's header once for each member kind", () => {
    for (const field of ["2t", "msl", "t@500", "t@850", "vsw@1", "vsw@2"]) {
      for (const kind of ["control", "perturbed"]) {
        expect(built.headerReads.get(`${field} ${kind}`), `${field} ${kind}`).toHaveLength(1);
      }
    }
  });

  it("read a field over a time window at every step it is at", () => {
    expect(built.headerReads.get("tp control")?.sort((a, b) => a - b)).toEqual(stepsOf(0));
    expect(built.headerReads.get("tp perturbed")).toHaveLength(85);
    // mx2t3 is a maximum over the last 3 hours: every 3-hourly step after 0, to 144 h.
    expect(built.headerReads.get("mx2t3 perturbed")).toHaveLength(48);
  });

  it("give each row its own step and window, whichever step the header was read at", async () => {
    for (const step of [3, 24, 144, 360]) {
      for (const member of ["control", "ens02"]) {
        const bytes = await built.templates.get(templateKey(RUN, member, step));
        expect(bytes, `${member} at ${step}`).toBeDefined();
        const rows = decodeTemplate(bytes!, `${member}@${step}`);
        const row = (param: string) => rows.find((r) => r.param === param);
        expect(row("2t")).toMatchObject({ step, stepType: "instant", stepRange: `${step}` });
        expect(row("t")).toMatchObject({ step, stepType: "instant", stepRange: `${step}` });
        expect(row("tp")).toMatchObject({ step, stepType: "accum", stepRange: `0-${step}` });
        if (step <= 144) {
          expect(row("mx2t3")).toMatchObject({ step, stepType: "max", stepRange: `${step - 3}-${step}` });
        }
        expect(new Set(rows.map((r) => r.number))).toEqual(new Set([member === "control" ? 0 : 2]));
      }
    }
  });
});

describe("templates of a mirror with a bad message at the first step and a line in the wrong file", () => {
  let dir: string;
  let badMember: string;
  let otherMember: string;
  let movedLine: number;
  let broken: Awaited<ReturnType<typeof build>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gik-templates-"));
    await cp(join(mirror, "20240529"), join(dir, "20240529"), { recursive: true });
    // The perturbed member whose 2t message Stage 0 reads first at step 0: its first line in the index.
    const lines = (await readFile(join(dir, `${stepFile(0)}.index`), "utf8")).split("\n").filter(Boolean);
    const first = lines.map((l) => JSON.parse(l) as IndexLine).find((e) => e.param === "2t" && e.number);
    badMember = `ens${first!.number!.padStart(2, "0")}`;
    otherMember = badMember === "ens01" ? "ens02" : "ens01";
    const grib = await open(join(dir, `${stepFile(0)}.grib2`), "r+");
    await grib.write(Buffer.from("XXXX"), 0, 4, first!._offset);
    await grib.close();
    // The control's msl line of step 48 says step 45.
    const path = join(dir, `${stepFile(48)}.index`);
    const at48 = (await readFile(path, "utf8")).split("\n");
    movedLine = at48.findIndex((l) => l.includes('"param": "msl"') && !l.includes('"number"'));
    at48[movedLine] = at48[movedLine]!.replace('"step": "48"', '"step": "45"');
    await writeFile(path, at48.join("\n"));
    broken = await build(dir);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("fails the member of the bad message and the member of the misplaced line, naming them", () => {
    expect([...broken.failures.keys()].sort()).toEqual(["control", badMember].sort());
    expect(broken.failures.get(badMember)?.message).toMatch(/GRIB/);
    expect(broken.failures.get("control")?.message).toContain(
      `${stepFile(48)}.index:${movedLine + 1}: msl:sfc:, member 0: step 45 in the file of step 48`,
    );
  });

  it("templates the other perturbed member at every step from a header read at the first step only", async () => {
    expect(broken.manifest.members).toEqual([otherMember]);
    expect(broken.manifest.fields["2t:sfc:"]?.kinds.perturbed?.steps).toEqual(stepsOf(0));
    expect(broken.headerReads.get("2t perturbed")?.every((step) => step === 0)).toBe(true);
    const rows = decodeTemplate((await broken.templates.get(templateKey(RUN, otherMember, 360)))!, "360");
    expect(rows.find((r) => r.param === "2t")).toMatchObject({ step: 360, stepRange: "360" });
  });
});
