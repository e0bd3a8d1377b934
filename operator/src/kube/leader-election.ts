/**
 * Leader election with a `coordination.k8s.io/v1` Lease (client-go's algorithm, small): only the
 * replica holding the Lease runs controllers.
 *
 * Invariants:
 * - A Lease held by another identity is taken only after it has not changed for
 *   `leaseDurationMs`, measured on this replica's clock from when the change was seen (so clock
 *   skew between replicas does not matter).
 * - Every write carries the resourceVersion read: of two replicas racing, one gets 409 and loses.
 * - The leader renews every `retryPeriodMs`; if it cannot renew for `renewDeadlineMs` it stops
 *   leading (and the process should exit, as client-go's users do).
 * - {@link LeaderElector.release} empties the holder so that a successor need not wait.
 *
 * @module
 */
import { type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type Clock, sleep } from "../controller/clock.js";

/** Lease reads and writes; `get` returns `undefined` for 404, writes throw 409 on conflicts. */
export interface LeaseClient {
  get(namespace: string, name: string): Promise<V1Lease | undefined>;
  create(lease: V1Lease): Promise<V1Lease>;
  replace(lease: V1Lease): Promise<V1Lease>;
}

export interface LeaderElectorOptions {
  leases: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock: Clock;
  log: Logger;
}

export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  /** The holder/renewTime last seen, and when (our clock). */
  #observed?: { record: string; at: number };
  #lease?: V1Lease;
  #leading = false;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Waits until this replica holds the Lease (or `signal` aborts), calls `onStartedLeading`, then
   * renews until renewal fails for `renewDeadlineMs` or `signal` aborts. Resolves with `true` if
   * leadership was lost, `false` if stopped by `signal`.
   */
  async run(signal: AbortSignal, onStartedLeading: () => void): Promise<boolean> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) await sleep(clock, retryPeriodMs, signal);
    if (signal.aborted) return false;
    this.#leading = true;
    log.info({ identity: this.#o.identity, lease: this.#o.name }, "became leader");
    onStartedLeading();
    let lastRenew = clock.now().getTime();
    while (!signal.aborted) {
      await sleep(clock, retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = clock.now().getTime();
      } else if (clock.now().getTime() - lastRenew >= renewDeadlineMs) {
        this.#leading = false;
        log.error({ identity: this.#o.identity }, "lost leadership");
        return true;
      }
    }
    return false;
  }

  /** One attempt to take or renew the Lease; true if this replica holds it afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { leases, namespace, name, identity, leaseDurationMs, clock, log } = this.#o;
    const now = clock.now();
    try {
      const lease = await leases.get(namespace, name);
      if (!lease) {
        this.#lease = await leases.create(this.#record({ metadata: { name, namespace } }, now, true, 0));
        return true;
      }
      const spec = lease.spec ?? {};
      const record = `${spec.holderIdentity ?? ""}|${String(spec.renewTime ?? "")}`;
      if (this.#observed?.record !== record) this.#observed = { record, at: now.getTime() };
      const holder = spec.holderIdentity ?? "";
      const expired = this.#observed.at + leaseDurationMs <= now.getTime();
      if (holder !== "" && holder !== identity && !expired) return false;
      const mine = holder === identity;
      const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
      this.#lease = await leases.replace(this.#record(lease, now, !mine, transitions));
      this.#observed = undefined;
      return true;
    } catch (err) {
      log.warn({ err, lease: `${namespace}/${name}` }, "could not take or renew the Lease");
      return false;
    }
  }

  /** Gives the Lease up if this replica holds it, so another can take it at once. */
  async release(): Promise<void> {
    if (!this.#leading || !this.#lease) return;
    this.#leading = false;
    const now = new V1MicroTime(this.#o.clock.now().getTime());
    const lease = this.#lease;
    try {
      await this.#o.leases.replace({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      });
    } catch (err) {
      this.#o.log.warn({ err }, "could not release the Lease");
    }
  }

  #record(base: V1Lease, now: Date, acquired: boolean, transitions: number): V1Lease {
    const time = new V1MicroTime(now.getTime());
    return {
      ...base,
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      spec: {
        ...base.spec,
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
        renewTime: time,
        acquireTime: acquired ? time : base.spec?.acquireTime,
        leaseTransitions: transitions,
      },
    };
  }
}
