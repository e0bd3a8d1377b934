/**
 * An informer that keeps going: client-node's `ListWatch` relists by itself after a `410 Gone`
 * (its resource version expired) but stops for good on any other error. This wrapper restarts it
 * after such an error with gik's backoff (`api/backoff.ts`: jittered, doubling from 1 s up to 30 s),
 * resetting it once a start succeeds.
 *
 * Informers only enqueue: the handlers given to {@link ResilientInformer.on} must do nothing but
 * map the object to keys and add them to a queue. The cache ({@link ResilientInformer.get},
 * {@link ResilientInformer.list}) is what reconcilers read.
 *
 * @module
 */
import type { Informer, KubernetesObject, ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type Backoff, backoffDelay } from "../../../job-image/src/api/index.js";

/** Callbacks for objects added, updated (new version only) and deleted. */
export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T): void;
  delete?(obj: T): void;
}

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** Names the informer in logs, e.g. `jobs`. */
  name: string;
  /** A client-node informer (`makeInformer`), not yet started. */
  informer: Informer<T> & ObjectCache<T>;
  log: Logger;
  /** Waits `ms`, or less when `signal` aborts (injected so tests need no real time). */
  delay: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Restarts after errors; default from 1 s up to 30 s. */
  backoff?: Partial<Backoff>;
}

export class ResilientInformer<T extends KubernetesObject> implements ObjectCache<T> {
  readonly #options: ResilientInformerOptions<T>;
  readonly #informer: Informer<T> & ObjectCache<T>;
  readonly #abort = new AbortController();
  #errors = 0;
  #failuresInARow = 0;
  #restarting = false;
  #synced = false;

  constructor(options: ResilientInformerOptions<T>) {
    this.#options = options;
    this.#informer = options.informer;
    this.#informer.on("error", (err?: unknown) => this.#onError(err));
  }

  /** Registers event handlers; call before {@link start}. */
  on(handlers: InformerHandlers<T>): void {
    if (handlers.add) this.#informer.on("add", handlers.add);
    if (handlers.update) this.#informer.on("update", handlers.update);
    if (handlers.delete) this.#informer.on("delete", handlers.delete);
  }

  /** Lists, starts watching, and resolves once the first attempt is over (errors lead to restarts). */
  async start(): Promise<void> {
    await this.#startOnce();
  }

  /** Stops watching and any pending restart. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#informer.stop();
  }

  /** True once a list and watch have succeeded (the cache is complete). */
  get synced(): boolean {
    return this.#synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#informer.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.#informer.list(namespace);
  }

  /** The delay before restart number `failures` (1-based). */
  backoffDelay(failures: number): number {
    return backoffDelay(failures, {
      initialMs: 1000,
      maxMs: 30_000,
      random: Math.random,
      ...this.#options.backoff,
    });
  }

  async #startOnce(): Promise<void> {
    const errorsBefore = this.#errors;
    try {
      await this.#informer.start();
    } catch (err) {
      this.#onError(err);
      return;
    }
    if (this.#errors === errorsBefore) {
      this.#failuresInARow = 0;
      this.#synced = true;
    }
  }

  #onError(err: unknown): void {
    this.#errors += 1;
    if (this.#abort.signal.aborted || this.#restarting) return;
    this.#failuresInARow += 1;
    const ms = this.backoffDelay(this.#failuresInARow);
    this.#options.log.warn(
      { informer: this.#options.name, err, retryInMs: ms },
      "informer failed; restarting",
    );
    this.#restarting = true;
    void this.#options.delay(ms, this.#abort.signal).then(async () => {
      this.#restarting = false;
      if (!this.#abort.signal.aborted) await this.#startOnce();
    });
  }
}
