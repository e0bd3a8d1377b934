/**
 * A keyed, de-duplicating work queue with per-key rate limiting (client-go's workqueue, small).
 *
 * Invariants:
 * - A key is queued at most once, however often it is added before a worker takes it.
 * - A key is handed to at most one worker at a time. Added while in flight, it is queued again
 *   when the worker calls {@link WorkQueue.done}, so the change that caused the add is not lost.
 * - {@link WorkQueue.addRateLimited} delays a key by gik's backoff (`api/backoff.ts`: jittered,
 *   doubling per failure from `initialMs` up to `maxMs`); {@link WorkQueue.forget} resets its failures.
 * - {@link WorkQueue.addAfter} keeps the earliest pending time of a key.
 * - After {@link WorkQueue.shutDown} adds are ignored, pending delays dropped, and workers get the
 *   keys still queued, then `undefined`.
 *
 * @module
 */
import { type Backoff, backoffDelay } from "../../../job-image/src/api/index.js";
import type { Clock, TimerHandle } from "./clock.js";

export interface WorkQueueOptions {
  clock: Clock;
  /** Retries of a failing key; default from 100 ms up to 5 minutes. */
  backoff?: Partial<Backoff>;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  /** Keys waiting for a worker, in order. */
  readonly #queue: string[] = [];
  /** Keys that need processing (queued, or re-added while in flight). */
  readonly #dirty = new Set<string>();
  /** Keys a worker holds. */
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, { at: number; handle: TimerHandle }>();
  readonly #getters: Array<(key: string | undefined) => void> = [];
  readonly #drainers: Array<() => void> = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#backoff = { initialMs: 100, maxMs: 300_000, random: Math.random, ...options.backoff };
  }

  /** Marks `key` as needing a reconcile. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (!this.#processing.has(key)) this.#enqueue(key);
  }

  /** Adds `key` after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now().getTime() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.#clock.clearTimeout(pending.handle);
    const handle = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, handle });
  }

  /** Adds `key` after its backoff delay, and counts one more failure for it. */
  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    this.addAfter(key, this.backoffDelay(failures));
  }

  /** The delay before retry number `failures + 1` of a key. */
  backoffDelay(failures: number): number {
    return backoffDelay(failures + 1, this.#backoff);
  }

  /** Clears the failure count of `key` (it reconciled without error). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times `key` has been rate-limited since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Keys waiting for a worker. */
  len(): number {
    return this.#queue.length;
  }

  /** The next key to process, marked in flight; `undefined` once shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Ends the processing of `key`; queues it again if it was added meanwhile. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#enqueue(key);
    this.#maybeDrained();
  }

  /** Stops accepting keys and drops pending delayed adds; idle workers get `undefined`. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { handle } of this.#delayed.values()) this.#clock.clearTimeout(handle);
    this.#delayed.clear();
    for (const getter of this.#getters.splice(0)) getter(undefined);
    this.#maybeDrained();
  }

  /** {@link shutDown}, then resolves once no key is queued or in flight. */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.#drainers.push(resolve));
    this.shutDown();
    return drained;
  }

  #enqueue(key: string): void {
    const getter = this.#getters.shift();
    if (getter) getter(this.#take(key));
    else this.#queue.push(key);
  }

  #take(key: string): string {
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }

  #maybeDrained(): void {
    if (this.#shuttingDown && this.#queue.length === 0 && this.#processing.size === 0) {
      for (const drainer of this.#drainers.splice(0)) drainer();
    }
  }
}
