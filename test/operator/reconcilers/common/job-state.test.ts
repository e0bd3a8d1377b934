import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  jobEnd,
  latestFailure,
  parseIndexes,
  podFailure,
  podIndex,
  podsOfJob,
} from "../../../../operator/src/reconcilers/common/job-state.js";
import { pod } from "../../helpers/objects.js";

const job: V1Job = { metadata: { name: "er-a", namespace: "gik", uid: "uid-job" } };

describe("parseIndexes", () => {
  it.each([
    { text: undefined, indexes: [] },
    { text: "", indexes: [] },
    { text: "3", indexes: [3] },
    { text: "0-2,5", indexes: [0, 1, 2, 5] },
    { text: "1,3-4,7-8", indexes: [1, 3, 4, 7, 8] },
    { text: "0-2,x,9", indexes: [0, 1, 2, 9] },
  ])("$text", ({ text, indexes }) => {
    expect([...parseIndexes(text)]).toEqual(indexes);
  });
});

describe("jobEnd", () => {
  it.each([
    { name: "running", conditions: [], end: undefined },
    {
      name: "failure target only (pods terminating)",
      conditions: [{ type: "FailureTarget", status: "True" }],
      end: undefined,
    },
    { name: "complete", conditions: [{ type: "Complete", status: "True" }], end: { outcome: "Complete" } },
    {
      name: "failed with reason",
      conditions: [
        { type: "Failed", status: "True", reason: "FailedIndexes", message: "Job has failed indexes" },
      ],
      end: { outcome: "Failed", reason: "FailedIndexes", message: "Job has failed indexes" },
    },
  ])("$name", ({ conditions, end }) => {
    const got = jobEnd({ ...job, status: { conditions: conditions as never } });
    expect(got === undefined ? undefined : { ...got, time: undefined }).toEqual(
      end && { time: undefined, ...end },
    );
  });

  it("takes the completion time, as a whole-second RFC 3339 string, from a Date or a string", () => {
    const done = [{ type: "Complete", status: "True" }] as never;
    expect(
      jobEnd({ ...job, status: { conditions: done, completionTime: new Date("2025-01-01T06:10:00.500Z") } })
        ?.time,
    ).toBe("2025-01-01T06:10:00Z");
    expect(
      jobEnd({ ...job, status: { conditions: done, completionTime: "2025-01-01T06:11:00Z" as never } })?.time,
    ).toBe("2025-01-01T06:11:00Z");
  });
});

describe("pods", () => {
  it("podsOfJob keeps pods the Job controls; podIndex reads the completion index", () => {
    const mine = pod(job, 4, "Running");
    const other = pod({ metadata: { ...job.metadata, uid: "other" } }, 1, "Running");
    expect(podsOfJob(job, [mine, other])).toEqual([mine]);
    expect(podIndex(mine)).toBe(4);
    expect(podIndex({ metadata: {} })).toBeUndefined();
  });

  it.each([
    { name: "running", p: pod(job, 0, "Running"), failure: undefined },
    {
      name: "bad input exit code with termination message",
      p: pod(job, 0, "Failed", { exitCode: 2, reason: "Error", message: "StructureDriftError: 3 unknown" }),
      failure: { reason: "Error", message: "exited with code 2: StructureDriftError: 3 unknown" },
    },
    {
      name: "killed by a signal",
      p: pod(job, 0, "Failed", { exitCode: 137, signal: 9 }),
      failure: { reason: "Signal", message: "killed by signal 9" },
    },
    {
      name: "out of memory",
      p: pod(job, 0, "Failed", { exitCode: 137, reason: "OOMKilled" }),
      failure: { reason: "OOMKilled", message: "exited with code 137" },
    },
  ])("podFailure: $name", ({ p, failure }) => {
    const got = podFailure(p);
    expect(got && { reason: got.reason, message: got.message }).toEqual(failure);
  });

  it("podFailure tells when the failed container started and finished", () => {
    const p = pod(job, 0, "Failed", {
      exitCode: 2,
      startedAt: "2025-01-01T06:00:01Z",
      finishedAt: "2025-01-01T06:00:05Z",
    });
    expect(podFailure(p)).toMatchObject({ startedAt: "2025-01-01T06:00:01Z", time: "2025-01-01T06:00:05Z" });
  });

  it("latestFailure picks the failure that finished last, and cuts long messages", () => {
    const early = pod(job, 0, "Failed", {
      exitCode: 1,
      message: "first",
      finishedAt: "2025-01-01T06:01:00Z",
    });
    const late = pod(job, 0, "Failed", {
      exitCode: 1,
      message: `${"x".repeat(3000)}END`,
      finishedAt: "2025-01-01T06:05:00Z",
    });
    const failure = latestFailure([late, early, pod(job, 0, "Running")]);
    expect(failure?.message.endsWith("END")).toBe(true);
    expect(failure?.message.length).toBeLessThan(1100);
  });
});
