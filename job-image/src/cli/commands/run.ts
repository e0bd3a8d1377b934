/**
 * `gik run`: every wanted member of one run, in one process — templates on demand, each step's
 * index read once, one store per member.
 *
 * @module
 */
import { collectionTarget } from "../../collection/target.js";
import { runRequest } from "../../stages/forecast.js";
import { collectionLine, ensembleLine, exitCodeOf, outcomeLine } from "../../stages/outcome-lines.js";
import { openStore } from "../../storage/open.js";
import type { Command } from "../command.js";
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
    const result = await runRequest(request, deps, { buildIfMissing: true });
    for (const o of result.members) {
      if (o.status === "failed") ctx.log.error({ member: o.member, err: o.error.message }, "member failed");
      ctx.print(outcomeLine(o));
    }
    if (result.ensemble) ctx.print(ensembleLine(result.ensemble));
    if (result.collection) ctx.print(collectionLine(result.collection));
    return exitCodeOf(result);
  },
};
