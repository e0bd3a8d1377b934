/**
 * `gik member`: the work of one Job pod — one member of a run, picked by the completion index, with
 * the same options as `gik run`. When the pod runs for an EcmwfRun (`GIK_RUN_NAME`,
 * `GIK_RUN_NAMESPACE`), it reports the member's start and end to the run's status.
 *
 * Exit codes are the Job's contract: 2 for bad input (the Job's podFailurePolicy fails the index at
 * once), 1 for anything a retry may fix.
 *
 * @module
 */
import { isGikError } from "../../errors.js";
import { selectMember } from "../../job/member-index.js";
import { type MemberReport, reportMemberStatus } from "../../job/report-status.js";
import type { MemberOutcome } from "../../stages/run.js";
import type { Command, CommandContext } from "../command.js";
import { parseRunOptions, RUN_OPTIONS } from "../run-options.js";
import { exitCodeOf, outcomeLine, runMembers } from "./run.js";

export const memberCommand: Command = {
  name: "member",
  summary: "Write the store of one member of a run (the work of one Indexed Job pod).",
  usage:
    "gik member [--index N] --date YYYYMMDD --templates URL --reference-date YYYYMMDD --out URL [options]",
  options: {
    index: {
      type: "string",
      value: "N",
      description: "position of the member in --members",
      default: "JOB_COMPLETION_INDEX",
    },
    ...RUN_OPTIONS,
  },
  async run(values, _positionals, ctx) {
    const options = parseRunOptions(values);
    const member = selectMember(options.members, values.index as string | undefined, ctx.env);
    const log = ctx.log.child({ member });
    const report = reporter(ctx, member);
    const startTime = new Date().toISOString();
    await report({ phase: "Running", startTime });
    let outcome: MemberOutcome;
    try {
      [outcome] = (await runMembers({ ...options, members: [member] }, { ...ctx, log }, false)) as [
        MemberOutcome,
      ];
    } catch (error) {
      outcome = { member, status: "failed", error: error as Error };
    }
    ctx.print(outcomeLine(outcome));
    const completionTime = new Date().toISOString();
    if (outcome.status === "failed") {
      const reason = isGikError(outcome.error) ? outcome.error._tag : "Error";
      log.error({ reason, err: outcome.error.message }, "member failed");
      await report({ phase: "Failed", message: outcome.error.message, reason, startTime, completionTime });
    } else {
      await report({
        phase: "Succeeded",
        output: outcome.url,
        refs: outcome.refs,
        message: outcome.status,
        startTime,
        completionTime,
      });
    }
    return exitCodeOf([outcome]);
  },
};

/** Reports to the EcmwfRun named by the environment, or does nothing outside a cluster run. */
function reporter(ctx: CommandContext, member: string): (status: MemberReport) => Promise<unknown> {
  const name = ctx.env.GIK_RUN_NAME;
  const namespace = ctx.env.GIK_RUN_NAMESPACE;
  if (!name || !namespace) return async () => undefined;
  return (status) => reportMemberStatus({ name, namespace, member, status }, { log: ctx.log });
}
