/**
 * Which share of a Job's work a pod does: its completion index (`--index`, else the
 * `JOB_COMPLETION_INDEX` the Job controller sets), checked against the number of shares.
 *
 * @module
 */
import { UsageError } from "../api/errors.js";

/**
 * The completion index given by `flag` or the environment, in 0 … `count` - 1.
 *
 * @example completionIndex(51, undefined, { JOB_COMPLETION_INDEX: "7" }) // 7
 */
export function completionIndex(count: number, flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const text = flag ?? env.JOB_COMPLETION_INDEX;
  const field = flag === undefined ? "JOB_COMPLETION_INDEX" : "--index";
  if (text === undefined) {
    throw new UsageError(
      "--index",
      "no completion index: give --index or run as an Indexed Job (JOB_COMPLETION_INDEX)",
    );
  }
  const index = Number(text);
  if (!/^\d+$/.test(text) || index >= count) {
    throw new UsageError(
      field,
      `index ${JSON.stringify(text)} does not select one of the ${count} shares of the work`,
    );
  }
  return index;
}
