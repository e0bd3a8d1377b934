/**
 * A member's part of an ensemble dataset, as a Job pod leaves it for the run's commit: what the
 * member's mapping found (its fields, its chunk references) and what made them, in one object at
 * `{out}/{YYYYMMDD}/{HH}z/ensemble.parts/{member}.json`. The commit (`commitRun` in `forecast.ts`)
 * reads the parts of every member and writes the ensemble store and the collection from them, so
 * each pod reads only its own member's lines and one process writes the shared files.
 *
 * Notes (invariants):
 * - Chunks are rows `[field, step, file, offset, length]` indexing `fields` and `files`: a
 *   member's 15,000 references at full size take some hundreds of kilobytes.
 * - A part that does not parse, or is of another run or member, is an error naming it: the member
 *   is then failed in the commit, never mistaken for a member without messages.
 *
 * @module
 */
import { RefsError } from "../api/errors.js";
import type { RunId } from "../api/run-id.js";
import { cycleHH } from "../api/run-id.js";
import type { FieldDescriptor } from "../templates/manifest.js";
import { ChunkList, intern } from "./chunk-list.js";
import type { MemberInputs } from "./write-store.js";

/** Where member `member`'s part of run `run` goes under the output root. */
export function memberPartKey(run: RunId, member: string): string {
  return `${run.date}/${cycleHH(run.cycle)}z/ensemble.parts/${member}.json`;
}

export interface MemberPart {
  run: RunId;
  member: string;
  number: number;
  inputs: MemberInputs;
  fields: FieldDescriptor[];
  chunks: ChunkList;
}

interface PartDocument {
  kind: "gik-member-part";
  version: 1;
  run: RunId;
  member: string;
  number: number;
  inputs: MemberInputs;
  fields: FieldDescriptor[];
  files: string[];
  chunks: Array<[number, number, number, number, number]>;
}

/** The JSON bytes of `part`. */
export function encodeMemberPart(part: MemberPart): Uint8Array {
  const fieldIndex = new Map(part.fields.map((f, i) => [f.attrs, i]));
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const chunks = Array.from(part.chunks, (c): [number, number, number, number, number] => [
    fieldIndex.get(c.attrs)!,
    c.step,
    intern(c.uri, files, fileIndex),
    c.offset,
    c.length,
  ]);
  const doc: PartDocument = {
    kind: "gik-member-part",
    version: 1,
    run: part.run,
    member: part.member,
    number: part.number,
    inputs: part.inputs,
    fields: part.fields,
    files,
    chunks,
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** Reads a part back, checking it is `member`'s of `run`; `url` names it in errors. */
export function decodeMemberPart(bytes: Uint8Array, url: string, run: RunId, member: string): MemberPart {
  let doc: PartDocument;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as PartDocument;
  } catch (cause) {
    throw new RefsError(url, "member part is not JSON", { cause });
  }
  if (doc?.kind !== "gik-member-part" || doc.version !== 1) throw new RefsError(url, "not a gik member part");
  if (doc.member !== member || doc.run?.date !== run.date || doc.run?.cycle !== run.cycle) {
    throw new RefsError(
      url,
      `is the part of ${doc.member} ${doc.run?.date} ${doc.run?.cycle}, not of ${member}`,
    );
  }
  if (!Array.isArray(doc.fields) || !Array.isArray(doc.files) || !Array.isArray(doc.chunks)) {
    throw new RefsError(url, "member part lacks its fields, files or chunks");
  }
  const chunks = new ChunkList();
  doc.chunks.forEach(([field, step, file, offset, length], i) => {
    const attrs = doc.fields[field]?.attrs;
    const uri = doc.files[file];
    if (attrs === undefined || uri === undefined) {
      throw new RefsError(url, `chunk ${i} does not name a field, a file and a byte range`);
    }
    try {
      chunks.push({ attrs, step, uri, offset, length });
    } catch (cause) {
      throw new RefsError(url, `chunk ${i}: ${(cause as Error).message}`, { cause });
    }
  });
  return { run: doc.run, member, number: doc.number, inputs: doc.inputs, fields: doc.fields, chunks };
}
