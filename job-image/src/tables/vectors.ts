/**
 * Arrow string and binary columns built straight into their offset and data buffers. Arrow's
 * generic builder (`vectorFromArray`) costs about as much per Parquet file as the Parquet encoding
 * itself, and gik writes tens of thousands of small files a run; its columns repeat a few values
 * (the URL of a step file, a field's attributes), so each distinct string is encoded once.
 *
 * @module
 */
import { Binary, makeData, makeVector, Utf8, type Vector } from "./arrow.js";

const encoder = new TextEncoder();

/** A UTF-8 column of `values` (`null`: no value). */
export function utf8Vector(values: readonly (string | null)[]): Vector<Utf8> {
  const encoded = new Map<string, Uint8Array>();
  for (const value of values) if (value !== null) encoded.set(value, EMPTY);
  encodeAll(encoded);
  const bytes = values.map((value) => (value === null ? null : encoded.get(value)!));
  return makeVector(makeData({ type: new Utf8(), ...buffers(bytes) }));
}

const EMPTY = new Uint8Array();

/**
 * Sets each key's UTF-8 bytes as its value: in one call to the encoder when the keys are all ASCII
 * (byte offsets are then character offsets), as they nearly always are; else key by key.
 */
function encodeAll(strings: Map<string, Uint8Array>): void {
  const joined = [...strings.keys()].join("");
  const bytes = encoder.encode(joined);
  if (bytes.length !== joined.length) {
    for (const s of strings.keys()) strings.set(s, encoder.encode(s));
    return;
  }
  let at = 0;
  for (const s of strings.keys()) {
    strings.set(s, bytes.subarray(at, at + s.length));
    at += s.length;
  }
}

/** A binary column of `values` (`null`: no value). */
export function binaryVector(values: readonly (Uint8Array | null)[]): Vector<Binary> {
  return makeVector(makeData({ type: new Binary(), ...buffers(values) }));
}

/** The buffers of a variable-width column: offsets, the values end to end, and validity bits. */
function buffers(values: readonly (Uint8Array | null)[]) {
  const length = values.length;
  const valueOffsets = new Int32Array(length + 1);
  let total = 0;
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    const value = values[i];
    if (value === null) nullCount++;
    else total += value!.length;
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  const nullBitmap = nullCount === 0 ? undefined : new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) {
    const value = values[i];
    if (value === null) continue;
    data.set(value!, valueOffsets[i]!);
    if (nullBitmap) nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { length, nullCount, nullBitmap, valueOffsets, data };
}
