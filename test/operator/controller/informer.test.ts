import type { Informer, KubernetesObject, ObjectCache } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ResilientInformer } from "../../../operator/src/controller/informer.js";

type Obj = KubernetesObject;

/** A client-node informer stand-in: `start` fails (fires `error`) while `failures` > 0. */
class FakeInformer implements Informer<Obj>, ObjectCache<Obj> {
  readonly handlers = new Map<string, Array<(x: unknown) => void>>();
  starts = 0;
  stops = 0;
  constructor(public failures: number) {}
  on(verb: string, cb: (x: never) => void): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), cb as (x: unknown) => void]);
  }
  off(): void {}
  async start(): Promise<void> {
    this.starts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      this.fire("error", Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" }));
    }
  }
  async stop(): Promise<void> {
    this.stops += 1;
  }
  fire(verb: string, arg: unknown): void {
    for (const cb of this.handlers.get(verb) ?? []) cb(arg);
  }
  get(): Obj | undefined {
    return undefined;
  }
  list(): Obj[] {
    return [];
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function setup(failures: number) {
  const fake = new FakeInformer(failures);
  const delays: number[] = [];
  const informer = new ResilientInformer<Obj>({
    name: "jobs",
    informer: fake,
    log: pino({ level: "silent" }),
    delay: async (ms) => {
      delays.push(ms);
    },
    backoff: { random: () => 0.5 },
  });
  return { fake, delays, informer };
}

describe("ResilientInformer", () => {
  it("restarts after errors with backoff 1 s, 2 s, 4 s … and is synced once a start succeeds", async () => {
    const { fake, delays, informer } = setup(3);
    await informer.start();
    await settle();
    expect(delays).toEqual([500, 1000, 2000]);
    expect(fake.starts).toBe(4);
    expect(informer.synced).toBe(true);
  });

  it("caps the backoff at 30 s (delays jittered below it) and resets it after a successful start", async () => {
    const { fake, delays, informer } = setup(7);
    await informer.start();
    await settle();
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    fake.fire("error", new Error("watch closed with 500"));
    await settle();
    expect(delays.at(-1)).toBe(500);
    expect(informer.backoffDelay(20)).toBe(15_000);
  });

  it("does not restart after stop", async () => {
    const { fake, delays, informer } = setup(0);
    await informer.start();
    await informer.stop();
    fake.fire("error", new Error("late"));
    await settle();
    expect(delays).toEqual([]);
    expect(fake.starts).toBe(1);
    expect(fake.stops).toBe(1);
  });

  it("passes object events to the registered handlers", async () => {
    const { fake, informer } = setup(0);
    const seen: string[] = [];
    informer.on({
      add: () => seen.push("add"),
      update: () => seen.push("update"),
      delete: () => seen.push("delete"),
    });
    for (const verb of ["add", "update", "delete"]) fake.fire(verb, {});
    expect(seen).toEqual(["add", "update", "delete"]);
  });
});
