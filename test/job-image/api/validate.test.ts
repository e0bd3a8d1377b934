import { describe, expect, it } from "vitest";
import type { EcmwfRunSpec, TemplateBuildSpec } from "../../../job-image/src/api/index.js";
import {
  specMembers,
  validateEcmwfRunSpec,
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

describe("specMembers", () => {
  it("is all 51 in member order when omitted", () => {
    expect(specMembers({})).toHaveLength(51);
    expect(ALL_MEMBERS.slice(0, 3)).toEqual(["control", "ens01", "ens02"]);
    expect(ALL_MEMBERS.at(-1)).toBe("ens50");
    expect(specMembers({ members: ["ens03", "control"] })).toEqual(["ens03", "control"]);
  });
});
