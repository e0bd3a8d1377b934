/**
 * The lines of an index file, found on its bytes: a pod reads 85 indexes of ~9,000 lines (2 MB
 * each), and most lines are other members', whose span is read on the bytes in place
 * ({@link tailSpan}). Only the lines read as text are decoded.
 *
 * Notes:
 * - A newline byte is never part of a UTF-8 sequence, so lines split on the bytes are the lines of
 *   the decoded text. ASCII lines (published indexes are ASCII) are their own Latin-1 text; other
 *   files are decoded as UTF-8, so that a stray byte is read, and refused by the parser, as the
 *   character it stands for. A byte-order mark at the start is dropped, as UTF-8 decoding does.
 * - Blank lines at the end (ASCII spaces, tabs, carriage returns) are no lines.
 *
 * @module
 */
import { Buffer, isAscii } from "node:buffer";
import { TextDecoder } from "node:util";

export class IndexLines {
  readonly bytes: Buffer;
  /** The current line: `[start, stop)`, a carriage return at its end included. */
  start = 0;
  stop = 0;
  readonly #end: number;
  readonly #decoder: TextDecoder | undefined;
  #next: number;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#decoder = isAscii(bytes) ? undefined : new TextDecoder("utf-8", { ignoreBOM: true });
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    this.#next = bom ? 3 : 0;
    this.#end = contentEnd(this.bytes, this.#next);
  }

  /** Moves to the next line; false when there is none. */
  next(): boolean {
    if (this.#next >= this.#end) return false;
    const found = this.bytes.indexOf(10, this.#next);
    this.start = this.#next;
    this.stop = found === -1 || found > this.#end ? this.#end : found;
    this.#next = this.stop + 1;
    return true;
  }

  /** The current line's text. */
  text(): string {
    return this.#decoder
      ? this.#decoder.decode(this.bytes.subarray(this.start, this.stop))
      : this.bytes.toString("latin1", this.start, this.stop);
  }
}

/** Where the last line that is not blank ends. */
function contentEnd(bytes: Buffer, from: number): number {
  let last = bytes.length - 1;
  while (last >= from && isBlank(bytes[last]!)) last--;
  if (last < from) return from;
  const newline = bytes.indexOf(10, last);
  return newline === -1 ? bytes.length : newline;
}

function isBlank(byte: number): boolean {
  return byte === 32 || (byte >= 9 && byte <= 13);
}
