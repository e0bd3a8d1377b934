/**
 * Sanity of the CRDs as files: the structural-schema rules the operator relies on, the patterns
 * and defaults shared with `api/validate.ts`, the EcmwfSchedule's `runTemplate` kept equal to the
 * EcmwfRun spec without `date` and `cycle`, and that the statuses the operator computes fit the
 * status schemas (an unknown status field would be pruned silently by the API server).
 */
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  CYCLES,
  DATE_PATTERN,
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  DURATION_PATTERN,
  encodeCommitReport,
  LAYOUTS,
  MAX_BACKFILL,
  MAX_HISTORY_LIMIT,
  MAX_PUBLICATION_DELAY_SECONDS,
  MAX_SOURCE_POLL_SECONDS,
  MEMBER_PATTERN,
  RUN_DEFAULTS,
  SCHEDULE_DEFAULTS,
  URL_PATTERN,
  WRITABLE_URL_PATTERN,
} from "../../job-image/src/api/index.js";
import { checkRun } from "../../operator/src/reconcilers/ecmwf-run/checks.js";
import { desiredCommitJob } from "../../operator/src/reconcilers/ecmwf-run/desired-commit-job.js";
import { desiredJob } from "../../operator/src/reconcilers/ecmwf-run/desired-job.js";
import { computeRunStatus } from "../../operator/src/reconcilers/ecmwf-run/status.js";
import { computeScheduleStatus } from "../../operator/src/reconcilers/ecmwf-schedule/status.js";
import { checkTemplateBuild } from "../../operator/src/reconcilers/template-build/checks.js";
import { desiredTemplateBuildJob } from "../../operator/src/reconcilers/template-build/desired-job.js";
import { computeTemplateBuildStatus } from "../../operator/src/reconcilers/template-build/status.js";
import { loadCrd, rootSchema, schemaErrors, walk } from "./helpers/crds.js";
import {
  defaults,
  partiallySucceededRun,
  pod,
  schedule,
  scheduledRun,
  templateBuild,
  withJobStatus,
} from "./helpers/objects.js";

const crds = [
  {
    file: "ecmwfruns.gik.dev.yaml",
    kind: "EcmwfRun",
    plural: "ecmwfruns",
    short: "er",
    immutable: ["date", "cycle"],
  },
  {
    file: "templatebuilds.gik.dev.yaml",
    kind: "TemplateBuild",
    plural: "templatebuilds",
    short: "tb",
    immutable: ["referenceDate", "cycle", "store"],
  },
  {
    file: "ecmwfschedules.gik.dev.yaml",
    kind: "EcmwfSchedule",
    plural: "ecmwfschedules",
    short: "es",
    immutable: [],
  },
];

describe.each(crds)("$file", ({ file, kind, plural, short, immutable }) => {
  const crd = loadCrd(file);
  const version = crd.spec.versions[0];
  const root = rootSchema(crd);
  const spec = root.properties!.spec!;

  it("names, scope, version and status subresource", () => {
    expect(crd.metadata.name).toBe(`${plural}.gik.dev`);
    expect(crd.spec.group).toBe("gik.dev");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toMatchObject({ kind, plural, shortNames: [short] });
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({
      name: "v1alpha1",
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it("is structural: every node has a type (or is int-or-string), no preserve-unknown-fields", () => {
    for (const [path, node] of walk(root)) {
      if (node["x-kubernetes-int-or-string"]) continue;
      expect(node.type, `${path} has a type`).toBeTypeOf("string");
      expect(node["x-kubernetes-preserve-unknown-fields"], path).toBeUndefined();
    }
  });

  it("has no field that could hold an inline credential", () => {
    const names = [...walk(spec)].map(([path]) => path.split(".").at(-1) ?? "");
    const holder = spec.properties!.runTemplate ?? spec;
    const suspicious = names.filter((n) => /key|secret|token|password|credential/i.test(n));
    expect(suspicious.sort()).toEqual(["credentials", "secretRef"]);
    expect(holder.properties!.credentials!.properties!.secretRef!.properties).toEqual({
      name: expect.objectContaining({ type: "string" }),
    });
  });

  it("uses the patterns of api/validate.ts", () => {
    const patterns = new Set(
      [...walk(spec)].flatMap(([, n]) => (n.pattern ? [new RegExp(n.pattern).source] : [])),
    );
    for (const re of [
      DATE_PATTERN,
      MEMBER_PATTERN,
      URL_PATTERN,
      WRITABLE_URL_PATTERN,
      DNS_SUBDOMAIN_PATTERN,
    ]) {
      expect(patterns.has(re.source), re.source).toBe(true);
    }
  });

  it.skipIf(immutable.length === 0).each(immutable)("%s is immutable (CEL transition rule)", (field) => {
    const rules = spec.properties![field]!["x-kubernetes-validations"] ?? [];
    expect(rules.map((r) => r.rule)).toContain("self == oldSelf");
  });

  it("printer columns point at fields of the schema", () => {
    for (const column of version.additionalPrinterColumns) {
      const parts: string[] = column.jsonPath.split(".").slice(1);
      let node = root;
      for (const part of parts)
        node = node.properties?.[part] ?? (part === "creationTimestamp" ? { type: "string" } : {});
      expect(node.type, column.jsonPath).toBeDefined();
    }
  });

  it("conditions are a map list keyed by type", () => {
    const conditions = root.properties!.status!.properties!.conditions!;
    expect(conditions["x-kubernetes-list-type"]).toBe("map");
    expect(conditions["x-kubernetes-list-map-keys"]).toEqual(["type"]);
  });
});

describe("patterns", () => {
  it.each([
    {
      re: URL_PATTERN,
      ok: ["s3://ecmwf-forecasts", "gs://gik-out/a/b", "https://data.ecmwf.int/forecasts"],
      bad: ["file:///tmp/x", "http://x.org/a", "s3://", "s3://Bucket/x", "s3://a b/c"],
    },
    {
      re: WRITABLE_URL_PATTERN,
      ok: ["s3://gik-out", "gs://gik-out/a/b"],
      bad: ["https://data.ecmwf.int/forecasts", "file:///tmp/x", "/tmp/x", "s3://Bucket/x"],
    },
    {
      re: MEMBER_PATTERN,
      ok: ["control", "ens01", "ens10", "ens49", "ens50"],
      bad: ["ens00", "ens51", "ens1", "ens100", "Control"],
    },
    { re: DATE_PATTERN, ok: ["20250101"], bad: ["2025010", "2025-01-01", "202501011"] },
  ])("$re", ({ re, ok, bad }) => {
    for (const v of ok) expect(re.test(v), v).toBe(true);
    for (const v of bad) expect(re.test(v), v).toBe(false);
  });

  it("the EcmwfRun schema defaults what the operator expects", () => {
    const spec = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.spec!.properties!;
    expect(spec.cycle!.default).toBe(0);
    expect(spec.cycle!.enum).toEqual([0, 6, 12, 18]);
    expect(spec.source!.default).toBe("s3://ecmwf-forecasts");
    expect(spec.format!.default).toBe("parquet");
    expect(spec.backoffLimitPerIndex).toMatchObject({ minimum: 0, maximum: 10, default: 2 });
    expect(spec.parallelism).toMatchObject({ minimum: 1, maximum: 51 });
    expect(spec.members!["x-kubernetes-list-type"]).toBe("set");
    expect(spec.layout).toMatchObject({ enum: [...LAYOUTS], default: "members" });
    expect(spec.collection!.required).toEqual(["url"]);
    expect(new RegExp(spec.collection!.properties!.url!.pattern!).source).toBe(WRITABLE_URL_PATTERN.source);
    expect(spec.collection!.properties!.cycles).toMatchObject({
      minItems: 1,
      maxItems: 4,
      "x-kubernetes-list-type": "set",
      items: { enum: [...CYCLES] },
    });
    expect(new RegExp(spec.queueName!.pattern!).source).toBe(DNS_LABEL_PATTERN.source);
    expect(spec.queueName!.maxLength).toBe(63);
    expect(spec.sourceDeadline).toMatchObject({ default: RUN_DEFAULTS.sourceDeadline, minLength: 1 });
    expect(new RegExp(spec.sourceDeadline!.pattern!).source).toBe(DURATION_PATTERN.source);
    expect(spec.sourcePollSeconds).toMatchObject({
      minimum: 1,
      maximum: MAX_SOURCE_POLL_SECONDS,
      default: RUN_DEFAULTS.sourcePollSeconds,
    });
  });

  it("prints how much of the run is published, beside its members", () => {
    const columns = loadCrd("ecmwfruns.gik.dev.yaml").spec.versions[0].additionalPrinterColumns;
    const shown = columns.filter((c: { priority?: number }) => !c.priority);
    expect(shown.map((c: { name: string }) => c.name)).toEqual([
      "Date",
      "Cycle",
      "Phase",
      "Done",
      "Failed",
      "Total",
      "Source",
      "Age",
    ]);
    expect(shown.find((c: { name: string }) => c.name === "Source")?.jsonPath).toBe(
      ".status.source.progress",
    );
  });

  it("the EcmwfRun status has every phase, Queued included", () => {
    const status = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.status!.properties!;
    expect(status.phase!.enum).toEqual([
      "Pending",
      "Queued",
      "Running",
      "Succeeded",
      "PartiallySucceeded",
      "Failed",
    ]);
  });
});

describe("the EcmwfSchedule schema", () => {
  const root = rootSchema(loadCrd("ecmwfschedules.gik.dev.yaml"));
  const spec = root.properties!.spec!;

  it("runTemplate is the EcmwfRun spec schema without date and cycle (they cannot drift apart)", () => {
    const runSpec = structuredClone(rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.spec!);
    delete runSpec.properties!.date;
    delete runSpec.properties!.cycle;
    runSpec.required = runSpec.required!.filter((f) => f !== "date" && f !== "cycle");
    const { description: _template, ...template } = spec.properties!.runTemplate!;
    const { description: _run, ...run } = runSpec;
    expect(template).toEqual(run);
    expect(Object.keys(template.properties!)).not.toContain("date");
  });

  it("defaults and bounds what the operator expects (api/validate.ts)", () => {
    const p = spec.properties!;
    expect(spec.required).toEqual(["cycles", "runTemplate"]);
    expect(p.cycles).toMatchObject({ minItems: 1, maxItems: 4, "x-kubernetes-list-type": "set" });
    expect(p.cycles!.items!.enum).toEqual([0, 6, 12, 18]);
    expect(p.concurrencyPolicy).toMatchObject({
      enum: ["Allow", "Forbid", "Replace"],
      default: SCHEDULE_DEFAULTS.concurrencyPolicy,
    });
    expect(p.publicationDelaySeconds).toMatchObject({
      minimum: 0,
      maximum: MAX_PUBLICATION_DELAY_SECONDS,
      default: SCHEDULE_DEFAULTS.publicationDelaySeconds,
    });
    expect(p.successfulRunsHistoryLimit).toMatchObject({
      minimum: 0,
      maximum: MAX_HISTORY_LIMIT,
      default: SCHEDULE_DEFAULTS.successfulRunsHistoryLimit,
    });
    expect(p.failedRunsHistoryLimit).toMatchObject({
      minimum: 0,
      maximum: MAX_HISTORY_LIMIT,
      default: SCHEDULE_DEFAULTS.failedRunsHistoryLimit,
    });
    expect(p.maxBackfill).toMatchObject({
      minimum: 1,
      maximum: MAX_BACKFILL,
      default: SCHEDULE_DEFAULTS.maxBackfill,
    });
    expect(p.suspend).toMatchObject({ type: "boolean", default: false });
    expect(p.startingDeadlineSeconds).toMatchObject({ minimum: 0 });
    expect(p.startingDeadlineSeconds!.default).toBeUndefined();
    expect(p.startFrom!.pattern).toBe(DATE_PATTERN.source);
    // The same calendar rule as the run's dates.
    const run = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.spec!.properties!;
    expect(p.startFrom!["x-kubernetes-validations"]).toEqual([run.date!["x-kubernetes-validations"]![0]]);
  });

  it("prints cycles, suspend, active runs, the last scheduled run and age", () => {
    const columns = loadCrd("ecmwfschedules.gik.dev.yaml").spec.versions[0].additionalPrinterColumns;
    expect(
      columns.filter((c: { priority?: number }) => !c.priority).map((c: { name: string }) => c.name),
    ).toEqual(["Cycles", "Suspend", "Active", "Last Scheduled", "Age"]);
  });
});

describe("statuses the operator writes fit the status schemas", () => {
  const now = new Date("2025-01-01T07:00:00Z");
  const TEMPLATES = { store: "s3://gik-templates/20240529", referenceDate: "20240529" };

  it("EcmwfRun: a partially succeeded run with reports and a killed pod", () => {
    const { run, job, pods } = partiallySucceededRun();
    const status = computeRunStatus(run, job, pods, checkRun({ run, job, defaults }), now);
    const schema = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.status!;
    expect(status.phase).toBe("PartiallySucceeded");
    expect(status.conditions!.map((c) => c.type).sort()).toEqual(
      ["Failed", "Progressing", "SourceAvailable", "Stalled", "Succeeded", "TemplatesReady"].sort(),
    );
    expect(status.source).toEqual({ published: 85, total: 85, progress: "85/85" });
    expect(Object.values(ConditionType)).toEqual(
      expect.arrayContaining(status.conditions!.map((c) => c.type)),
    );
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(status)), "status")).toEqual([]);
  });

  it("EcmwfRun: a run whose commit wrote the ensemble store without a member and appended it", () => {
    const { run, job, pods } = partiallySucceededRun();
    const both = {
      ...run,
      spec: { ...run.spec, layout: "both" as const, collection: { url: "s3://gik-out/c" } },
    };
    const members = withJobStatus(desiredJob(both, TEMPLATES, defaults), job.status);
    const commit = withJobStatus(desiredCommitJob(both, members, [], defaults)!, {
      startTime: new Date("2025-01-01T06:10:00Z"),
      completedIndexes: "0",
      completionTime: new Date("2025-01-01T06:11:00Z"),
      conditions: [{ type: "Complete", status: "True" }] as never,
    });
    const report = encodeCommitReport({
      kind: "gik-commit-report",
      phase: "Succeeded",
      ensemble: {
        status: "written",
        url: "s3://gik-out/stores/20250101/00z/ensemble.parquet",
        failed: ["ens02"],
      },
      collection: { status: "appended", url: "s3://gik-out/c", slot: 0, slots: 1, message: "9 objects" },
      startTime: "2025-01-01T06:10:01Z",
      completionTime: "2025-01-01T06:10:59Z",
    });
    const status = computeRunStatus(
      both,
      members,
      pods,
      checkRun({ run: both, job: members, defaults }),
      now,
      {
        job: commit,
        pods: [pod(commit, 0, "Succeeded", { exitCode: 0, message: report })],
      },
    );
    const schema = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.status!;
    expect(status).toMatchObject({
      phase: "PartiallySucceeded",
      commitJobName: "erc-run-20250101",
      ensemble: { phase: "Succeeded", failedMembers: ["ens02"] },
      collection: { phase: "Succeeded", slot: 0, slots: 1 },
    });
    expect(Object.values(ConditionType)).toContain("Committed");
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(status)), "status")).toEqual([]);
  });

  it("TemplateBuild: a succeeded build", () => {
    const tb = templateBuild({ shards: 2 });
    const job = withJobStatus(desiredTemplateBuildJob(tb, defaults), {
      startTime: new Date("2025-01-01T06:00:00Z"),
      completionTime: new Date("2025-01-01T06:01:00Z"),
      completedIndexes: "0-1",
      conditions: [{ type: "Complete", status: "True" }],
    });
    const status = computeTemplateBuildStatus(tb, job, checkTemplateBuild({ templateBuild: tb }), now);
    const schema = rootSchema(loadCrd("templatebuilds.gik.dev.yaml")).properties!.status!;
    expect(status).toMatchObject({
      phase: "Succeeded",
      store: "s3://gik-templates/20240529",
      completedShards: 2,
    });
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(status)), "status")).toEqual([]);
  });

  it("EcmwfSchedule: active, ended and made runs, every field", () => {
    const es = schedule({}, { generation: 2 });
    const runs = (
      [
        ["2025010100", "Succeeded"],
        ["2025010106", "PartiallySucceeded"],
        ["2025010112", "Running"],
      ] as const
    ).map(([stamp, phase], i) => ({
      run: scheduledRun(es, stamp, phase),
      runTime: new Date(Date.UTC(2025, 0, 1, 6 * i)),
    }));
    const status = computeScheduleStatus({
      schedule: es,
      runs,
      scheduled: ["ens-2025010118"],
      handled: new Date("2025-01-01T18:00:00Z"),
      ready: { status: "True", reason: "Scheduled", message: "next cycle 2025010200" },
      now,
    });
    const schema = rootSchema(loadCrd("ecmwfschedules.gik.dev.yaml")).properties!.status!;
    expect(Object.keys(status).sort()).toEqual(Object.keys(schema.properties!).sort());
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(status)), "status")).toEqual([]);
  });
});
