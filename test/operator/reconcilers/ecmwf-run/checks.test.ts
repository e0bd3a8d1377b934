import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { TemplateBuild } from "../../../../job-image/src/api/index.js";
import { checkRun, type RunCheckInput } from "../../../../operator/src/reconcilers/ecmwf-run/checks.js";
import { desiredJob } from "../../../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { defaults, run, templateBuild } from "../../helpers/objects.js";

const succeeded = templateBuild({}, { phase: "Succeeded", store: "s3://gik-templates/20240529" });
const existingJob: V1Job = desiredJob(
  run(),
  { store: "s3://old-templates/x", referenceDate: "20240101" },
  defaults,
);
const foreign: V1Job = { metadata: { name: "er-run-20250101", ownerReferences: [] } };

describe("checkRun", () => {
  it.each<{ name: string; input: Partial<RunCheckInput>; verdict: object }>([
    {
      name: "invalid spec stalls, naming the field",
      input: { run: run({ date: "20250230" }), templateBuild: succeeded },
      verdict: { kind: "stalled", problem: { field: "spec.date" } },
    },
    {
      name: "no output anywhere stalls",
      input: { run: run({ output: undefined }), templateBuild: succeeded },
      verdict: { kind: "stalled", problem: { field: "spec.output" } },
    },
    {
      name: "a Job of our name owned by another object: wait briefly",
      input: { run: run(), templateBuild: succeeded, foreignJob: foreign },
      verdict: { kind: "wait", reason: "JobNotOwned", requeueAfterMs: 5000 },
    },
    {
      name: "existing Job: its templates, whatever the TemplateBuild says now",
      input: { run: run(), templateBuild: undefined, job: existingJob },
      verdict: {
        kind: "go",
        reason: "TemplatesFixedInJob",
        value: { store: "s3://old-templates/x", referenceDate: "20240101" },
      },
    },
    {
      name: "store given directly",
      input: { run: run({ templates: { store: "gs://gik-templates/y", referenceDate: "20240601" } }) },
      verdict: {
        kind: "go",
        reason: "TemplatesStoreGiven",
        value: { store: "gs://gik-templates/y", referenceDate: "20240601" },
      },
    },
    {
      name: "TemplateBuild missing: wait",
      input: { run: run() },
      verdict: { kind: "wait", reason: "TemplateBuildNotFound", requeueAfterMs: 30_000 },
    },
    {
      name: "TemplateBuild running: wait, not failed",
      input: { run: run(), templateBuild: templateBuild({}, { phase: "Running" }) },
      verdict: {
        kind: "wait",
        reason: "TemplateBuildNotReady",
        message: "TemplateBuild tb-20240529 is Running",
      },
    },
    {
      name: "TemplateBuild without status yet: wait",
      input: { run: run(), templateBuild: templateBuild() },
      verdict: { kind: "wait", reason: "TemplateBuildNotReady" },
    },
    {
      name: "TemplateBuild failed: wait for a fix",
      input: { run: run(), templateBuild: templateBuild({}, { phase: "Failed" }) },
      verdict: { kind: "wait", reason: "TemplateBuildFailed" },
    },
    {
      name: "TemplateBuild succeeded: its store and reference date",
      input: { run: run(), templateBuild: succeeded as TemplateBuild },
      verdict: {
        kind: "go",
        reason: "TemplateBuildSucceeded",
        value: { store: "s3://gik-templates/20240529", referenceDate: "20240529" },
      },
    },
  ])("$name", ({ input, verdict }) => {
    expect(checkRun({ run: run(), defaults, ...input })).toMatchObject(verdict);
  });
});
