/**
 * Workers that take keys from a {@link WorkQueue} and reconcile them. This file is the only place
 * that interprets what a reconcile did ({@link handleOutcome}, one `switch`):
 *
 * | outcome                    | queue action                 |
 * | -------------------------- | ---------------------------- |
 * | success                    | `forget`                     |
 * | `{ requeueAfterMs }`       | `forget` + `addAfter`        |
 * | thrown error               | `addRateLimited` (backoff)   |
 * | thrown {@link TerminalError} | `forget`, logged and counted |
 *
 * A reconcile that throws anything (a non-Error value included) is caught; a worker never dies.
 *
 * @module
 */
import type { Logger } from "pino";
import { httpStatus } from "../kube/errors.js";
import type { Clock } from "./clock.js";
import type { WorkQueue } from "./queue.js";
import { parseKey, type Reconciler, TerminalError } from "./result.js";

/** What one reconcile came to. */
export type Outcome =
  | { kind: "success" }
  | { kind: "requeue"; afterMs: number }
  | { kind: "error"; error: unknown }
  | { kind: "terminal"; error: TerminalError };

export type OutcomeKind = Outcome["kind"];

/** Where the controller counts its reconciles (see `metrics/`). */
export interface ReconcileMetrics {
  reconciled(controller: string, outcome: OutcomeKind, seconds: number): void;
}

export interface ControllerOptions {
  /** Names the controller in logs and metrics, e.g. `ecmwfrun`. */
  name: string;
  reconcile: Reconciler;
  queue: WorkQueue;
  clock: Clock;
  log: Logger;
  /** Concurrent reconciles (of different keys). Default 2. */
  workers?: number;
  metrics?: ReconcileMetrics;
}

/** Runs a reconcile and turns whatever it does (return, throw, reject) into an {@link Outcome}. */
export async function runReconcile(reconcile: Reconciler, key: string): Promise<Outcome> {
  try {
    const result = await reconcile(parseKey(key));
    const afterMs = result.requeueAfterMs;
    return afterMs !== undefined && afterMs > 0 ? { kind: "requeue", afterMs } : { kind: "success" };
  } catch (error) {
    return error instanceof TerminalError ? { kind: "terminal", error } : { kind: "error", error };
  }
}

/** Applies an outcome to the queue: the single place where outcomes are interpreted. */
export function handleOutcome(queue: WorkQueue, key: string, outcome: Outcome, log: Logger): void {
  switch (outcome.kind) {
    case "success":
      queue.forget(key);
      return;
    case "requeue":
      queue.forget(key);
      queue.addAfter(key, outcome.afterMs);
      return;
    case "error":
      // A 409 is a write based on a stale cache: routine while the watch catches up, not a fault.
      if (httpStatus(outcome.error) === 409)
        log.info({ key, retries: queue.numRequeues(key) }, "stale read (409); retrying");
      else
        log.error({ key, err: outcome.error, retries: queue.numRequeues(key) }, "reconcile failed; retrying");
      queue.addRateLimited(key);
      return;
    case "terminal":
      log.error({ key, err: outcome.error }, "reconcile failed for good; not retrying");
      queue.forget(key);
      return;
  }
}

export class Controller {
  readonly name: string;
  readonly #options: ControllerOptions;
  #workers: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#options = options;
  }

  /** Queues a key (`namespace/name`) for reconciling. */
  enqueue(key: string): void {
    this.#options.queue.add(key);
  }

  /** Starts the workers; they run until {@link shutDown}. */
  start(): void {
    const count = this.#options.workers ?? 2;
    this.#workers = Array.from({ length: count }, () => this.#work());
  }

  /** Stops taking new keys, lets in-flight and queued reconciles finish (if started), then returns. */
  async shutDown(): Promise<void> {
    if (this.#workers.length === 0) return this.#options.queue.shutDown();
    await this.#options.queue.shutDownWithDrain();
    await Promise.all(this.#workers);
  }

  /** Processes one key; `false` once the queue is shut down and empty. */
  async processNext(): Promise<boolean> {
    const { queue, reconcile, clock, log, metrics } = this.#options;
    const key = await queue.get();
    if (key === undefined) return false;
    const started = clock.now().getTime();
    try {
      const outcome = await runReconcile(reconcile, key);
      metrics?.reconciled(this.name, outcome.kind, (clock.now().getTime() - started) / 1000);
      handleOutcome(queue, key, outcome, log.child({ controller: this.name }));
    } finally {
      queue.done(key);
    }
    return true;
  }

  async #work(): Promise<void> {
    while (await this.processNext()) {
      // Each iteration handles one key; the loop ends when the queue is shut down and drained.
    }
  }
}
