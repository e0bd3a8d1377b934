/**
 * The work of one pod of a gik Job: the operator's {@link JobSpec}, the pod's completion index,
 * and back a report. An EcmwfRun pod writes the stores of the members of its share
 * (`shareMembers`), reading each index file once for all of them; a TemplateBuild pod builds shard
 * `index` of the templates.
 *
 * Notes:
 * - A member pod ends with a {@link MemberReport} in its termination message (the file Kubernetes
 *   mounts at `terminationMessagePath`), a commit pod with a {@link CommitReport}; the operator reads
 *   them from the pods' status: pods need no access to the Kubernetes API. Where no such file exists
 *   (a run outside Kubernetes), the report only goes to the log.
 * - Exit codes are the Job's contract: 2 for bad input (the Job's podFailurePolicy fails the index
 *   at once), 1 for anything a retry may fix.
 *
 * @module
 */
import { access, constants, writeFile } from "node:fs/promises";
import { type CommitReport, encodeCommitReport } from "../api/commit-report.js";
import { isBadInput, isGikError } from "../api/errors.js";
import { EXIT } from "../api/exit-codes.js";
import {
  type CommitJobSpec,
  type JobSpec,
  needsCommit,
  type RunJobSpec,
  shareMembers,
  type TemplateBuildJobSpec,
} from "../api/job-spec.js";
import { encodeMemberReport, type MemberResult } from "../api/member-report.js";
import { runLabel } from "../api/run-id.js";
import { TERMINATION_MESSAGE_PATH } from "../api/termination-message.js";
import { openCollection } from "../collection/target.js";
import type { Logger, Progress } from "../log/types.js";
import { commitRun, type ForecastResult, type MemberOutcome, runRequest } from "../stages/forecast.js";
import { collectionLine, ensembleLine, exitCodeOf, outcomeLine } from "../stages/outcome-lines.js";
import { buildTemplates } from "../stages/templates.js";
import { openStore } from "../storage/open.js";

export interface JobContext {
  log: Logger;
  progress: Progress;
  print: (line: string) => void;
  /** Where the report goes; default the container's termination message file, when it exists. */
  reportPath?: string;
  now?: () => Date;
}

/** Runs share `index` of `spec`; resolves the exit code. */
export async function runJob(spec: JobSpec, index: number, ctx: JobContext): Promise<number> {
  switch (spec.kind) {
    case "EcmwfRun":
      return runShare(spec, index, ctx);
    case "TemplateBuild":
      return buildShard(spec, index, ctx);
    case "EcmwfRunCommit":
      return commit(spec, ctx);
  }
}

async function runShare(spec: RunJobSpec, index: number, ctx: JobContext): Promise<number> {
  const now = ctx.now ?? (() => new Date());
  const members = shareMembers(spec, index);
  // One member per pod names it on every line; a share says its members once, then its index.
  const log = ctx.log.child({
    run: runLabel(spec.run),
    ...(members.length === 1 ? { member: members[0] } : { share: index }),
  });
  if (members.length > 1) log.info({ members }, "share started");
  const startTime = now().toISOString();
  let outcomes: MemberOutcome[];
  try {
    const deps = {
      source: openStore(spec.source),
      // No template cache in a pod (`gik run --cache`): each pod starts on a fresh, read-only root
      // file system and reads the manifest once, so a cache would be written and never read.
      templates: openStore(spec.templates.store),
      out: openStore(spec.output),
      log,
      progress: ctx.progress,
    };
    // With an ensemble store or a collection to write, the pod leaves its members' parts for the commit.
    const parts = needsCommit(spec) ? (spec.collection ? "collection" : "ensemble") : undefined;
    ({ members: outcomes } = await runRequest({ ...spec, members }, deps, { buildIfMissing: false, parts }));
  } catch (error) {
    outcomes = members.map((member) => ({ member, status: "failed", error: error as Error }));
  }
  const results = outcomes.map(memberResult);
  for (const [i, o] of outcomes.entries()) {
    if (o.status === "failed")
      log.error({ member: o.member, reason: results[i]!.reason, err: o.error.message }, "member failed");
    else
      log.info(
        { member: o.member, output: "url" in o ? o.url : undefined, refs: o.refs, status: o.status },
        "member done",
      );
    ctx.print(outcomeLine(o));
  }
  await writeReport(
    encodeMemberReport({
      kind: "gik-member-report",
      members: results,
      startTime,
      completionTime: now().toISOString(),
    }),
    ctx,
  );
  // A retry redoes the whole share, reading its indexes again: it is worth it only when some
  // failure may be transient (exit 1); bad input alone fails the index at once (exit 2).
  return exitCodeOf({ members: outcomes });
}

/** What the report says of one member's outcome. Pure. */
function memberResult(outcome: MemberOutcome): MemberResult {
  return outcome.status === "failed"
    ? {
        member: outcome.member,
        phase: "Failed",
        reason: isGikError(outcome.error) ? outcome.error._tag : "Error",
        message: outcome.error.message,
      }
    : { member: outcome.member, phase: "Succeeded", refs: outcome.refs, message: outcome.status };
}

/**
 * The run's commit: the ensemble store and/or the collection append, from the members' parts. Its
 * report (`api/commit-report.ts`) says what became of each; a commit that throws reports why.
 */
async function commit(spec: CommitJobSpec, ctx: JobContext): Promise<number> {
  const now = ctx.now ?? (() => new Date());
  const log = ctx.log.child({ run: runLabel(spec.run), commit: true });
  const startTime = now().toISOString();
  // A commit's only other line comes when it ends; this one says in the cluster's logs that it began.
  log.info(
    { members: spec.members.length, layout: spec.layout, collection: spec.collection?.url },
    "commit started",
  );
  let outcome: CommitOutcome | Error;
  try {
    const out = openStore(spec.output);
    const deps = {
      source: out,
      templates: out,
      out,
      log,
      progress: ctx.progress,
      ...(spec.collection ? { collection: openCollection(spec.collection, log) } : {}),
    };
    outcome = await commitRun(spec, deps);
    if (outcome.ensemble) ctx.print(ensembleLine(outcome.ensemble));
    if (outcome.collection) ctx.print(collectionLine(outcome.collection));
  } catch (error) {
    outcome = error as Error;
    log.error({ err: outcome.message }, "commit failed");
    ctx.print(`commit failed ${outcome.message}`);
  }
  await writeReport(
    encodeCommitReport(commitReport(outcome, { startTime, completionTime: now().toISOString() })),
    ctx,
  );
  if (!(outcome instanceof Error)) return exitCodeOf({ members: [], ...outcome });
  return isBadInput(outcome) ? EXIT.BAD_INPUT : EXIT.FAILED;
}

/** What `commitRun` made of a run's parts. */
type CommitOutcome = Pick<ForecastResult, "ensemble" | "collection">;

/** The commit pod's report of `outcome`: what `commitRun` returned, or the error it threw. Pure. */
export function commitReport(
  outcome: CommitOutcome | Error,
  times: { startTime: string; completionTime: string },
): CommitReport {
  if (outcome instanceof Error) {
    return {
      kind: "gik-commit-report",
      phase: "Failed",
      reason: isGikError(outcome) ? outcome._tag : "Error",
      message: outcome.message,
      ...times,
    };
  }
  const { ensemble: e, collection: c } = outcome;
  return {
    kind: "gik-commit-report",
    phase: exitCodeOf({ members: [], ...outcome }) === EXIT.OK ? "Succeeded" : "Failed",
    ...(e
      ? {
          ensemble: {
            status: e.status,
            url: e.url,
            failed: e.failed,
            ...(e.error ? { message: e.error.message } : {}),
          },
        }
      : {}),
    ...(c
      ? {
          collection:
            c.status === "failed"
              ? { status: c.status, url: c.url, message: c.error.message }
              : {
                  status: c.status,
                  url: c.url,
                  ...(c.slot >= 0 ? { slot: c.slot, slots: c.slots } : {}),
                  message: c.detail,
                },
        }
      : {}),
    ...times,
  };
}

async function buildShard(spec: TemplateBuildJobSpec, index: number, ctx: JobContext): Promise<number> {
  const { manifest, failures } = await buildTemplates(
    { run: spec.referenceRun, members: spec.members, shard: { index, count: spec.shards } },
    {
      source: openStore(spec.source),
      templates: openStore(spec.store),
      log: ctx.log.child({ reference: runLabel(spec.referenceRun), shard: index }),
      progress: ctx.progress,
    },
  );
  ctx.print(
    `shard ${index} of ${spec.shards}: ${manifest.members.length} members × ${manifest.steps.length} steps`,
  );
  for (const [member, error] of failures) ctx.print(`${member.padEnd(8)} failed     ${error.message}`);
  return failures.size === 0 ? EXIT.OK : EXIT.BAD_INPUT;
}

/** Writes the report where Kubernetes looks for it; a file that is not there means no Kubernetes. */
async function writeReport(text: string, ctx: JobContext): Promise<void> {
  const path = ctx.reportPath ?? TERMINATION_MESSAGE_PATH;
  try {
    if (ctx.reportPath === undefined) await access(path, constants.W_OK);
  } catch {
    return;
  }
  try {
    await writeFile(path, text);
  } catch (err) {
    ctx.log.warn({ path, err: (err as Error).message }, "could not write the report");
  }
}
