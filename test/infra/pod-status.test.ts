import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { claimable, oomKilledExit, processExit, terminatedStatus } from "./pod-status.js";

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
