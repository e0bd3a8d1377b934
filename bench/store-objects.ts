/**
 * The objects of one reference-parquet store by what they hold: the consolidated metadata, the
 * chunk references of data arrays (into GRIB messages), and those of coordinate arrays (values
 * inline). The report states each kind and why the layout needs it.
 *
 * @module
 */

import { listObjects, OUTPUT_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";

/** Coordinates every group has; the others are the group's level coordinate, named after its typeOfLevel. */
const NAMED_COORDINATES = new Set(["time", "step", "valid_time", "number", "latitude", "longitude"]);

export interface StoreObjects {
  url: string;
  total: number;
  bytes: number;
  metadata: number;
  /** `refs.N.parq` of data arrays (one array per group: the field). */
  dataRefs: number;
  /** `refs.N.parq` of coordinate arrays, by coordinate name (`level`: the group's level coordinate). */
  coordinateRefs: Record<string, number>;
  groups: number;
}

export async function storeObjects(ctx: BenchContext, url: string): Promise<StoreObjects> {
  const prefix = url.replace(`s3://${OUTPUT_BUCKET}/`, "");
  const objects = await listObjects(ctx.client, OUTPUT_BUCKET, `${prefix}/`);
  return classify(
    url,
    objects.map((o) => ({ key: o.key.slice(prefix.length + 1), size: o.size })),
  );
}

/**
 * Kinds of the objects at `keys` (relative to the store): a group is `<var>/<stepType>/<level>`,
 * its data array the one named like the group's first component. Pure.
 */
export function classify(url: string, objects: readonly { key: string; size: number }[]): StoreObjects {
  const out: StoreObjects = {
    url,
    total: objects.length,
    bytes: 0,
    metadata: 0,
    dataRefs: 0,
    coordinateRefs: {},
    groups: 0,
  };
  const groups = new Set<string>();
  for (const { key, size } of objects) {
    out.bytes += size;
    const parts = key.split("/");
    if (parts.length === 1) {
      out.metadata++;
      continue;
    }
    const array = parts[parts.length - 2]!;
    groups.add(parts.slice(0, -2).join("/"));
    if (array === parts[0]) out.dataRefs++;
    else {
      const name = NAMED_COORDINATES.has(array) ? array : "level";
      out.coordinateRefs[name] = (out.coordinateRefs[name] ?? 0) + 1;
    }
  }
  out.groups = groups.size;
  return out;
}
