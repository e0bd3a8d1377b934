/**
 * The CRDs on the real API server (kube-apiserver of the integration setup): valid objects are
 * accepted and defaulted, invalid ones are refused with a message naming the field, `date` is
 * immutable, inline credentials never get in (an EcmwfSchedule's run template included), and the
 * statuses the operator computes are accepted through the status subresource and kept whole.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { checkRun } from "../../operator/src/reconcilers/ecmwf-run/checks.js";
import { computeRunStatus } from "../../operator/src/reconcilers/ecmwf-run/status.js";
import { computeScheduleStatus } from "../../operator/src/reconcilers/ecmwf-schedule/status.js";
import { createNamespace, installCrds, namespaceName } from "./helpers/cluster.js";
import { ECMWF_RUN_COLUMNS, kubectlFor } from "./helpers/kubectl.js";
import { defaults, partiallySucceededRun, schedule, scheduledRun } from "./helpers/objects.js";

const kubectl = kubectlFor(inject("infra").kube);
const NS = namespaceName("gik-crds");

const validRun = {
  date: "20250101",
  members: ["control", "ens01", "ens50"],
  templates: { templateBuild: "tb-20240529" },
  output: "s3://gik-out/stores",
};

const manifest = (kind: string, name: string, spec: object) =>
  stringify({ apiVersion: "gik.dev/v1alpha1", kind, metadata: { name, namespace: NS }, spec });
const ecmwfRun = (name: string, spec: object) => manifest("EcmwfRun", name, spec);
const uniqueName = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  await installCrds(kubectl);
  await createNamespace(kubectl, NS);
});
afterAll(() => kubectl(["delete", "namespace", NS, "--wait=false"]));

describe("EcmwfRun on the real API server", () => {
  it("accepts a valid run, applies the defaults, and lists it with the printer columns", async () => {
    const applied = await kubectl(["apply", "-f", "-"], ecmwfRun("valid", validRun));
    expect(applied.code, applied.out).toBe(0);
    const got = JSON.parse((await kubectl(["get", "er", "valid", "-n", NS, "-o", "json"])).stdout);
    expect(got.spec).toMatchObject({
      cycle: 0,
      source: "s3://ecmwf-forecasts",
      format: "parquet",
      layout: "members",
      onDrift: "rebuild",
      backoffLimitPerIndex: 2,
    });
    const table = await kubectl(["get", "er", "-n", NS]);
    expect(table.stdout.split("\n")[0]?.split(/\s+/)).toEqual(ECMWF_RUN_COLUMNS);
    expect((await kubectl(["get", "ecmwfruns.gik.dev", "valid", "-n", NS])).code).toBe(0);
  });

  it.each([
    { name: "bad date", spec: { date: "2025-01-01" }, message: 'spec.date: Invalid value: "2025-01-01"' },
    {
      name: "not a calendar date",
      spec: { date: "20250230" },
      message: 'spec.date: Invalid value: "20250230": date must be a calendar date',
    },
    { name: "cycle 5", spec: { cycle: 5 }, message: "spec.cycle: Unsupported value: 5" },
    {
      name: "unknown member",
      spec: { members: ["control", "ens51"] },
      message: "spec.members[1]: Invalid value",
    },
    {
      name: "a member twice",
      spec: { members: ["ens01", "ens01"] },
      message: "spec.members[1]: Duplicate value",
    },
    {
      name: "a file:// output",
      spec: { output: "file:///tmp/stores" },
      message: "spec.output: Invalid value",
    },
    {
      name: "an https:// output (cannot be written)",
      spec: { output: "https://example.com/stores" },
      message: "spec.output: Invalid value",
    },
    {
      name: "an http:// source",
      spec: { source: "http://example.com/x" },
      message: "spec.source: Invalid value",
    },
    {
      name: "membersPerPod above the 51 members",
      spec: { membersPerPod: 52 },
      message: "spec.membersPerPod: Invalid value",
    },
    {
      name: "both templates forms",
      spec: { templates: { templateBuild: "tb", store: "s3://gik-templates/x", referenceDate: "20240529" } },
      message: "spec.templates: Invalid value",
    },
    {
      name: "a templates store without its reference date",
      spec: { templates: { store: "s3://gik-templates/x" } },
      message: "store and referenceDate go together",
    },
    { name: "parallelism 52", spec: { parallelism: 52 }, message: "spec.parallelism: Invalid value" },
    { name: "format zarr", spec: { format: "zarr" }, message: 'spec.format: Unsupported value: "zarr"' },
    { name: "layout one", spec: { layout: "one" }, message: 'spec.layout: Unsupported value: "one"' },
    {
      name: "an https:// collection (cannot be written)",
      spec: { collection: { url: "https://example.com/collection" } },
      message: "spec.collection.url: Invalid value",
    },
    {
      name: "a collection without its url",
      spec: { collection: { cycles: [0] } },
      message: "spec.collection.url: Required value",
    },
    {
      name: "a collection cycle twice",
      spec: { collection: { url: "s3://gik-out/collection", cycles: [0, 12, 0] } },
      message: "spec.collection.cycles[2]: Duplicate value: 0",
    },
    {
      name: "a collection cycle 3",
      spec: { collection: { url: "s3://gik-out/collection", cycles: [3] } },
      message: "spec.collection.cycles[0]: Unsupported value: 3",
    },
    {
      name: "a queue name that is not a DNS label",
      spec: { queueName: "Team.Queue" },
      message: "spec.queueName: Invalid value",
    },
    {
      name: "inline credentials in credentials",
      spec: { credentials: { secretRef: { name: "s3" }, accessKeyId: "AKIAEXAMPLE", secretAccessKey: "x" } },
      message: 'unknown field "spec.credentials.accessKeyId"',
    },
    {
      name: "inline credentials in spec",
      spec: { awsSecretAccessKey: "x" },
      message: 'unknown field "spec.awsSecretAccessKey"',
    },
  ])("refuses $name, naming the field", async ({ spec, message }) => {
    const name = uniqueName("bad");
    const applied = await kubectl(["apply", "-f", "-"], ecmwfRun(name, { ...validRun, ...spec }));
    expect(applied.code).not.toBe(0);
    expect(applied.out).toContain(message);
    expect((await kubectl(["get", "er", name, "-n", NS])).out).toContain("NotFound");
  });

  it("a client that skips validation cannot store inline credentials either: the fields are pruned", async () => {
    const name = uniqueName("pruned");
    const spec = {
      ...validRun,
      credentials: { secretRef: { name: "s3" }, secretAccessKey: "x" },
      token: "t",
    };
    const applied = await kubectl(["apply", "--validate=false", "-f", "-"], ecmwfRun(name, spec));
    expect(applied.code, applied.out).toBe(0);
    const got = JSON.parse((await kubectl(["get", "er", name, "-n", NS, "-o", "json"])).stdout);
    expect(got.spec.credentials).toEqual({ secretRef: { name: "s3" } });
    expect(got.spec.token).toBeUndefined();
  });

  it("date and cycle are immutable; parallelism may change", async () => {
    const name = uniqueName("immutable");
    expect((await kubectl(["apply", "-f", "-"], ecmwfRun(name, validRun))).code).toBe(0);
    const moved = await kubectl(["apply", "-f", "-"], ecmwfRun(name, { ...validRun, date: "20250102" }));
    expect(moved.code).not.toBe(0);
    expect(moved.out).toContain("spec.date: Invalid value");
    expect(moved.out).toContain("date is immutable");
    const recycled = await kubectl(["apply", "-f", "-"], ecmwfRun(name, { ...validRun, cycle: 12 }));
    expect(recycled.out).toContain("cycle is immutable");
    const scaled = await kubectl(["apply", "-f", "-"], ecmwfRun(name, { ...validRun, parallelism: 4 }));
    expect(scaled.code, scaled.out).toBe(0);
  });

  it("accepts an ensemble run with a collection and a queue, and keeps them", async () => {
    const spec = {
      ...validRun,
      layout: "both",
      collection: { url: "s3://gik-out/collection", cycles: [0, 12] },
      queueName: "forecasts",
    };
    const applied = await kubectl(["apply", "-f", "-"], ecmwfRun("ensemble", spec));
    expect(applied.code, applied.out).toBe(0);
    const got = JSON.parse((await kubectl(["get", "er", "ensemble", "-n", NS, "-o", "json"])).stdout);
    expect(got.spec).toMatchObject({
      layout: "both",
      collection: { url: "s3://gik-out/collection", cycles: [0, 12] },
      queueName: "forecasts",
    });
  });

  it("keeps a status the operator computes, written through the status subresource", async () => {
    const name = uniqueName("status");
    expect((await kubectl(["apply", "-f", "-"], ecmwfRun(name, validRun))).code).toBe(0);
    const { run, job, pods } = partiallySucceededRun({ name, namespace: NS });
    const computed = computeRunStatus(run, job, pods, checkRun({ run, job, defaults }), new Date());
    const status = JSON.parse(JSON.stringify(computed));
    const patchStatus = (body: object) =>
      kubectl([
        "patch",
        "er",
        name,
        "-n",
        NS,
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify(body),
      ]);
    const patched = await patchStatus({ status });
    expect(patched.code, patched.out).toBe(0);
    const got = JSON.parse((await kubectl(["get", "er", name, "-n", NS, "-o", "json"])).stdout);
    expect(got.status).toEqual(status);
    expect(got.status.phase).toBe("PartiallySucceeded");
    const table = await kubectl(["get", "er", name, "-n", NS, "--no-headers"]);
    expect(table.stdout.split(/\s+/).slice(0, 7)).toEqual([
      name,
      "20250101",
      "0",
      "PartiallySucceeded",
      "2",
      "1",
      "3",
    ]);
    const badPhase = await patchStatus({ status: { phase: "Done" } });
    expect(badPhase.out).toContain('status.phase: Unsupported value: "Done"');
    // A queued run, and a run's commit: kept whole, not pruned.
    const commit = {
      phase: "Queued",
      commitJobName: `erc-${name}`,
      ensemble: {
        url: "s3://gik-out/e.parquet",
        phase: "Succeeded",
        failedMembers: ["ens02"],
        message: "written",
      },
      collection: {
        url: "s3://gik-out/c",
        phase: "Succeeded",
        slot: 0,
        slots: 1,
        message: "appended: 9 objects",
      },
    };
    const committed = await patchStatus({ status: commit });
    expect(committed.code, committed.out).toBe(0);
    const back = JSON.parse((await kubectl(["get", "er", name, "-n", NS, "-o", "json"])).stdout);
    expect(back.status).toMatchObject(commit);
  });
});

describe("TemplateBuild on the real API server", () => {
  const validBuild = { referenceDate: "20240529", store: "s3://gik-templates/20240529" };

  it("accepts a valid build with its defaults", async () => {
    expect(
      (await kubectl(["apply", "-f", "-"], manifest("TemplateBuild", "tb-valid", validBuild))).code,
    ).toBe(0);
    const got = JSON.parse((await kubectl(["get", "tb", "tb-valid", "-n", NS, "-o", "json"])).stdout);
    expect(got.spec).toMatchObject({
      cycle: 0,
      shards: 1,
      source: "s3://ecmwf-forecasts",
      backoffLimitPerIndex: 2,
    });
  });

  it.each([
    {
      name: "a bad reference date",
      spec: { referenceDate: "20240532" },
      message: "spec.referenceDate: Invalid value",
    },
    { name: "a file:// store", spec: { store: "file:///tmp/t" }, message: "spec.store: Invalid value" },
    {
      name: "an https:// store",
      spec: { store: "https://example.com/t" },
      message: "spec.store: Invalid value",
    },
    { name: "86 shards", spec: { shards: 86 }, message: "spec.shards: Invalid value" },
    {
      name: "inline credentials",
      spec: { credentials: { secretRef: { name: "s3" }, secretAccessKey: "x" } },
      message: 'unknown field "spec.credentials.secretAccessKey"',
    },
  ])("refuses $name, naming the field", async ({ spec, message }) => {
    const applied = await kubectl(
      ["apply", "-f", "-"],
      manifest("TemplateBuild", uniqueName("bad"), { ...validBuild, ...spec }),
    );
    expect(applied.code).not.toBe(0);
    expect(applied.out).toContain(message);
  });

  it("the store is immutable", async () => {
    const name = uniqueName("tb");
    expect((await kubectl(["apply", "-f", "-"], manifest("TemplateBuild", name, validBuild))).code).toBe(0);
    const moved = await kubectl(
      ["apply", "-f", "-"],
      manifest("TemplateBuild", name, { ...validBuild, store: "gs://elsewhere/t" }),
    );
    expect(moved.out).toContain("store is immutable");
  });
});

describe("EcmwfSchedule on the real API server", () => {
  const validSchedule = {
    cycles: [0, 12],
    runTemplate: { templates: { templateBuild: "tb-20240529" }, members: ["control", "ens01"] },
  };
  const ecmwfSchedule = (name: string, spec: object) => manifest("EcmwfSchedule", name, spec);

  it("accepts a valid schedule, applies the defaults, and lists it with the printer columns", async () => {
    const applied = await kubectl(["apply", "-f", "-"], ecmwfSchedule("es-valid", validSchedule));
    expect(applied.code, applied.out).toBe(0);
    const got = JSON.parse((await kubectl(["get", "es", "es-valid", "-n", NS, "-o", "json"])).stdout);
    expect(got.spec).toEqual({
      ...validSchedule,
      // The run template's own defaults, as an EcmwfRun's.
      runTemplate: {
        ...validSchedule.runTemplate,
        source: "s3://ecmwf-forecasts",
        format: "parquet",
        layout: "members",
        onDrift: "rebuild",
        backoffLimitPerIndex: 2,
        sourceDeadline: "12h",
        sourcePollSeconds: 10,
      },
      publicationDelaySeconds: 21600,
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      maxBackfill: 4,
    });
    const table = await kubectl(["get", "es", "-n", NS]);
    expect(table.stdout.split("\n")[0]?.split(/\s{2,}/)).toEqual([
      "NAME",
      "CYCLES",
      "SUSPEND",
      "ACTIVE",
      "LAST SCHEDULED",
      "AGE",
    ]);
    expect(table.stdout.split("\n")[1]?.split(/\s+/).slice(0, 3)).toEqual(["es-valid", "[0,12]", "false"]);
    expect((await kubectl(["get", "ecmwfschedules.gik.dev", "es-valid", "-n", NS])).code).toBe(0);
  });

  it.each([
    { name: "no cycles", spec: { cycles: [] }, message: "spec.cycles: Invalid value" },
    { name: "cycle 3", spec: { cycles: [0, 3] }, message: "spec.cycles[1]: Unsupported value: 3" },
    { name: "a cycle twice", spec: { cycles: [6, 6] }, message: "spec.cycles[1]: Duplicate value: 6" },
    {
      name: "an unknown policy",
      spec: { concurrencyPolicy: "Sometimes" },
      message: 'spec.concurrencyPolicy: Unsupported value: "Sometimes"',
    },
    {
      name: "a negative history limit",
      spec: { failedRunsHistoryLimit: -1 },
      message: "spec.failedRunsHistoryLimit: Invalid value",
    },
    { name: "maxBackfill 0", spec: { maxBackfill: 0 }, message: "spec.maxBackfill: Invalid value" },
    {
      name: "a negative deadline",
      spec: { startingDeadlineSeconds: -5 },
      message: "spec.startingDeadlineSeconds: Invalid value",
    },
    {
      name: "startFrom not a calendar date",
      spec: { startFrom: "20250431" },
      message: 'spec.startFrom: Invalid value: "20250431": date must be a calendar date',
    },
    {
      name: "startFrom not YYYYMMDD",
      spec: { startFrom: "2025-04-01" },
      message: "spec.startFrom: Invalid value",
    },
    {
      name: "no run template",
      spec: { runTemplate: undefined },
      message: "spec.runTemplate: Required value",
    },
    {
      name: "a date in the run template",
      spec: { runTemplate: { ...validSchedule.runTemplate, date: "20250101" } },
      message: 'unknown field "spec.runTemplate.date"',
    },
    {
      name: "a run template as a run's spec would be refused",
      spec: { runTemplate: { templates: { templateBuild: "tb" }, members: ["ens51"] } },
      message: "spec.runTemplate.members[0]: Invalid value",
    },
    {
      name: "an https:// collection in the run template",
      spec: {
        runTemplate: { ...validSchedule.runTemplate, collection: { url: "https://example.com/c" } },
      },
      message: "spec.runTemplate.collection.url: Invalid value",
    },
    {
      name: "inline credentials in the run template",
      spec: {
        runTemplate: {
          ...validSchedule.runTemplate,
          credentials: { secretRef: { name: "s3" }, secretAccessKey: "x" },
        },
      },
      message: 'unknown field "spec.runTemplate.credentials.secretAccessKey"',
    },
  ])("refuses $name, naming the field", async ({ spec, message }) => {
    const name = uniqueName("bad-es");
    const applied = await kubectl(["apply", "-f", "-"], ecmwfSchedule(name, { ...validSchedule, ...spec }));
    expect(applied.code).not.toBe(0);
    expect(applied.out).toContain(message);
    expect((await kubectl(["get", "es", name, "-n", NS])).out).toContain("NotFound");
  });

  it("keeps a status the operator computes, written through the status subresource", async () => {
    const name = uniqueName("es-status");
    expect((await kubectl(["apply", "-f", "-"], ecmwfSchedule(name, validSchedule))).code).toBe(0);
    const es = schedule({}, { name, namespace: NS });
    const runs = (["2025010100", "2025010112"] as const).map((stamp, i) => ({
      run: scheduledRun(es, stamp, i === 0 ? "Succeeded" : undefined),
      runTime: new Date(Date.UTC(2025, 0, 1, 12 * i)),
    }));
    const computed = computeScheduleStatus({
      schedule: es,
      runs,
      scheduled: [],
      ready: { status: "True", reason: "Scheduled", message: "next cycle 2025010200" },
      now: new Date(),
    });
    const status = JSON.parse(JSON.stringify(computed));
    const patched = await kubectl([
      "patch",
      "es",
      name,
      "-n",
      NS,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status }),
    ]);
    expect(patched.code, patched.out).toBe(0);
    const got = JSON.parse((await kubectl(["get", "es", name, "-n", NS, "-o", "json"])).stdout);
    expect(got.status).toEqual(status);
    const row = (await kubectl(["get", "es", name, "-n", NS, "--no-headers"])).stdout.split(/\s+/);
    expect(row.slice(0, 5)).toEqual([name, "[0,12]", "false", "1", `${name}-2025010112`]);
  });
});
