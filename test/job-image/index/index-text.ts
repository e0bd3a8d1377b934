/** Index text for the reader's tests: lines as ECMWF writes them, and the reader on a text's bytes. */
import { type ParsedIndex, parseEcmwfIndexFor } from "../../../job-image/src/index/ecmwf.js";

/** `parseEcmwfIndexFor` on the bytes of `text`, as a step file's index is read. */
export function parseFor(text: string, path: string, members?: ReadonlySet<number>): ParsedIndex {
  return parseEcmwfIndexFor(new TextEncoder().encode(text), path, members);
}

/** A line in the layout of Python's `json.dumps`, as ECMWF writes its indexes. */
export function published(fields: Record<string, string | number>): string {
  return `{${Object.entries(fields)
    .map(([k, v]) => `"${k}": ${JSON.stringify(v)}`)
    .join(", ")}}`;
}
