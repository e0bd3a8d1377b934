/**
 * The direction of imports, held by a test so that a newcomer's first wrong import fails the suite:
 *
 * - `job-image/` never imports `operator/`; `operator/` imports the job image only through its API
 *   module (`job-image/src/api/index.ts`), never the stages.
 * - The API module imports nothing but itself (no package, no other folder).
 * - Inside the job image, data flows one way: a folder imports only folders of a lower layer
 *   (`LAYERS`), so the core (parsers, storage) never reaches up into stages or commands.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const API = "job-image/src/api/";

/** Layer of each folder of `job-image/src`: a folder may import its own and lower layers only. */
const LAYERS: Record<string, number> = {
  api: 0,
  util: 1,
  log: 1,
  tables: 1,
  storage: 2,
  index: 2,
  refs: 2,
  grib: 3,
  source: 4,
  templates: 5,
  stages: 6,
  verify: 6,
  collection: 7,
  job: 8,
  cli: 9,
};

interface Import {
  /** Importing file, relative to the repository. */
  file: string;
  /** What it imports: a repository path for relative imports, else the bare specifier. */
  target: string;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const spec = (m[1] ?? m[2])!;
    const target = spec.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : spec;
    return { file, target };
  });
}

const jobImage = sources("job-image/src").flatMap(importsOf);
const operator = sources("operator/src").flatMap(importsOf);

describe("import direction", () => {
  it("finds the imports it checks", () => {
    expect(jobImage.length).toBeGreaterThan(200);
    expect(operator.some((i) => i.target === `${API}index.js`)).toBe(true);
  });

  it("the job image never imports the operator", () => {
    expect(jobImage.filter((i) => i.target.startsWith("operator/"))).toEqual([]);
  });

  it("the operator imports the job image only through its API module", () => {
    const wrong = operator.filter((i) => i.target.startsWith("job-image/") && i.target !== `${API}index.js`);
    expect(wrong).toEqual([]);
  });

  it("the API module imports nothing but itself", () => {
    const wrong = jobImage.filter((i) => i.file.startsWith(API) && !i.target.startsWith(API));
    expect(wrong).toEqual([]);
  });

  it("every folder of the job image has a layer", () => {
    const folders = new Set(sources("job-image/src").map((f) => f.split("/")[2]!));
    expect([...folders].filter((f) => !(f in LAYERS))).toEqual([]);
  });

  it("inside the job image, folders import only lower layers", () => {
    const folder = (path: string) => path.split("/")[2]!;
    const wrong = jobImage
      .filter((i) => i.target.startsWith("job-image/src/"))
      .filter((i) => {
        const from = folder(i.file);
        const to = folder(i.target);
        return from !== to && !(LAYERS[to]! < LAYERS[from]!);
      })
      .map((i) => `${i.file} → ${i.target}`);
    expect(wrong).toEqual([]);
  });
});
