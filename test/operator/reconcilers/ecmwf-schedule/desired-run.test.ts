import { describe, expect, it } from "vitest";
import { validateEcmwfRunSpec } from "../../../../job-image/src/api/index.js";
import {
  desiredRun,
  scheduledRunName,
} from "../../../../operator/src/reconcilers/ecmwf-schedule/desired-run.js";
import { schedule } from "../../helpers/objects.js";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe("scheduledRunName", () => {
  it.each([
    ["ens", { date: "20250101", cycle: 0 }, "ens-2025010100"],
    ["ens", { date: "20251231", cycle: 18 }, "ens-2025123118"],
    ["forecasts.daily", { date: "20250101", cycle: 6 }, "forecasts.daily-2025010106"],
  ])("%s, %o → %s", (name, run, expected) => {
    expect(scheduledRunName(name, run)).toBe(expected);
  });

  it("stays a valid name for the longest schedule names, ends in the cycle, keeps two names apart", () => {
    const long = (c: string) => `${"a".repeat(120)}.${c.repeat(120)}.b`;
    const a = scheduledRunName(long("x"), { date: "20250101", cycle: 12 });
    const b = scheduledRunName(long("y"), { date: "20250101", cycle: 12 });
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(253);
      expect(name).toMatch(DNS_SUBDOMAIN);
      expect(name.endsWith("-2025010112")).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(scheduledRunName(long("x"), { date: "20250101", cycle: 12 })).toBe(a);
    expect(scheduledRunName("a".repeat(242), { date: "20250101", cycle: 0 })).toHaveLength(253);
  });
});

describe("desiredRun", () => {
  it("is the template with the cycle, named after schedule and cycle, controlled by the schedule", () => {
    const es = schedule();
    const run = desiredRun(es, { date: "20250102", cycle: 12 });
    expect(run).toEqual({
      apiVersion: "gik.dev/v1alpha1",
      kind: "EcmwfRun",
      metadata: {
        name: "ens-2025010212",
        namespace: "gik",
        labels: { "app.kubernetes.io/managed-by": "gik-operator", "gik.dev/schedule": "ens" },
        ownerReferences: [
          {
            apiVersion: "gik.dev/v1alpha1",
            kind: "EcmwfSchedule",
            name: "ens",
            uid: "uid-ens",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        date: "20250102",
        cycle: 12,
        templates: { templateBuild: "tb-20240529" },
        members: ["control", "ens01"],
        output: "s3://gik-out/stores",
      },
    });
    expect(validateEcmwfRunSpec(run.spec)).toBeUndefined();
  });

  it("a collection without cycles gets the schedule's, so the run that creates it makes a slot for each", () => {
    const es = schedule({
      cycles: [12, 0],
      runTemplate: {
        ...schedule().spec.runTemplate,
        layout: "ensemble",
        collection: { url: "s3://gik-out/c" },
      },
    });
    const run = desiredRun(es, { date: "20250102", cycle: 12 });
    expect(run.spec.collection).toEqual({ url: "s3://gik-out/c", cycles: [0, 12] });
    expect(es.spec.runTemplate.collection).toEqual({ url: "s3://gik-out/c" });
    expect(validateEcmwfRunSpec(run.spec)).toBeUndefined();
    const given = schedule({
      runTemplate: {
        ...schedule().spec.runTemplate,
        collection: { url: "s3://gik-out/c", cycles: [18, 0, 6, 12] },
      },
    });
    expect(desiredRun(given, { date: "20250102", cycle: 0 }).spec.collection?.cycles).toEqual([18, 0, 6, 12]);
  });

  it("copies the template: a run's spec shares nothing with the schedule", () => {
    const es = schedule();
    const run = desiredRun(es, { date: "20250102", cycle: 0 });
    run.spec.members?.push("ens02");
    expect(es.spec.runTemplate.members).toEqual(["control", "ens01"]);
  });
});
