/**
 * Both store writers, read by the real readers: fsspec's reference filesystem and
 * `xr.open_datatree(…, engine="zarr")` in the Python reader environment.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { refsToJson } from "../../../job-image/src/refs/json.js";
import { parquetToRefs, refsToParquet } from "../../../job-image/src/refs/parquet.js";
import type { Refs } from "../../../job-image/src/refs/types.js";
import { inlineBytes } from "../../../job-image/src/refs/values.js";
import { dataKey, syntheticRefs } from "./synthetic-refs.js";

const SCRIPT = fileURLToPath(new URL("./read-store.py", import.meta.url));
const KERCHUNK_WRITES = fileURLToPath(new URL("./kerchunk-writes.py", import.meta.url));
const STEPS = 4;
const LEVELS = 2;
const CELLS = 6;

interface ReaderView {
  keys: string[];
  cat: Record<string, string | null>;
  arrays: { path: string; dims: string[]; shape: number[]; dtype: string; values: (number | null)[] }[];
}

/** Values of the data chunk at (step, level): distinct everywhere, so a misplaced chunk shows. */
function chunkValues(step: number, level: number): number[] {
  return Array.from({ length: CELLS }, (_, i) => 200 + 10 * step + level + i / 8);
}

let dir: string;
let refs: Refs;
let dataFile: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gik-refs-"));
  // The "remote" file: the 6 referenced chunks, in shuffled order with junk between them.
  const url = join(dir, "data.bin");
  const parts: Uint8Array[] = [];
  const ranges = new Map<string, [number, number]>();
  let offset = 0;
  const present: [number, number][] = [
    [2, 1],
    [0, 1],
    [3, 0],
    [1, 0],
    [2, 0],
    [1, 1],
  ];
  for (const [step, level] of present) {
    const junk = new Uint8Array(5 + step * 3).fill(0xab);
    const chunk = new Uint8Array(new Float64Array(chunkValues(step, level)).buffer);
    parts.push(junk, chunk);
    offset += junk.length;
    ranges.set(`${step}.${level}`, [offset, chunk.length]);
    offset += chunk.length;
  }
  dataFile = Buffer.concat(parts);
  await writeFile(url, dataFile);
  // syntheticRefs takes ranges in C order of the present, non-inline chunks.
  const cOrder = ["0.1", "1.0", "1.1", "2.0", "2.1", "3.0"].map((k) => ranges.get(k)!);
  refs = syntheticRefs({ url, ranges: cOrder, inline: chunkValues(0, 0) });

  await writeFile(join(dir, "store.json"), refsToJson(refs, { gik: { digest: "sha256:test" } }));
  for (const [name, bytes] of refsToParquet(refs, {
    recordSize: 3,
    extra: { gik: { digest: "sha256:test" } },
  })) {
    const path = join(dir, "store.parquet", name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(store: string): Promise<ReaderView> {
  const keys = [...Object.keys(refs.refs), dataKey(3, 1)];
  const { stdout } = await promisify(execFile)(inject("infra").python, [SCRIPT, join(dir, store), ...keys], {
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as ReaderView;
}

/** What a reader must get for `key`: the metadata JSON, the inline bytes, or the referenced range. */
function expectedBytes(key: string): Uint8Array {
  const value = refs.refs[key]!;
  if (typeof value === "string") return inlineBytes(value);
  const [, start, length] = value as readonly [string, number, number];
  return dataFile.subarray(start, start + length);
}

describe.each(["store.json", "store.parquet"])("fsspec and xarray read %s", (store) => {
  let view: ReaderView;
  beforeAll(async () => {
    view = await read(store);
  });

  it("lists exactly the store's keys, without the missing chunk", () => {
    expect(view.keys).toEqual(Object.keys(refs.refs).sort());
  });

  it("returns every key's bytes exactly, and no bytes for the missing chunk", () => {
    for (const key of Object.keys(refs.refs)) {
      const got = Buffer.from(view.cat[key] ?? "", "base64");
      if (key.endsWith(".zarray") || key.endsWith(".zattrs") || key.endsWith(".zgroup")) {
        expect(JSON.parse(got.toString()), key).toEqual(
          JSON.parse(Buffer.from(expectedBytes(key)).toString()),
        );
      } else {
        expect(got.equals(Buffer.from(expectedBytes(key))), key).toBe(true);
      }
    }
    expect(view.cat[dataKey(3, 1)]).toBeNull();
  });

  it("opens the tree with the right shapes and values, NaN for the missing chunk", () => {
    const byPath = new Map(view.arrays.map((a) => [a.path, a]));
    const data = byPath.get("t2m/instant/heightAboveGround/t2m");
    expect(data?.dims).toEqual(["time", "step", "heightAboveGround", "latitude", "longitude"]);
    expect(data?.shape).toEqual([1, STEPS, LEVELS, 2, 3]);
    const expected: (number | null)[] = [];
    for (let step = 0; step < STEPS; step++) {
      for (let level = 0; level < LEVELS; level++) {
        expected.push(...(step === 3 && level === 1 ? Array(CELLS).fill(null) : chunkValues(step, level)));
      }
    }
    expect(data?.values).toEqual(expected);
    expect(byPath.get("t2m/instant/heightAboveGround/step")?.values).toEqual([0, 3, 6, 9]);
    expect(byPath.get("t2m/instant/heightAboveGround/latitude")?.values).toEqual([1, 0.75]);
    const number = byPath.get("t2m/instant/heightAboveGround/number");
    expect([number?.shape, number?.dtype, number?.values]).toEqual([[], "int64", [7]]);
  });
});

describe("gik's reader", () => {
  it("reads back the store kerchunk's own writer (fsspec's LazyReferenceMapper) makes of the same refs", async () => {
    const out = join(dir, "kerchunk.parquet");
    await promisify(execFile)(inject("infra").python, [KERCHUNK_WRITES, join(dir, "store.json"), out, "3"]);
    const files = new Map<string, Uint8Array>();
    for (const name of await readdir(out, { recursive: true })) {
      const path = join(out, name);
      if (name.endsWith(".parq") || name === ".zmetadata") files.set(name, await readFile(path));
    }
    expect(files.size).toBeGreaterThan(4);
    expect(parquetToRefs(files)).toEqual(refs);
  });
});
