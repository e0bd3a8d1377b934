/**
 * `gik verify`: checks that a published store can be trusted. Every reference lies inside its
 * file; for a sample of references, the bytes there start with `GRIB` and end with `7777`, and the
 * message's header says what the store says the chunk is (parameter, level type, level, step,
 * member).
 *
 * Notes: the sample is drawn with a seeded generator, so a check can be repeated exactly.
 *
 * @module
 */
import { isGikError } from "../api/errors.js";
import { readGribHeader } from "../grib/read-header.js";
import type { Refs } from "../refs/types.js";
import { inlineBytes } from "../refs/values.js";
import type { ReadableStore } from "../storage/types.js";
import { sizesOf } from "./read-store.js";

export interface VerifyOptions {
  /** References to read (`Infinity` for all). */
  sample: number;
  seed: number;
}

export interface VerifyReport {
  chunks: number;
  files: number;
  sampled: number;
  faults: string[];
}

interface Chunk {
  key: string;
  url: string;
  offset: number;
  length: number;
}

/** Verifies `refs`; `open` turns an object URL into a store and key to read it with. */
export async function verifyRefs(
  refs: Refs,
  options: VerifyOptions,
  open: (url: string) => { store: ReadableStore; key: string },
): Promise<VerifyReport> {
  const chunks: Chunk[] = [];
  for (const [key, value] of Object.entries(refs.refs)) {
    if (Array.isArray(value) && value.length === 3)
      chunks.push({ key, url: value[0], offset: value[1]!, length: value[2]! });
  }
  const faults: string[] = [];
  const sizes = await sizesOf(
    chunks.map((c) => c.url),
    open,
  );
  for (const c of chunks) {
    const size = sizes.get(c.url);
    if (size === undefined) faults.push(`${c.key}: ${c.url} does not exist`);
    else if (c.offset + c.length > size)
      faults.push(`${c.key}: [${c.offset}, +${c.length}) reaches past the end of ${c.url} (${size} bytes)`);
  }
  const inside = chunks.filter((c) => (sizes.get(c.url) ?? -1) >= c.offset + c.length);
  const sample = pick(inside, options.sample, options.seed);
  await Promise.all(sample.map(async (c) => faults.push(...(await checkChunk(refs, c, open)))));
  return { chunks: chunks.length, files: sizes.size, sampled: sample.length, faults };
}

async function checkChunk(
  refs: Refs,
  c: Chunk,
  open: (url: string) => { store: ReadableStore; key: string },
): Promise<string[]> {
  const { store, key } = open(c.url);
  const where = `${c.key} (${c.url} @ ${c.offset})`;
  const tail = await store.getRange(key, { offset: c.offset + c.length - 4, length: 4 });
  if (!tail || new TextDecoder().decode(tail) !== "7777") return [`${where}: does not end with 7777`];
  let header: Awaited<ReturnType<typeof readGribHeader>>;
  try {
    header = await readGribHeader(store, key, c.offset, c.length);
  } catch (err) {
    if (isGikError(err)) return [`${where}: ${err.message}`];
    throw err;
  }
  const expected = describeChunk(refs, c.key);
  const k = header.keys;
  const faults: string[] = [];
  if (header.totalLength !== c.length)
    faults.push(`${where}: message is ${header.totalLength} bytes, reference says ${c.length}`);
  const compare = (name: string, store: unknown, grib: unknown) => {
    if (store !== undefined && store !== grib)
      faults.push(`${where}: store says ${name} ${store}, the message says ${grib}`);
  };
  compare("paramId", expected.paramId, k.paramId);
  compare("typeOfLevel", expected.typeOfLevel, k.typeOfLevel);
  compare("level", expected.level, k.level);
  compare("step", expected.step, k.endStep);
  compare("number", expected.number, k.number);
  return faults;
}

/** What the store's metadata says the chunk at `key` (`<group>/<var>/0.<s>[.<l>].0.0`) holds. */
function describeChunk(
  refs: Refs,
  key: string,
): { paramId?: number; typeOfLevel?: string; level?: number; step?: number; number?: number } {
  const parts = key.split("/");
  const [groupPath, typeOfLevel] = [parts.slice(0, -2).join("/"), parts.at(-3)];
  const variable = parts.slice(0, -1).join("/");
  const index = (parts.at(-1) ?? "").split(".").map(Number);
  const attrs = json(refs.refs[`${variable}/.zattrs`]) as
    | { GRIB_paramId?: number; _ARRAY_DIMENSIONS?: string[] }
    | undefined;
  const dims = attrs?._ARRAY_DIMENSIONS ?? [];
  const at = (dim: string) => index[dims.indexOf(dim)];
  const levels = typeOfLevel ? numbers(refs.refs[`${groupPath}/${typeOfLevel}/0`], "f8") : [];
  const steps = numbers(refs.refs[`${groupPath}/step/0`], "i8");
  const members = numbers(
    refs.refs[`${groupPath}/number/${dims.includes(typeOfLevel ?? "") ? "0.0.0" : "0.0"}`],
    "i8",
  );
  const levelIndex = typeOfLevel && dims.includes(typeOfLevel) ? at(typeOfLevel) : 0;
  return {
    paramId: attrs?.GRIB_paramId,
    typeOfLevel,
    level: levelIndex === undefined ? undefined : levels[levelIndex],
    step: at("step") === undefined ? undefined : steps[at("step")!],
    number: members[0],
  };
}

function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : undefined;
}

function numbers(value: unknown, kind: "f8" | "i8"): number[] {
  if (typeof value !== "string") return [];
  const bytes = inlineBytes(value);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 8) }, (_, i) =>
    kind === "f8" ? view.getFloat64(i * 8, true) : Number(view.getBigInt64(i * 8, true)),
  );
}

/** `n` items drawn without replacement by a seeded generator (all of them when n ≥ length). */
function pick<T>(items: readonly T[], n: number, seed: number): T[] {
  if (n >= items.length) return [...items];
  const copy = [...items];
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(next() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
