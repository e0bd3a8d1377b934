/**
 * A run's outcome as people read it (a line per member, the ensemble store, the collection) and as
 * the process ends (its exit code): what `gik run` and a Job pod print and return.
 *
 * @module
 */
import { isBadInput } from "../api/errors.js";
import { EXIT } from "../api/exit-codes.js";
import type { AppendOutcome, EnsembleOutcome, ForecastResult, MemberOutcome } from "./forecast.js";

/** One line per member for stdout: `ens01  written  42 refs  s3://…/ens01.parquet`. */
export function outcomeLine(o: MemberOutcome): string {
  const name = o.member.padEnd(8);
  switch (o.status) {
    case "failed":
      return `${name} failed     ${o.error.message}`;
    case "mapped":
      return `${name} mapped     ${o.refs} refs`;
    default:
      return `${name} ${o.status.padEnd(10)} ${o.status === "written" ? `${o.refs} refs  ` : ""}${o.url}`;
  }
}

/** The ensemble store's line: `ensemble written 41821 refs s3://…/ensemble.parquet (failed: ens07)`. */
export function ensembleLine(e: EnsembleOutcome): string {
  const failed = e.failed.length > 0 ? `  (without failed members: ${e.failed.join(", ")})` : "";
  if (e.status === "failed") return `ensemble failed     ${e.error?.message ?? ""}`;
  return `ensemble ${e.status.padEnd(10)} ${e.status === "written" ? `${e.refs} refs  ` : ""}${e.url}${failed}`;
}

/** The collection's line: `collection appended slot 3 of 4  s3://…  (12 objects written)`. */
export function collectionLine(c: AppendOutcome): string {
  if (c.status === "failed") return `collection failed   ${c.error.message}`;
  if (c.slot < 0) return `collection ${c.status.padEnd(10)} ${c.url}  (${c.detail})`;
  return `collection ${c.status.padEnd(10)} slot ${c.slot} of ${c.slots}  ${c.url}  (${c.detail})`;
}

/** 0 when everything asked for is done; 2 when every failure is bad input; else 1. */
export function exitCodeOf(result: ForecastResult): number {
  const errors = [
    ...result.members.flatMap((o) => (o.status === "failed" ? [o.error] : [])),
    ...(result.ensemble?.status === "failed" ? [result.ensemble.error] : []),
    ...(result.collection?.status === "failed" ? [result.collection.error] : []),
  ];
  if (errors.length === 0) return EXIT.OK;
  return errors.every((e) => isBadInput(e)) ? EXIT.BAD_INPUT : EXIT.FAILED;
}
