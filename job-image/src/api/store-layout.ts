/**
 * Where gik's stores are under an output root: what a Job pod writes and what the operator reports
 * in a run's status, so both read it from here.
 *
 * Notes:
 * - A member store is `{YYYYMMDD}/{HH}z/{member}.{format}` (DESIGN.md's output contract): a
 *   directory in fsspec's reference-parquet layout, or one kerchunk JSON object.
 * - The ensemble store of a run sits beside its member stores: `{YYYYMMDD}/{HH}z/ensemble.{format}`.
 * - A store is published whole or not at all, so a URL named here either opens or does not exist.
 *
 * @module
 */
import { cycleHH, type RunId } from "./run-id.js";

/** Reference-parquet directory, or kerchunk version-1 JSON. */
export type StoreFormat = "parquet" | "json";
export const STORE_FORMATS: readonly StoreFormat[] = ["parquet", "json"];

/** Which stores a run writes: one per member (the method's layout), one for the whole ensemble, or both. */
export type Layout = "members" | "ensemble" | "both";
export const LAYOUTS: readonly Layout[] = ["members", "ensemble", "both"];

/** The name of the ensemble store beside the member stores. */
export const ENSEMBLE = "ensemble";

/** Key of a member's store under the output root (a directory for parquet, one object for json). */
export function storeKey(run: RunId, member: string, format: StoreFormat): string {
  return `${run.date}/${cycleHH(run.cycle)}z/${member}.${format}`;
}

/** Key of a run's ensemble store under the output root. */
export function ensembleStoreKey(run: RunId, format: StoreFormat): string {
  return storeKey(run, ENSEMBLE, format);
}

/** The URL of `key` under the output root `out` (`s3://bucket/prefix`, `gs://…`, a path). */
export function underRoot(out: string, key: string): string {
  return `${out.replace(/\/+$/, "")}/${key}`;
}

/** Whether the layout writes member stores, and whether it writes the ensemble store. */
export function layoutWrites(layout: Layout): { members: boolean; ensemble: boolean } {
  return { members: layout !== "ensemble", ensemble: layout !== "members" };
}
