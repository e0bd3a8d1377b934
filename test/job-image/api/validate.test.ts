import { describe, expect, it } from "vitest";
import type { EcmwfRunSpec, EcmwfScheduleSpec, TemplateBuildSpec } from "../../../job-image/src/api/index.js";
import {
  SCHEDULE_DEFAULTS,
  scheduleDefaults,
  specMembers,
  validateEcmwfRunSpec,
  validateEcmwfScheduleSpec,
  validateTemplateBuildSpec,
} from "../../../job-image/src/api/index.js";
import { ALL_MEMBERS } from "../../../job-image/src/api/members.js";

const good: EcmwfRunSpec = {
  date: "20250101",
  cycle: 0,
  members: ["control", "ens01", "ens50"],
  templates: { templateBuild: "tb-20240529" },
  output: "s3://gik-out/stores",
};

describe("validateEcmwfRunSpec", () => {
  it("accepts a good spec, and a templates store with its reference date", () => {
    expect(validateEcmwfRunSpec(good)).toBeUndefined();
    expect(
      validateEcmwfRunSpec({
        ...good,
        layout: "both",
        collection: { url: "gs://gik-out/collection", cycles: [0, 12] },
        queueName: "forecasts",
        sourceDeadline: "1d2h30m",
        sourcePollSeconds: 300,
      }),
    ).toBeUndefined();
    expect(
      validateEcmwfRunSpec({
        ...good,
        templates: { store: "gs://gik-templates/x", referenceDate: "20240529" },
      }),
    ).toBeUndefined();
  });

  it.each([
    { name: "date not YYYYMMDD", spec: { date: "2025-01-01" }, field: "spec.date" },
    { name: "date not a calendar date", spec: { date: "20250230" }, field: "spec.date" },
    { name: "cycle 5", spec: { cycle: 5 }, field: "spec.cycle" },
    { name: "unknown member", spec: { members: ["control", "ens51"] }, field: "spec.members[1]" },
    { name: "member twice", spec: { members: ["ens01", "ens01"] }, field: "spec.members[1]" },
    {
      name: "both templates forms",
      spec: { templates: { templateBuild: "a", store: "s3://bucket/c", referenceDate: "20240101" } },
      field: "spec.templates",
    },
    {
      name: "store without reference date",
      spec: { templates: { store: "s3://bucket/c" } },
      field: "spec.templates.referenceDate",
    },
    { name: "file:// output", spec: { output: "file:///tmp/out" }, field: "spec.output" },
    {
      name: "https:// output (cannot be written)",
      spec: { output: "https://example.com/out" },
      field: "spec.output",
    },
    { name: "layout", spec: { layout: "one" as never }, field: "spec.layout" },
    { name: "http:// source", spec: { source: "http://example.com/x" }, field: "spec.source" },
    { name: "format", spec: { format: "zarr" }, field: "spec.format" },
    { name: "parallelism 0", spec: { parallelism: 0 }, field: "spec.parallelism" },
    { name: "membersPerPod 0", spec: { membersPerPod: 0 }, field: "spec.membersPerPod" },
    { name: "membersPerPod above the 51 members", spec: { membersPerPod: 52 }, field: "spec.membersPerPod" },
    { name: "backoff 11", spec: { backoffLimitPerIndex: 11 }, field: "spec.backoffLimitPerIndex" },
    {
      name: "bad service account",
      spec: { serviceAccountName: "Not_A_Name" },
      field: "spec.serviceAccountName",
    },
    {
      name: "secret without name",
      spec: { credentials: { secretRef: {} } },
      field: "spec.credentials.secretRef.name",
    },
    { name: "collection not an object", spec: { collection: "s3://gik-out/c" }, field: "spec.collection" },
    {
      name: "https:// collection (cannot be written)",
      spec: { collection: { url: "https://example.com/c" } },
      field: "spec.collection.url",
    },
    { name: "collection without url", spec: { collection: {} }, field: "spec.collection.url" },
    {
      name: "collection cycle 3",
      spec: { collection: { url: "s3://gik-out/c", cycles: [0, 3] } },
      field: "spec.collection.cycles[1]",
    },
    {
      name: "collection cycle twice",
      spec: { collection: { url: "s3://gik-out/c", cycles: [0, 0] } },
      field: "spec.collection.cycles[1]",
    },
    {
      name: "collection cycles without the run's",
      spec: { cycle: 6, collection: { url: "s3://gik-out/c", cycles: [0, 12] } },
      field: "spec.collection.cycles",
    },
    { name: "queue name not a DNS label", spec: { queueName: "team.queue" }, field: "spec.queueName" },
    { name: "queue name too long", spec: { queueName: "q".repeat(64) }, field: "spec.queueName" },
    { name: "deadline without a unit", spec: { sourceDeadline: "12" }, field: "spec.sourceDeadline" },
    { name: "deadline empty", spec: { sourceDeadline: "" }, field: "spec.sourceDeadline" },
    { name: "deadline as a number", spec: { sourceDeadline: 3600 as never }, field: "spec.sourceDeadline" },
    { name: "poll 0 s", spec: { sourcePollSeconds: 0 }, field: "spec.sourcePollSeconds" },
    { name: "poll 301 s", spec: { sourcePollSeconds: 301 }, field: "spec.sourcePollSeconds" },
  ])("$name → $field", ({ spec, field }) => {
    const problem = validateEcmwfRunSpec({ ...good, ...(spec as Partial<EcmwfRunSpec>) });
    expect(problem?.field).toBe(field);
    expect(problem?.message.length).toBeGreaterThan(0);
  });
});

describe("validateTemplateBuildSpec", () => {
  const tb: TemplateBuildSpec = { referenceDate: "20240529", store: "s3://gik-templates/20240529" };
  it.each([
    { name: "good", spec: {}, field: undefined },
    { name: "leap day ok", spec: { referenceDate: "20240229" }, field: undefined },
    { name: "no leap day in 2025", spec: { referenceDate: "20250229" }, field: "spec.referenceDate" },
    { name: "shards 86", spec: { shards: 86 }, field: "spec.shards" },
    { name: "store scheme", spec: { store: "file:///x" }, field: "spec.store" },
    {
      name: "https:// store (cannot be written)",
      spec: { store: "https://example.com/t" },
      field: "spec.store",
    },
  ])("$name", ({ spec, field }) => {
    expect(validateTemplateBuildSpec({ ...tb, ...spec })?.field).toBe(field);
  });
});

describe("validateEcmwfScheduleSpec", () => {
  const es: EcmwfScheduleSpec = {
    cycles: [0, 12],
    runTemplate: { templates: { templateBuild: "tb-20240529" }, members: ["control"] },
  };
  it.each([
    { name: "good, defaults left to the CRD", spec: {}, field: undefined },
    {
      name: "good, every field",
      spec: {
        cycles: [18, 0, 6, 12],
        publicationDelaySeconds: 0,
        concurrencyPolicy: "Replace",
        startingDeadlineSeconds: 0,
        suspend: true,
        successfulRunsHistoryLimit: 0,
        failedRunsHistoryLimit: 100,
        startFrom: "20240229",
        maxBackfill: 100,
      },
      field: undefined,
    },
    { name: "no cycles", spec: { cycles: [] }, field: "spec.cycles" },
    { name: "cycle 3", spec: { cycles: [0, 3] }, field: "spec.cycles[1]" },
    { name: "a cycle twice", spec: { cycles: [12, 12] }, field: "spec.cycles[1]" },
    {
      name: "delay of three days",
      spec: { publicationDelaySeconds: 259_200 },
      field: "spec.publicationDelaySeconds",
    },
    { name: "no run template", spec: { runTemplate: undefined }, field: "spec.runTemplate" },
    {
      name: "a date in the run template",
      spec: { runTemplate: { ...es.runTemplate, date: "20250101" } },
      field: "spec.runTemplate.date",
    },
    {
      name: "the run template checked as a run's spec, named under spec.runTemplate",
      spec: { runTemplate: { templates: { templateBuild: "tb" }, members: ["ens51"] } },
      field: "spec.runTemplate.members[0]",
    },
    {
      name: "the run template's output",
      spec: {
        runTemplate: {
          templates: { store: "s3://gik-templates/x", referenceDate: "20240101" },
          output: "file:///x",
        },
      },
      field: "spec.runTemplate.output",
    },
    {
      name: "the run template's collection URL",
      spec: { runTemplate: { ...es.runTemplate, collection: { url: "https://example.com/c" } } },
      field: "spec.runTemplate.collection.url",
    },
    {
      name: "collection cycles without one of the schedule's",
      spec: { runTemplate: { ...es.runTemplate, collection: { url: "s3://gik-out/c", cycles: [0] } } },
      field: "spec.runTemplate.collection.cycles",
    },
    {
      name: "the run template's queue name",
      spec: { runTemplate: { ...es.runTemplate, queueName: "Queue" } },
      field: "spec.runTemplate.queueName",
    },
    {
      name: "the run template's deadline",
      spec: { runTemplate: { ...es.runTemplate, sourceDeadline: "tomorrow" } },
      field: "spec.runTemplate.sourceDeadline",
    },
    { name: "policy", spec: { concurrencyPolicy: "Sometimes" }, field: "spec.concurrencyPolicy" },
    {
      name: "negative deadline",
      spec: { startingDeadlineSeconds: -1 },
      field: "spec.startingDeadlineSeconds",
    },
    { name: "suspend as a string", spec: { suspend: "yes" }, field: "spec.suspend" },
    { name: "history -1", spec: { failedRunsHistoryLimit: -1 }, field: "spec.failedRunsHistoryLimit" },
    { name: "startFrom not a date", spec: { startFrom: "20250230" }, field: "spec.startFrom" },
    { name: "maxBackfill 0", spec: { maxBackfill: 0 }, field: "spec.maxBackfill" },
    { name: "maxBackfill 101", spec: { maxBackfill: 101 }, field: "spec.maxBackfill" },
  ])("$name", ({ spec, field }) => {
    const problem = validateEcmwfScheduleSpec({ ...es, ...(spec as Partial<EcmwfScheduleSpec>) });
    expect(problem?.field).toBe(field);
  });

  it("fills in the CRD's defaults", () => {
    expect(scheduleDefaults(es)).toEqual({
      ...es,
      ...SCHEDULE_DEFAULTS,
      suspend: false,
    });
    expect(SCHEDULE_DEFAULTS).toMatchObject({ publicationDelaySeconds: 21_600, concurrencyPolicy: "Allow" });
  });
});

describe("specMembers", () => {
  it("is all 51 in member order when omitted", () => {
    expect(specMembers({})).toHaveLength(51);
    expect(ALL_MEMBERS.slice(0, 3)).toEqual(["control", "ens01", "ens02"]);
    expect(ALL_MEMBERS.at(-1)).toBe("ens50");
    expect(specMembers({ members: ["ens03", "control"] })).toEqual(["ens03", "control"]);
  });
});
