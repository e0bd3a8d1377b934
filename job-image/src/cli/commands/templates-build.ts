/**
 * `gik templates build`: Stage 0 for one reference run — index files and GRIB headers only.
 *
 * @module
 */
import { UsageError } from "../../api/errors.js";
import { parseMembers } from "../../api/members.js";
import { parseCycle, parseDate } from "../../api/run-id.js";
import { buildTemplates } from "../../stages/templates.js";
import { openStore } from "../../storage/open.js";
import { type Command, EXIT } from "../command.js";
import { DEFAULTS, openSource, positiveInt, SOURCE_OPTIONS } from "../run-options.js";

export const templatesBuildCommand: Command = {
  name: "templates build",
  summary: "Build the templates of a reference run from its index files and GRIB headers.",
  usage: "gik templates build --date YYYYMMDD [--cycle 0] [--members all] [--store URL] [--shards N]",
  options: {
    date: { type: "string", value: "YYYYMMDD", description: "date of the reference run" },
    cycle: { type: "string", value: "HH", description: "run hour: 0, 6, 12 or 18", default: "0" },
    members: { type: "string", value: "LIST", description: "all, or names: control,ens01,…", default: "all" },
    ...SOURCE_OPTIONS,
    store: { type: "string", value: "URL", description: "templates store", default: DEFAULTS.templates },
    shards: { type: "string", value: "N", description: "split the steps across N builds", default: "1" },
    "shard-index": {
      type: "string",
      value: "I",
      description: "which share of the steps this build does",
      default: "0",
    },
  },
  async run(values, _positionals, ctx) {
    const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
    const run = { date: parseDate(text("date"), "--date"), cycle: parseCycle(text("cycle"), "--cycle") };
    const count = positiveInt(text("shards") ?? "1", "--shards");
    const indexText = text("shard-index") ?? "0";
    const index = Number(indexText);
    if (!/^\d+$/.test(indexText) || index >= count) {
      throw new UsageError("--shard-index", `expected 0 … ${count - 1}, got ${JSON.stringify(indexText)}`);
    }
    const members = parseMembers(text("members"));
    const { manifest, failures } = await buildTemplates(
      { run, members, shard: { index, count } },
      {
        source: openSource(values),
        templates: openStore(text("store") ?? DEFAULTS.templates),
        log: ctx.log,
        progress: ctx.progress,
      },
    );
    ctx.print(
      `templated ${manifest.members.length} members × ${manifest.steps.length} steps, ${Object.keys(manifest.fields).length} fields`,
    );
    for (const [member, error] of failures) ctx.print(`${member.padEnd(8)} failed     ${error.message}`);
    return failures.size === 0 ? EXIT.OK : EXIT.BAD_INPUT;
  },
};
