/**
 * `gik run`: every wanted member of one run, in one process — templates on demand, each step's
 * index read once, one store per member.
 *
 * @module
 */
import { isBadInput } from "../../errors.js";
import { runLabel } from "../../source/run.js";
import { ensureTemplates } from "../../stages/reference.js";
import { type MemberOutcome, runForecast } from "../../stages/run.js";
import { openStore } from "../../storage/open.js";
import type { CommandContext } from "../command.js";
import { type Command, EXIT } from "../command.js";
import { parseRunOptions, RUN_OPTIONS, type RunOptions } from "../run-options.js";

export const runCommand: Command = {
  name: "run",
  summary: "Write the virtual Zarr stores of one ECMWF ensemble run, one per member.",
  usage: "gik run --date YYYYMMDD [--cycle 0] [--members all] [--out URL] [options]",
  options: RUN_OPTIONS,
  async run(values, _positionals, ctx) {
    const options = parseRunOptions(values);
    const outcomes = await runMembers(options, ctx, true);
    for (const o of outcomes) ctx.print(outcomeLine(o));
    return exitCodeOf(outcomes);
  },
};

/** Opens the stores of a run, makes sure templates exist, and runs stages 1–3 for `options.members`. */
export async function runMembers(
  options: RunOptions,
  ctx: CommandContext,
  buildIfMissing: boolean,
): Promise<MemberOutcome[]> {
  const source = openStore(options.source);
  const templates = openStore(options.templates);
  const out = openStore(options.out);
  const deps = {
    source,
    templates,
    out,
    log: ctx.log,
    progress: ctx.progress,
    stepConcurrency: options.concurrency,
  };
  const referenceRun = await ensureTemplates(
    { run: options.run, referenceDate: options.referenceDate, members: options.members, buildIfMissing },
    deps,
  );
  ctx.log.info(
    { run: runLabel(options.run), reference: runLabel(referenceRun), out: out.url("") },
    "running",
  );
  const outcomes = await runForecast(
    {
      run: options.run,
      members: options.members,
      referenceRun,
      format: options.format,
      onDrift: options.onDrift,
    },
    deps,
  );
  for (const o of outcomes) {
    if (o.status === "failed") ctx.log.error({ member: o.member, err: o.error.message }, "member failed");
  }
  return outcomes;
}

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
