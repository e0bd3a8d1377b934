import { describe, expect, it } from "vitest";
import { isGikError } from "../../job-image/src/api/index.js";
import { loadConfig } from "../../operator/src/config.js";

describe("loadConfig", () => {
  it("defaults", () => {
    const config = loadConfig({ GIK_JOB_IMAGE: "gik-job-image:dev" }, "host-1");
    expect(config.job).toMatchObject({
      image: "gik-job-image:dev",
      imagePullPolicy: "IfNotPresent",
      serviceAccountName: "gik-job",
      parallelism: 8,
      membersPerPod: 1,
      source: "s3://ecmwf-forecasts",
      ttlSecondsAfterFinished: 86_400,
    });
    expect(config.job.output).toBeUndefined();
    expect(config.watchNamespace).toBeUndefined();
    expect(config.leaderElection).toMatchObject({
      enabled: true,
      identity: "host-1",
      namespace: "default",
      leaseName: "gik-operator",
    });
    expect(config.metricsPort).toBe(8080);
    expect(config.scheduleClock).toBeUndefined();
  });

  it("reads the shifted clock of schedules (tests and demos)", () => {
    const env = { GIK_JOB_IMAGE: "i", GIK_CLOCK_START: "2025-01-01T05:00:00Z" };
    expect(loadConfig(env, "h").scheduleClock).toEqual({
      start: new Date("2025-01-01T05:00:00Z"),
      origin: undefined,
      scale: 1,
    });
    const all = { ...env, GIK_CLOCK_ORIGIN: "2026-03-01T10:00:00.250+01:00", GIK_CLOCK_SCALE: "1800" };
    expect(loadConfig(all, "h").scheduleClock).toEqual({
      start: new Date("2025-01-01T05:00:00Z"),
      origin: new Date("2026-03-01T09:00:00.250Z"),
      scale: 1800,
    });
  });

  it("reads every variable", () => {
    const config = loadConfig(
      {
        GIK_JOB_IMAGE: "registry/gik:1",
        GIK_DEFAULT_PARALLELISM: "12",
        GIK_DEFAULT_MEMBERS_PER_POD: "26",
        GIK_DEFAULT_OUTPUT: "gs://stores/x",
        GIK_WATCH_NAMESPACE: "weather",
        GIK_LEADER_ELECT: "false",
        POD_NAME: "gik-operator-abc",
        POD_NAMESPACE: "gik-system",
        GIK_JOB_RESOURCES: '{"requests":{"cpu":"1"}}',
      },
      "h",
    );
    expect(config.job).toMatchObject({
      parallelism: 12,
      membersPerPod: 26,
      output: "gs://stores/x",
      resources: { requests: { cpu: "1" } },
    });
    expect(config.watchNamespace).toBe("weather");
    expect(config.leaderElection).toMatchObject({
      enabled: false,
      identity: "gik-operator-abc",
      namespace: "gik-system",
    });
  });

  it.each([
    { env: {}, field: "GIK_JOB_IMAGE" },
    { env: { GIK_JOB_IMAGE: "i", GIK_DEFAULT_PARALLELISM: "0" }, field: "GIK_DEFAULT_PARALLELISM" },
    { env: { GIK_JOB_IMAGE: "i", GIK_DEFAULT_MEMBERS_PER_POD: "52" }, field: "GIK_DEFAULT_MEMBERS_PER_POD" },
    { env: { GIK_JOB_IMAGE: "i", GIK_DEFAULT_OUTPUT: "file:///tmp" }, field: "GIK_DEFAULT_OUTPUT" },
    { env: { GIK_JOB_IMAGE: "i", GIK_LEADER_ELECT: "yes" }, field: "GIK_LEADER_ELECT" },
    { env: { GIK_JOB_IMAGE: "i", GIK_JOB_RESOURCES: "{nope" }, field: "GIK_JOB_RESOURCES" },
    { env: { GIK_JOB_IMAGE: "i", GIK_JOB_RESOURCES: '{"cpu":"1"}' }, field: "GIK_JOB_RESOURCES" },
    { env: { GIK_JOB_IMAGE: "i", GIK_CLOCK_START: "2025-01-01" }, field: "GIK_CLOCK_START" },
    { env: { GIK_JOB_IMAGE: "i", GIK_CLOCK_START: "2025-01-01T05:00:00" }, field: "GIK_CLOCK_START" },
    { env: { GIK_JOB_IMAGE: "i", GIK_CLOCK_SCALE: "60" }, field: "GIK_CLOCK_SCALE" },
    { env: { GIK_JOB_IMAGE: "i", GIK_CLOCK_ORIGIN: "2025-01-01T05:00:00Z" }, field: "GIK_CLOCK_ORIGIN" },
    {
      env: { GIK_JOB_IMAGE: "i", GIK_CLOCK_START: "2025-01-01T05:00:00Z", GIK_CLOCK_SCALE: "0" },
      field: "GIK_CLOCK_SCALE",
    },
  ])("refuses $field", ({ env, field }) => {
    let error: unknown;
    try {
      loadConfig(env, "h");
    } catch (err) {
      error = err;
    }
    expect(isGikError(error, "UsageError")).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });
});
