/**
 * A member's mapped messages, held column-wise until its stores are written.
 *
 * A whole run holds about 865,000 of them (51 members × 16,959 on ECMWF's fields) from its first
 * step to its last. As objects they were the bulk of what survived a major GC: about 55 MiB of a
 * ~120 MiB live heap, which V8 lets grow to about three times its live size before collecting.
 * Column-wise a chunk takes 20 bytes: its field and file as indexes into tables of their few
 * distinct strings, its step, offset and length as numbers.
 *
 * Notes (invariants):
 * - Offsets are exact up to 2^53 (a Float64Array): ECMWF's step files are a few GB, past 2^32.
 * - Lengths are below 2^32 (a GRIB2 message's length field is 8 bytes, but a message over 4 GiB
 *   is no ECMWF field); a longer one is refused, never truncated.
 * - Iterating yields fresh `ChunkRef` objects: short-lived, collected young.
 *
 * @module
 */

/** What a store keeps of a mapped message: where its chunk goes and where its bytes are. */
export interface ChunkRef {
  attrs: string;
  /** hours */
  step: number;
  uri: string;
  offset: number;
  length: number;
}

const INITIAL_CAPACITY = 1024;

export class ChunkList implements Iterable<ChunkRef> {
  #length = 0;
  #field = new Uint32Array(INITIAL_CAPACITY);
  #step = new Uint32Array(INITIAL_CAPACITY);
  #file = new Uint32Array(INITIAL_CAPACITY);
  #offset = new Float64Array(INITIAL_CAPACITY);
  #size = new Uint32Array(INITIAL_CAPACITY);
  readonly #fields: string[] = [];
  readonly #fieldIndex = new Map<string, number>();
  readonly #files: string[] = [];
  readonly #fileIndex = new Map<string, number>();

  /** A list holding `chunks`, in their order. */
  static from(chunks: Iterable<ChunkRef>): ChunkList {
    const list = new ChunkList();
    for (const chunk of chunks) list.push(chunk);
    return list;
  }

  get length(): number {
    return this.#length;
  }

  push(chunk: ChunkRef): void {
    this.#add(chunk.attrs, checkedStep(chunk.step), intern(chunk.uri, this.#files, this.#fileIndex), chunk);
  }

  /**
   * Adds the messages of one step file, in their order: the step is checked and the file interned
   * once for all of them (a whole run adds some 800,000 in groups of about 160).
   */
  pushStep(
    step: number,
    uri: string,
    messages: readonly Pick<ChunkRef, "attrs" | "offset" | "length">[],
  ): void {
    const checked = checkedStep(step);
    const file = intern(uri, this.#files, this.#fileIndex);
    for (const message of messages) this.#add(message.attrs, checked, file, message);
  }

  #add(attrs: string, step: number, file: number, range: Pick<ChunkRef, "offset" | "length">): void {
    if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
      throw new RangeError(`chunk offset ${range.offset} is not a byte position`);
    }
    if (!Number.isInteger(range.length) || range.length < 0 || range.length >= 2 ** 32) {
      throw new RangeError(`chunk length ${range.length} is not a message length`);
    }
    if (this.#length === this.#field.length) this.#grow();
    const i = this.#length++;
    this.#field[i] = intern(attrs, this.#fields, this.#fieldIndex);
    this.#step[i] = step;
    this.#file[i] = file;
    this.#offset[i] = range.offset;
    this.#size[i] = range.length;
  }

  /** The chunk at `i` (0 ≤ i < length). */
  at(i: number): ChunkRef {
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) throw new RangeError(`no chunk ${i}`);
    return this.#chunk(i);
  }

  *[Symbol.iterator](): Iterator<ChunkRef> {
    // Every chunk of a run passes here when its stores are written: no bounds check per chunk.
    for (let i = 0; i < this.#length; i++) yield this.#chunk(i);
  }

  #chunk(i: number): ChunkRef {
    return {
      attrs: this.#fields[this.#field[i]!]!,
      step: this.#step[i]!,
      uri: this.#files[this.#file[i]!]!,
      offset: this.#offset[i]!,
      length: this.#size[i]!,
    };
  }

  #grow(): void {
    const capacity = this.#field.length * 2;
    this.#field = grown(this.#field, new Uint32Array(capacity));
    this.#step = grown(this.#step, new Uint32Array(capacity));
    this.#file = grown(this.#file, new Uint32Array(capacity));
    this.#offset = grown(this.#offset, new Float64Array(capacity));
    this.#size = grown(this.#size, new Uint32Array(capacity));
  }
}

function checkedStep(step: number): number {
  if (!Number.isInteger(step) || step < 0 || step >= 2 ** 32) {
    throw new RangeError(`chunk step ${step} is not a step in hours`);
  }
  return step;
}

/** `value`'s position in `table`, a table of distinct strings (appended when new), with `index` its inverse. */
export function intern(value: string, table: string[], index: Map<string, number>): number {
  let i = index.get(value);
  if (i === undefined) {
    i = table.push(value) - 1;
    index.set(value, i);
  }
  return i;
}

function grown<A extends Uint32Array | Float64Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
