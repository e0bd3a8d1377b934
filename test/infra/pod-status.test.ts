import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  claimable,
  oomKilledExit,
  processExit,
  terminatedStatus,
  terminationMessageOf,
} from "./pod-status.js";

const pod = (image: string): V1Pod => ({ spec: { containers: [{ name: "main", image }] } });

describe("pod statuses written by the pod runner", () => {
  it.each([
    { ended: 0, exit: { exitCode: 0, reason: "Completed" } },
    { ended: 3, exit: { exitCode: 3, reason: "Error" } },
    { ended: "SIGKILL", exit: { exitCode: 137, reason: "Error", signal: 9, message: "killed by SIGKILL" } },
    { ended: "SIGTERM", exit: { exitCode: 143, reason: "Error", signal: 15, message: "killed by SIGTERM" } },
  ])("reports a process that ended with $ended as exit code $exit.exitCode", ({ ended, exit }) => {
    expect(processExit(ended)).toEqual(exit);
  });

  it.each([
    { exitCode: 0, phase: "Succeeded" },
    { exitCode: 137, phase: "Failed" },
  ])("puts a pod whose container exited $exitCode in phase $phase", ({ exitCode, phase }) => {
    const now = new Date(0);
    const status = terminatedStatus(pod("gik-job-image:dev"), 42, now, processExit(exitCode), now);
    expect(status.phase).toBe(phase);
    expect(status.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(exitCode);
  });

  it("reports an OOM kill as the kubelet does: Failed, reason OOMKilled, exit code 137, no signal", () => {
    const now = new Date(0);
    const exit = oomKilledExit(64 * 2 ** 20, 80 * 2 ** 20);
    const status = terminatedStatus(pod("gik-job-image:dev"), 42, now, exit, now);
    expect(status.phase).toBe("Failed");
    expect(status.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "OOMKilled",
      message: "memory limit 64 MiB exceeded (RSS 80 MiB)",
    });
    expect(status.containerStatuses?.[0]?.state?.terminated?.signal).toBeUndefined();
  });

  it.each([
    { image: "gik-job-image:dev", claimed: true },
    { image: "registry.example/gik-job-image:dev", claimed: false },
    { image: "busybox", claimed: false },
  ])("claims a pod of image $image: $claimed", ({ image, claimed }) => {
    expect(claimable(pod(image), ["gik-job-image"])).toBe(claimed);
  });
});

describe("terminationMessageOf", () => {
  const fallback = { name: "gik", terminationMessagePolicy: "FallbackToLogsOnError" };
  it.each([
    {
      name: "the file's text",
      c: fallback,
      code: 2,
      file: '{"kind":"r"}',
      log: "x",
      expected: '{"kind":"r"}',
    },
    {
      name: "the log tail of a failed container",
      c: fallback,
      code: 1,
      file: "",
      log: "a\nb\n",
      expected: "a\nb",
    },
    {
      name: "nothing for a container that succeeded",
      c: fallback,
      code: 0,
      file: "",
      log: "a",
      expected: undefined,
    },
    {
      name: "nothing without the fallback policy",
      c: { name: "gik" },
      code: 1,
      file: "",
      log: "a",
      expected: undefined,
    },
  ])("$name", ({ c, code, file, log, expected }) => {
    expect(terminationMessageOf(c, code, { file, log: () => log })).toBe(expected);
  });

  it("keeps at most 4096 bytes of the file and 80 lines (2048 bytes) of the log", () => {
    expect(terminationMessageOf(fallback, 1, { file: "x".repeat(5000), log: () => "" })).toHaveLength(4096);
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
    const tail = terminationMessageOf(fallback, 1, { file: "", log: () => lines })!;
    expect(tail.split("\n")).toHaveLength(80);
    expect(tail.endsWith("line 99")).toBe(true);
    expect(terminationMessageOf(fallback, 1, { file: "", log: () => "y".repeat(3000) })).toHaveLength(2048);
  });
});
