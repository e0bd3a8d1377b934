import { describe, expect, it } from "vitest";
import type { Condition, EcmwfRunStatus } from "../../../../job-image/src/api/index.js";
import { runTransitions } from "../../../../operator/src/reconcilers/ecmwf-run/transitions.js";

const cond = (type: string, status: Condition["status"], reason: string, message = ""): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2025-01-01T06:00:00Z",
});

describe("runTransitions", () => {
  it.each<{ name: string; old?: EcmwfRunStatus; next: EcmwfRunStatus; reasons: string[] }>([
    {
      name: "first sight while templates are not ready",
      next: {
        phase: "Pending",
        conditions: [cond("TemplatesReady", "False", "TemplateBuildNotFound", "TemplateBuild tb not found")],
      },
      reasons: ["TemplatesNotReady"],
    },
    {
      name: "still waiting for the same reason: nothing",
      old: { phase: "Pending", conditions: [cond("TemplatesReady", "False", "TemplateBuildNotReady", "m")] },
      next: { phase: "Pending", conditions: [cond("TemplatesReady", "False", "TemplateBuildNotReady", "m")] },
      reasons: [],
    },
    {
      name: "templates ready and Job created",
      old: { phase: "Pending", conditions: [cond("TemplatesReady", "False", "TemplateBuildNotReady", "m")] },
      next: {
        phase: "Pending",
        jobName: "er-a",
        conditions: [cond("TemplatesReady", "True", "TemplateBuildSucceeded")],
      },
      reasons: ["TemplatesReady", "JobCreated"],
    },
    {
      name: "running",
      old: { phase: "Pending", jobName: "er-a" },
      next: { phase: "Running", jobName: "er-a" },
      reasons: ["Running"],
    },
    {
      name: "a member fails for good (its pod already wrote phase Failed)",
      old: {
        phase: "Running",
        jobName: "er-a",
        members: { ens07: { phase: "Failed", message: "bad index" } },
        failedMemberNames: [],
      },
      next: {
        phase: "Running",
        jobName: "er-a",
        members: { ens07: { phase: "Failed", message: "bad index" } },
        failedMemberNames: ["ens07"],
      },
      reasons: ["MemberFailed"],
    },
    {
      name: "the same failure seen again: nothing",
      old: { phase: "Running", failedMemberNames: ["ens07"] },
      next: { phase: "Running", failedMemberNames: ["ens07"] },
      reasons: [],
    },
    {
      name: "partially succeeded",
      old: { phase: "Running", failedMemberNames: ["ens07"] },
      next: { phase: "PartiallySucceeded", failedMemberNames: ["ens07"] },
      reasons: ["PartiallySucceeded"],
    },
    { name: "succeeded", old: { phase: "Running" }, next: { phase: "Succeeded" }, reasons: ["Succeeded"] },
    {
      name: "spec becomes invalid",
      old: { phase: "Pending", conditions: [cond("Stalled", "False", "SpecValid")] },
      next: {
        phase: "Pending",
        conditions: [cond("Stalled", "True", "InvalidSpec", "spec.output: not set")],
      },
      reasons: ["InvalidSpec"],
    },
    {
      name: "the commit Job made",
      old: { phase: "Running", jobName: "er-a", conditions: [cond("Committed", "Unknown", "CommitPending")] },
      next: {
        phase: "Running",
        jobName: "er-a",
        commitJobName: "erc-a",
        ensemble: { url: "s3://o/e.parquet", phase: "Running" },
        conditions: [cond("Committed", "Unknown", "CommitRunning")],
      },
      reasons: ["CommitStarted"],
    },
    {
      name: "committed, and the run succeeded",
      old: {
        phase: "Running",
        commitJobName: "erc-a",
        conditions: [cond("Committed", "Unknown", "CommitRunning")],
      },
      next: {
        phase: "Succeeded",
        commitJobName: "erc-a",
        conditions: [cond("Committed", "True", "CommitSucceeded", "ensemble s3://o/e.parquet written")],
      },
      reasons: ["Succeeded", "Committed"],
    },
    {
      name: "the commit failed, and the run with it",
      old: {
        phase: "Running",
        commitJobName: "erc-a",
        conditions: [cond("Committed", "Unknown", "CommitRunning")],
      },
      next: {
        phase: "Failed",
        commitJobName: "erc-a",
        conditions: [cond("Committed", "False", "CommitFailed", "collection: holds 0z, not 12z")],
      },
      reasons: ["Failed", "CommitFailed"],
    },
    {
      name: "the same commit failure seen again: nothing",
      old: {
        phase: "Failed",
        commitJobName: "erc-a",
        conditions: [cond("Committed", "False", "CommitFailed", "x")],
      },
      next: {
        phase: "Failed",
        commitJobName: "erc-a",
        conditions: [cond("Committed", "False", "CommitFailed", "x")],
      },
      reasons: [],
    },
    {
      name: "the members start waiting for ECMWF's files",
      old: { phase: "Running", conditions: [cond("SourceAvailable", "Unknown", "NotReported")] },
      next: { phase: "Running", conditions: [cond("SourceAvailable", "False", "Waiting", "40 of 85 steps")] },
      reasons: ["SourceWaiting"],
    },
    {
      name: "a new count while waiting: nothing",
      old: { phase: "Running", conditions: [cond("SourceAvailable", "False", "Waiting", "40 of 85 steps")] },
      next: { phase: "Running", conditions: [cond("SourceAvailable", "False", "Waiting", "41 of 85 steps")] },
      reasons: [],
    },
    {
      name: "a run that waited has all its files",
      old: { phase: "Running", conditions: [cond("SourceAvailable", "False", "Waiting", "84 of 85 steps")] },
      next: { phase: "Running", conditions: [cond("SourceAvailable", "True", "Published", "all 85 steps")] },
      reasons: ["SourcePublished"],
    },
    {
      name: "a run that never waited: nothing to say of its source",
      old: { phase: "Running", conditions: [cond("SourceAvailable", "Unknown", "NotReported")] },
      next: { phase: "Running", conditions: [cond("SourceAvailable", "True", "Published", "all 85 steps")] },
      reasons: [],
    },
    {
      name: "gave up at the deadline: the phase's Event says it",
      old: { phase: "Running", conditions: [cond("SourceAvailable", "False", "Waiting", "84 of 85 steps")] },
      next: { phase: "Failed", conditions: [cond("SourceAvailable", "False", "SourceNotPublished", "x")] },
      reasons: ["Failed"],
    },
  ])("$name", ({ old, next, reasons }) => {
    expect(runTransitions(old, next).map((e) => e.reason)).toEqual(reasons);
  });

  it("names the failed member and its message", () => {
    const [event] = runTransitions(
      { phase: "Running" },
      {
        phase: "Running",
        failedMemberNames: ["ens07"],
        members: { ens07: { phase: "Failed", message: "IndexParseError: x.index:3: bad json" } },
      },
    );
    expect(event).toEqual({
      type: "Warning",
      reason: "MemberFailed",
      message: "member ens07 failed: IndexParseError: x.index:3: bad json",
    });
  });
});
