import type { V1Lease } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { LeaderElector, type LeaseClient } from "../../../operator/src/kube/leader-election.js";
import { FakeClock } from "../helpers/fake-clock.js";

/** A Lease store with the API server's optimistic concurrency (409 on a stale resourceVersion). */
class FakeLeases implements LeaseClient {
  lease?: V1Lease;
  #rv = 0;
  down = false;
  async get(): Promise<V1Lease | undefined> {
    if (this.down) throw Object.assign(new Error("unavailable"), { code: 503 });
    return this.lease && structuredClone(this.lease);
  }
  async create(lease: V1Lease): Promise<V1Lease> {
    if (this.lease) throw Object.assign(new Error("exists"), { code: 409 });
    return this.#store(lease);
  }
  async replace(lease: V1Lease): Promise<V1Lease> {
    if (this.down) throw Object.assign(new Error("unavailable"), { code: 503 });
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
      throw Object.assign(new Error("conflict"), { code: 409 });
    }
    return this.#store(lease);
  }
  #store(lease: V1Lease): V1Lease {
    this.#rv += 1;
    this.lease = JSON.parse(
      JSON.stringify({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.#rv) } }),
    );
    return structuredClone(this.lease!);
  }
}

const log = pino({ level: "silent" });

function elector(leases: LeaseClient, clock: FakeClock, identity: string) {
  return new LeaderElector({
    leases,
    clock,
    identity,
    log,
    namespace: "gik-system",
    name: "gik-operator",
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  });
}

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

describe("LeaderElector", () => {
  it("the first replica creates the Lease; another waits until it has not been renewed for the lease duration", async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "pod-a");
    const b = elector(leases, clock, "pod-b");
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(leases.lease?.spec).toMatchObject({
      holderIdentity: "pod-a",
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(10_000);
    expect(await a.tryAcquireOrRenew()).toBe(true); // renewed: b's observation restarts
    clock.advance(10_000);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(14_999);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(1);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(leases.lease?.spec).toMatchObject({ holderIdentity: "pod-b", leaseTransitions: 1 });
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it("of two replicas racing for an expired Lease, one wins", async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    await elector(leases, clock, "old").tryAcquireOrRenew();
    const a = elector(leases, clock, "pod-a");
    const b = elector(leases, clock, "pod-b");
    await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
    clock.advance(15_000);
    const won = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it("run() leads, renews, and reports leadership lost when renewals fail for the renew deadline", async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "pod-a");
    let started = 0;
    let lost: boolean | undefined;
    void a
      .run(new AbortController().signal, () => started++)
      .then((l) => {
        lost = l;
      });
    await settle();
    expect(started).toBe(1);
    expect(a.isLeader).toBe(true);
    const renewed = leases.lease?.spec?.renewTime;
    clock.advance(2000);
    await settle();
    expect(leases.lease?.spec?.renewTime).not.toEqual(renewed);
    leases.down = true;
    for (let i = 0; i < 5; i++) {
      clock.advance(2000);
      await settle();
    }
    expect(lost).toBe(true);
    expect(a.isLeader).toBe(false);
  });

  it("release empties the holder so another replica takes over at once; run() stops on abort", async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "pod-a");
    const stop = new AbortController();
    const done = a.run(stop.signal, () => {});
    await settle();
    stop.abort();
    expect(await done).toBe(false);
    await a.release();
    expect(leases.lease?.spec?.holderIdentity).toBe("");
    expect(await elector(leases, clock, "pod-b").tryAcquireOrRenew()).toBe(true);
  });
});
