import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import type { ObjectKey } from "../../../job-image/src/api/index.js";
import {
  Controller,
  handleOutcome,
  type Outcome,
  runReconcile,
} from "../../../operator/src/controller/controller.js";
import { WorkQueue } from "../../../operator/src/controller/queue.js";
import { type Result, TerminalError } from "../../../operator/src/controller/result.js";
import { FakeClock } from "../helpers/fake-clock.js";

const log = pino({ level: "silent" });

describe("runReconcile", () => {
  it.each<{ name: string; reconcile: () => Promise<Result>; kind: Outcome["kind"] }>([
    { name: "empty result", reconcile: async () => ({}), kind: "success" },
    { name: "requeueAfterMs 0", reconcile: async () => ({ requeueAfterMs: 0 }), kind: "success" },
    { name: "requeueAfterMs", reconcile: async () => ({ requeueAfterMs: 30_000 }), kind: "requeue" },
    { name: "rejection", reconcile: async () => Promise.reject(new Error("boom")), kind: "error" },
    {
      name: "synchronous throw of a non-Error",
      reconcile: () => {
        throw "boom";
      },
      kind: "error",
    },
    {
      name: "TerminalError",
      reconcile: async () => {
        throw new TerminalError("no");
      },
      kind: "terminal",
    },
  ])("$name → $kind", async ({ reconcile, kind }) => {
    expect((await runReconcile(reconcile, "gik/a")).kind).toBe(kind);
  });

  it("passes the key as namespace and name", async () => {
    const seen: ObjectKey[] = [];
    await runReconcile(async (key) => {
      seen.push(key);
      return {};
    }, "gik/run-1");
    expect(seen).toEqual([{ namespace: "gik", name: "run-1" }]);
  });
});

describe("handleOutcome", () => {
  it.each<{ outcome: Outcome; queued: number[]; requeues: number }>([
    { outcome: { kind: "success" }, queued: [], requeues: 0 },
    { outcome: { kind: "requeue", afterMs: 30_000 }, queued: [30_000], requeues: 0 },
    { outcome: { kind: "error", error: new Error("x") }, queued: [100], requeues: 2 },
    { outcome: { kind: "terminal", error: new TerminalError("x") }, queued: [], requeues: 0 },
  ])("$outcome.kind", ({ outcome, queued, requeues }) => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock, backoff: { initialMs: 100, random: () => 0.5 } });
    queue.addRateLimited("other");
    queue.addRateLimited("gik/a"); // one failure before, so forget is visible
    clock.advance(1000);
    handleOutcome(queue, "gik/a", outcome, log);
    expect(clock.pendingDelays()).toEqual(queued);
    expect(queue.numRequeues("gik/a")).toBe(requeues);
  });
});

describe("handleOutcome logging", () => {
  it.each([
    {
      name: "a stale read (409) is routine",
      error: Object.assign(new Error("conflict"), { code: 409 }),
      level: 30,
    },
    { name: "other errors are errors", error: Object.assign(new Error("boom"), { code: 500 }), level: 50 },
  ])("$name", ({ error, level }) => {
    const lines: Array<{ level: number }> = [];
    const capture = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const queue = new WorkQueue({ clock: new FakeClock() });
    handleOutcome(queue, "gik/a", { kind: "error", error }, capture);
    expect(lines.map((l) => l.level)).toEqual([level]);
    expect(queue.numRequeues("gik/a")).toBe(1);
  });
});

describe("Controller", () => {
  it("reconciles every queued key once, never one key twice at a time, and drains on shutdown", async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const inFlight = new Set<string>();
    const calls: string[] = [];
    let overlap = false;
    const reconciled = vi.fn<(o: string) => void>();
    const controller = new Controller({
      name: "test",
      queue,
      clock,
      log,
      workers: 3,
      metrics: { reconciled: (_c, outcome) => reconciled(outcome) },
      reconcile: async ({ name }) => {
        if (inFlight.has(name)) overlap = true;
        inFlight.add(name);
        calls.push(name);
        await new Promise((r) => setTimeout(r, 5));
        if (name === "a" && calls.filter((c) => c === "a").length === 1) controller.enqueue("gik/a");
        inFlight.delete(name);
        if (name === "bad") throw new TerminalError("bad spec");
        return {};
      },
    });
    for (const k of ["gik/a", "gik/b", "gik/a", "gik/bad"]) controller.enqueue(k);
    controller.start();
    await new Promise((r) => setTimeout(r, 50));
    await controller.shutDown();
    expect(overlap).toBe(false);
    expect(calls.sort()).toEqual(["a", "a", "b", "bad"]);
    expect(reconciled.mock.calls.map(([o]) => o).sort()).toEqual([
      "success",
      "success",
      "success",
      "terminal",
    ]);
  });

  it("shutDown of a controller that never started returns at once", async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const controller = new Controller({ name: "t", queue, clock, log, reconcile: async () => ({}) });
    controller.enqueue("gik/a");
    await controller.shutDown();
    expect(await queue.get()).toBe("gik/a");
  });
});
