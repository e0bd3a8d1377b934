import type { CoreV1Event } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { makeEventRecorder } from "../../../operator/src/kube/events.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { run } from "../helpers/objects.js";

describe("makeEventRecorder", () => {
  it("creates a core/v1 Event about the object, with a unique name per event", async () => {
    const created: Array<{ namespace: string; body: CoreV1Event }> = [];
    const recorder = makeEventRecorder({
      client: { createNamespacedEvent: async (p) => created.push(p) },
      component: "gik-operator",
      instance: "gik-operator-0",
      clock: new FakeClock(),
      log: pino({ level: "silent" }),
    });
    const r = run();
    await recorder.emit(r, {
      type: "Warning",
      reason: "MemberFailed",
      message: "member ens07 failed: bad index",
    });
    await recorder.emit(r, { type: "Normal", reason: "JobCreated", message: "x".repeat(5000) });
    expect(created).toHaveLength(2);
    expect(created[0]!.namespace).toBe("gik");
    expect(created[0]!.body).toMatchObject({
      involvedObject: {
        apiVersion: "gik.dev/v1alpha1",
        kind: "EcmwfRun",
        name: "run-20250101",
        namespace: "gik",
        uid: "uid-run",
      },
      type: "Warning",
      reason: "MemberFailed",
      message: "member ens07 failed: bad index",
      source: { component: "gik-operator" },
      reportingComponent: "gik-operator",
      reportingInstance: "gik-operator-0",
      count: 1,
    });
    expect(created[0]!.body.metadata.name).toMatch(/^run-20250101\.[0-9a-f]+$/);
    expect(created[0]!.body.metadata.name).not.toBe(created[1]!.body.metadata.name);
    expect(created[1]!.body.message).toHaveLength(1024);
  });

  it("never throws when the API refuses the Event", async () => {
    const recorder = makeEventRecorder({
      client: {
        createNamespacedEvent: async () =>
          Promise.reject(Object.assign(new Error("forbidden"), { code: 403 })),
      },
      component: "gik-operator",
      instance: "x",
      clock: new FakeClock(),
      log: pino({ level: "silent" }),
    });
    await expect(
      recorder.emit(run(), { type: "Normal", reason: "R", message: "m" }),
    ).resolves.toBeUndefined();
  });
});
