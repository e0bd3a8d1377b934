/**
 * Stage 0's header reads on a generated mirror (control + 2 members, 85 steps, the `mini` fields):
 * an instantaneous field's header is read at one step for each member kind, a field over a window
 * at every step, and the templates of every step say each field's own step and window.
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stepsOf } from "../../../job-image/src/api/run-id.js";
import { createLogger } from "../../../job-image/src/log/logger.js";
import { silentProgress } from "../../../job-image/src/log/types.js";
import { buildTemplates } from "../../../job-image/src/stages/templates.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { openStore } from "../../../job-image/src/storage/open.js";
import type { RangeQuery, ReadableStore } from "../../../job-image/src/storage/types.js";
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

let mirror: string;
/** Header reads (GRIB range reads at a message start) by field and kind, and the steps they were at. */
const headerReads = new Map<string, number[]>();
let templates: ReturnType<typeof memoryStore>;
let failures: Map<string, unknown>;

beforeAll(async () => {
  mirror = await ensureMirror({ dates: ["20240529", "20250101"], members: 3 });
  const files = openStore(mirror, { retry: false });
  const starts = new Map<string, Map<number, string>>();
  for (const step of stepsOf(0)) starts.set(`${stepFile(step)}.grib2`, await messagesOf(mirror, step));
  const source: ReadableStore = {
    url: (key) => files.url(key),
    get: (key, options) => files.get(key, options),
    head: (key, options) => files.head(key, options),
    getRange: (key, range: RangeQuery, options) => {
      const field = "offset" in range ? starts.get(key)?.get(range.offset) : undefined;
      if (field) {
        const step = Number(/-(\d+)h-/.exec(key)![1]);
        headerReads.set(field, [...(headerReads.get(field) ?? []), step]);
      }
      return files.getRange(key, range, options);
    },
  };
  templates = memoryStore("templates");
  const log = createLogger({ format: "json", level: "error", write: () => {} });
  const built = await buildTemplates(
    { run: RUN, members: MEMBERS },
    { source, templates, log, progress: silentProgress },
  );
  failures = built.failures;
}, 120_000);

describe("templates of 3 members × 85 steps", () => {
  it("template every member", () => {
    expect([...failures.keys()]).toEqual([]);
  });

  it("read an instantaneous field's header once for each member kind", () => {
    for (const field of ["2t", "msl", "t@500", "t@850", "vsw@1", "vsw@2"]) {
      for (const kind of ["control", "perturbed"]) {
        expect(headerReads.get(`${field} ${kind}`), `${field} ${kind}`).toHaveLength(1);
      }
    }
  });

  it("read a field over a time window at every step it is at", () => {
    expect(headerReads.get("tp control")?.sort((a, b) => a - b)).toEqual(stepsOf(0));
    expect(headerReads.get("tp perturbed")).toHaveLength(85);
    // mx2t3 is a maximum over the last 3 hours: every 3-hourly step after 0, to 144 h.
    expect(headerReads.get("mx2t3 perturbed")).toHaveLength(48);
  });

  it("give each row its own step and window, whichever step the header was read at", async () => {
    for (const step of [3, 24, 144, 360]) {
      for (const member of ["control", "ens02"]) {
        const bytes = await templates.get(templateKey(RUN, member, step));
        expect(bytes, `${member} at ${step}`).toBeDefined();
        const rows = decodeTemplate(bytes!, `${member}@${step}`);
        const range = (param: string) => rows.find((r) => r.param === param);
        expect(range("2t")).toMatchObject({ step, stepType: "instant", stepRange: `${step}` });
        expect(range("t")).toMatchObject({ step, stepType: "instant", stepRange: `${step}` });
        expect(range("tp")).toMatchObject({ step, stepType: "accum", stepRange: `0-${step}` });
        if (step <= 144) {
          expect(range("mx2t3")).toMatchObject({ step, stepType: "max", stepRange: `${step - 3}-${step}` });
        }
        expect(new Set(rows.map((r) => r.number))).toEqual(new Set([member === "control" ? 0 : 2]));
      }
    }
  });
});
