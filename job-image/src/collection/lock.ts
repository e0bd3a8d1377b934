/**
 * One appender at a time: a lock object beside a collection's metadata, taken with a create-only
 * write (`ifNoneMatch: "*"`: S3's `If-None-Match`, GCS's generation 0, a create-only file locally).
 * A holder that died leaves a lock that expires: the next appender takes it over with a write
 * conditional on the version it read (`ifMatch`), so of two that try, one wins. A holder at work
 * keeps its lock alive, rewriting it with a later expiry every third of its lifetime, so the
 * lifetime can be short: the time a killed holder costs the next one, not the longest append.
 *
 * Notes:
 * - The lock serialises the appenders' writes to the shared files (the time coordinates); the
 *   commit itself (`.zmetadata`) is conditional on the version read as well, so a holder whose lock
 *   expired under it cannot overwrite a newer commit.
 * - Waiting uses gik's backoff, with the delay injectable for tests.
 * - A renewal that fails is not retried: the lock may then expire under its holder and be taken
 *   over, which the conditional commit makes safe.
 *
 * @module
 */
import { backoffDelay } from "../api/backoff.js";
import { CollectionError, isPreconditionFailed } from "../api/errors.js";
import type { Store } from "../storage/types.js";

export const LOCK_KEY = ".gik-append-lock";

export interface LockOptions {
  /** Who holds it (host and process), for the message of those who wait. */
  holder: string;
  /** How long a lock lasts without its holder renewing or releasing it; 0: not renewed either. */
  ttlMs: number;
  /** How long to wait for a held lock before giving up. */
  waitMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface LockBody {
  holder: string;
  expires: number;
}

/** Runs `work` holding the collection's lock; the lock is released whatever `work` does. */
export async function withLock<T>(store: Store, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const body = (): Uint8Array =>
    new TextEncoder().encode(JSON.stringify({ holder: options.holder, expires: now() + options.ttlMs }));
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      await store.put(LOCK_KEY, body(), { ifNoneMatch: "*", contentType: "application/json" });
      break;
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
    }
    const held = await store.getVersioned(LOCK_KEY);
    const lock = held && parseLock(held.bytes);
    if (held && (!lock || lock.expires <= now())) {
      try {
        await store.put(LOCK_KEY, body(), { ifMatch: held.version, contentType: "application/json" });
        break;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
      }
    }
    if (now() - started > options.waitMs) {
      const by = lock ? `${lock.holder} until ${new Date(lock.expires).toISOString()}` : "another appender";
      throw new CollectionError(store.url(""), `busy: locked by ${by}; gave up after ${options.waitMs} ms`);
    }
    await sleep(
      backoffDelay(attempt, { initialMs: 100, maxMs: 2000, random: options.random ?? Math.random }),
    );
  }
  const alive = keepAlive(store, options.holder, options.ttlMs / 3, body);
  try {
    return await work();
  } finally {
    await alive.stop();
    await release(store, options.holder);
  }
}

/** Renews the lock every `everyMs` while it is still `holder`'s, until `stop` (which waits for a renewal under way). */
function keepAlive(store: Store, holder: string, everyMs: number, body: () => Uint8Array) {
  if (!(everyMs > 0)) return { stop: async () => {} };
  let renewal = Promise.resolve();
  const renew = async () => {
    const held = await store.getVersioned(LOCK_KEY);
    if (held && parseLock(held.bytes)?.holder === holder)
      await store.put(LOCK_KEY, body(), { ifMatch: held.version, contentType: "application/json" });
  };
  const timer = setInterval(() => {
    renewal = renewal.then(renew).catch(() => {});
  }, everyMs);
  // A lock must not keep a process alive whose work is over.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await renewal;
    },
  };
}

/** Removes the lock if it is still ours (a lock taken over after expiry is the new holder's). */
async function release(store: Store, holder: string): Promise<void> {
  const held = await store.getVersioned(LOCK_KEY);
  if (held && parseLock(held.bytes)?.holder === holder) await store.delete(LOCK_KEY);
}

function parseLock(bytes: Uint8Array): LockBody | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LockBody>;
    return typeof value.holder === "string" && typeof value.expires === "number"
      ? { holder: value.holder, expires: value.expires }
      : undefined;
  } catch {
    return undefined;
  }
}
