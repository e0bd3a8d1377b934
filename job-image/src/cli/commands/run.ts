/**
 * `gik run`: every wanted member of one run, in one process — templates on demand, each step's
 * index read once, one store per member.
 *
 * @module
 */
import { isBadInput } from "../../api/errors.js";
import { type MemberOutcome, runRequest } from "../../stages/forecast.js";
import { openStore } from "../../storage/open.js";
import { type Command, EXIT } from "../command.js";
import { parseRunOptions, RUN_OPTIONS } from "../run-options.js";

export const runCommand: Command = {
  name: "run",
  summary: "Write the virtual Zarr stores of one ECMWF ensemble run, one per member.",
  usage: "gik run --date YYYYMMDD [--cycle 0] [--members all] [--out URL] [options]",
  options: RUN_OPTIONS,
  async run(values, _positionals, ctx) {
    const { request, concurrency } = parseRunOptions(values);
    const deps = {
      source: openStore(request.source),
      templates: openStore(request.templates.store),
      out: openStore(request.output),
      log: ctx.log,
      progress: ctx.progress,
      stepConcurrency: concurrency,
    };
    const outcomes = await runRequest(request, deps, true);
    for (const o of outcomes) {
      if (o.status === "failed") ctx.log.error({ member: o.member, err: o.error.message }, "member failed");
      ctx.print(outcomeLine(o));
    }
    return exitCodeOf(outcomes);
  },
};

/** One line per member for stdout: `ens01  written  42 refs  s3://…/ens01.parquet`. */
export function outcomeLine(o: MemberOutcome): string {
  if (o.status === "failed") return `${o.member.padEnd(8)} failed     ${o.error.message}`;
  return `${o.member.padEnd(8)} ${o.status.padEnd(10)} ${o.status === "written" ? `${o.refs} refs  ` : ""}${o.url}`;
}

/** 0 when every member is done; 2 when a failure is bad input; else 1. */
export function exitCodeOf(outcomes: readonly MemberOutcome[]): number {
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length === 0) return EXIT.OK;
  return failed.every((o) => o.status === "failed" && isBadInput(o.error)) ? EXIT.BAD_INPUT : EXIT.FAILED;
}
