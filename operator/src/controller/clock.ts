/**
 * Time as the controller machinery sees it, injected everywhere so tests drive it with a fake.
 *
 * @module
 */

/** An opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process's clock and timers. Timers are unref'd: they never keep the process alive. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What {@link scaledClock} is made from. */
export interface ScaledClockOptions {
  /** What the clock reads at `origin`. */
  start: Date;
  /** The instant of `base` at which the clock reads `start`. */
  origin: Date;
  /** How many times faster than `base` it runs (1: as fast). */
  scale: number;
  /** The clock it is derived from; default the system clock. */
  base?: Clock;
}

/**
 * A clock shifted to `start` and running `scale` times as fast as `base`: now = start + (base's now
 * − origin) × scale, and a timer of `ms` waits `ms / scale` on `base`. For tests and demos only
 * (a day of forecast cycles in a minute): processes given the same options agree on the time, so
 * a restarted operator goes on where the previous one was.
 *
 * @example scaledClock({ start: new Date("2025-01-01T05:00:00Z"), origin: new Date(), scale: 3600 })
 */
export function scaledClock(options: ScaledClockOptions): Clock {
  const base = options.base ?? systemClock;
  const { scale } = options;
  const start = options.start.getTime();
  const origin = options.origin.getTime();
  return {
    now: () => new Date(start + (base.now().getTime() - origin) * scale),
    setTimeout: (fn, ms) => base.setTimeout(fn, ms / scale),
    clearTimeout: (handle) => base.clearTimeout(handle),
  };
}

/** A promise resolved after `ms` on `clock`, or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
