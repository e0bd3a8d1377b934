/**
 * `gik run`: every wanted member of one run, in one process — templates on demand (a remote
 * store's manifest read through the local cache, `templates/cache.ts`), each step's index read
 * once, one store per member.
 *
 * @module
 */

import { NotFoundError } from "../../api/errors.js";
import { type RunId, runLabel } from "../../api/run-id.js";
import { openCollection } from "../../collection/target.js";
import { latestRun } from "../../source/runs.js";
import { runRequest } from "../../stages/forecast.js";
import { collectionLine, ensembleLine, exitCodeOf, outcomeLine } from "../../stages/outcome-lines.js";
import { openStore } from "../../storage/open.js";
import type { Store } from "../../storage/types.js";
import type { Command, CommandContext } from "../command.js";
import { openSource, openTemplates, parseRunOptions, RUN_OPTIONS, type RunOptions } from "../run-options.js";

/** The run the flags name: itself, or the newest run the source holds complete. */
async function resolveRun(run: RunOptions["run"], source: Store, ctx: CommandContext): Promise<RunId> {
  if (!("latest" in run)) return run;
  const { run: latest, requests } = await latestRun(source, new Date(), run.latest);
  if (!latest) {
    throw new NotFoundError(
      source.url(""),
      `a complete run of cycles ${run.latest.join(", ")} in the last 3 days`,
    );
  }
  ctx.log.info({ run: runLabel(latest), requests }, "latest complete run");
  return latest;
}

export const runCommand: Command = {
  name: "run",
  summary:
    "Write the virtual Zarr stores of one ECMWF ensemble run: one per member, and/or the whole ensemble.",
  usage: "gik run --date YYYYMMDD [--cycle 0] [--members all] [--out URL] [options]",
  options: RUN_OPTIONS,
  async run(values, _positionals, ctx) {
    const options = parseRunOptions(values, new Date(), ctx.env);
    const { collection } = options.request;
    const source = openSource(values);
    const request = { ...options.request, run: await resolveRun(options.run, source, ctx) };
    const deps = {
      source,
      templates: openTemplates(request.templates.store, options.cache, ctx.log),
      out: openStore(request.output),
      log: ctx.log,
      progress: ctx.progress,
      stepConcurrency: options.concurrency,
      ...(collection ? { collection: openCollection(collection, ctx.log) } : {}),
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
