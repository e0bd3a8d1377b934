import { type ParsedIndex, parseEcmwfIndexFor } from "../../../job-image/src/index/ecmwf.js";

/** `parseEcmwfIndexFor` on the bytes of `text`, as a step file's index is read. */
export function parseFor(text: string, path: string, members?: ReadonlySet<number>): ParsedIndex {
  return parseEcmwfIndexFor(new TextEncoder().encode(text), path, members);
}
