/**
 * `gik runs list`: the runs a source holds from a date on, newest first, each with how many of its
 * step files are published (one LIST per run, two for the runs after IFS 50r1).
 *
 * @module
 */
import { CYCLES, cycleHH, parseCycle, parseDate } from "../../api/run-id.js";
import { runAvailability, runsBetween } from "../../source/runs.js";
import { mapPool } from "../../util/pool.js";
import { type Command, EXIT } from "../command.js";
import { openSource, SOURCE_OPTIONS } from "../run-options.js";

export const runsListCommand: Command = {
  name: "runs list",
  summary: "List the runs a source holds, newest first, and how complete each is.",
  usage: "gik runs list [--since YYYYMMDD] [--cycle any|HH] [--source URL] [--anonymous]",
  options: {
    since: { type: "string", value: "YYYYMMDD", description: "first date listed", default: "two days ago" },
    cycle: { type: "string", value: "HH|any", description: "run hour, or any", default: "any" },
    ...SOURCE_OPTIONS,
  },
  async run(values, _positionals, ctx) {
    const now = new Date();
    const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
    const since = text("since")
      ? parseDate(text("since"), "--since")
      : new Date(now.getTime() - 2 * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
    const cycle = text("cycle") ?? "any";
    const cycles = cycle === "any" ? [...CYCLES] : [parseCycle(cycle, "--cycle")];
    const source = openSource(values);
    const runs = await mapPool(runsBetween(since, now, cycles), 8, (run) => runAvailability(source, run));
    for (const r of runs) {
      if (r.published === 0) continue;
      const state = r.complete ? "complete" : "publishing";
      ctx.print(
        `${r.run.date} ${cycleHH(r.run.cycle)}z  ${state.padEnd(10)}  ${r.published}/${r.total} step files`,
      );
    }
    return EXIT.OK;
  },
};
