/**
 * Arrow string and binary columns built straight into their offset and data buffers. Arrow's
 * generic builder (`vectorFromArray`) costs about as much per Parquet file as the Parquet encoding
 * itself, and gik writes tens of thousands of small files a run; its columns repeat a few values
 * (the URL of a step file, a field's attributes), so each distinct string is encoded once.
 *
 * @module
 */
import { Binary, makeData, makeVector, Utf8, type Vector } from "apache-arrow";

const encoder = new TextEncoder();

/** A UTF-8 column of `values` (`null`: no value). */
export function utf8Vector(values: readonly (string | null)[]): Vector<Utf8> {
  const encoded = new Map<string, Uint8Array>();
  const bytes = values.map((value) => {
    if (value === null) return null;
    let b = encoded.get(value);
    if (b === undefined) {
      b = encoder.encode(value);
      encoded.set(value, b);
    }
    return b;
  });
  return makeVector(makeData({ type: new Utf8(), ...buffers(bytes) }));
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
