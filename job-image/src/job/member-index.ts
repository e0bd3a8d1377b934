/**
 * Which member a Job pod works on: the pod's completion index (`--index`, else the
 * `JOB_COMPLETION_INDEX` the Job controller sets) picks into the run's member list.
 *
 * @module
 */
import { UsageError } from "../errors.js";

export function selectMember(
  members: readonly string[],
  indexFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const text = indexFlag ?? env.JOB_COMPLETION_INDEX;
  const field = indexFlag === undefined ? "JOB_COMPLETION_INDEX" : "--index";
  if (text === undefined)
    throw new UsageError(
      "--index",
      "no member index: give --index or run as an Indexed Job (JOB_COMPLETION_INDEX)",
    );
  const index = Number(text);
  if (!/^\d+$/.test(text) || index >= members.length) {
    throw new UsageError(
      field,
      `index ${JSON.stringify(text)} does not select one of the ${members.length} members`,
    );
  }
  return members[index]!;
}
