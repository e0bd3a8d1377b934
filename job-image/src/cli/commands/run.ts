/**
 * `gik run`: every wanted member of one run, in one process — templates on demand, each step's
 * index read once, one store per member.
 *
 * @module
 */
import { isBadInput } from "../../api/errors.js";
import { collectionTarget } from "../../collection/target.js";
import {
  type AppendOutcome,
  type EnsembleOutcome,
  type ForecastResult,
  type MemberOutcome,
  runRequest,
} from "../../stages/forecast.js";
import { openStore } from "../../storage/open.js";
import { type Command, EXIT } from "../command.js";
import { parseRunOptions, RUN_OPTIONS } from "../run-options.js";

export const runCommand: Command = {
  name: "run",
  summary:
    "Write the virtual Zarr stores of one ECMWF ensemble run: one per member, and/or the whole ensemble.",
  usage: "gik run --date YYYYMMDD [--cycle 0] [--members all] [--out URL] [options]",
  options: RUN_OPTIONS,
  async run(values, _positionals, ctx) {
    const { request, collection, concurrency } = parseRunOptions(values);
    const deps = {
      source: openStore(request.source),
      templates: openStore(request.templates.store),
      out: openStore(request.output),
      log: ctx.log,
      progress: ctx.progress,
      stepConcurrency: concurrency,
      ...(collection
        ? {
            collection: collectionTarget(openStore(collection.url), {
              cycles: collection.cycles,
              log: ctx.log,
            }),
          }
        : {}),
    };
    const result = await runRequest(request, deps, true);
    for (const o of result.members) {
      if (o.status === "failed") ctx.log.error({ member: o.member, err: o.error.message }, "member failed");
      ctx.print(outcomeLine(o));
    }
    if (result.ensemble) ctx.print(ensembleLine(result.ensemble));
    if (result.collection) ctx.print(collectionLine(result.collection));
    return exitCodeOf(result);
  },
};

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
