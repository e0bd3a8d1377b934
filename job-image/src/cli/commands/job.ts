/**
 * `gik job`: what a pod of a gik Job runs. The work comes from the operator's Job contract (the
 * `GIK_JOB_SPEC` environment variable, or `--spec FILE`), the share of it from the completion index.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "../../api/errors.js";
import { JOB_SPEC_ENV, jobShares, parseJobSpec } from "../../api/job-spec.js";
import { completionIndex } from "../../job/completion-index.js";
import { runJob } from "../../job/entrypoint.js";
import type { Command } from "../command.js";

export const jobCommand: Command = {
  name: "job",
  summary: "Do one pod's share of a gik Job (an EcmwfRun's members, or a TemplateBuild shard).",
  usage: "gik job [--spec FILE] [--index N] [--report FILE]",
  options: {
    spec: {
      type: "string",
      value: "FILE",
      description: "the Job's spec as JSON",
      default: `$${JOB_SPEC_ENV}`,
    },
    index: { type: "string", value: "N", description: "which share to do", default: "JOB_COMPLETION_INDEX" },
    report: {
      type: "string",
      value: "FILE",
      description: "where the pod writes its report",
      default: "the termination message file, when it exists",
    },
  },
  async run(values, _positionals, ctx) {
    const file = values.spec as string | undefined;
    const text = file === undefined ? ctx.env[JOB_SPEC_ENV] : await readFile(file, "utf8");
    if (text === undefined)
      throw new UsageError(JOB_SPEC_ENV, "not set: give --spec FILE or run in a gik Job");
    const spec = parseJobSpec(text, file ?? JOB_SPEC_ENV);
    const index = completionIndex(jobShares(spec), values.index as string | undefined, ctx.env);
    const report = values.report as string | undefined;
    return runJob(spec, index, { ...ctx, ...(report === undefined ? {} : { reportPath: report }) });
  },
};
