/**
 * What the stages report through: a structured logger (the subset of pino's API gik uses, so a
 * pino logger is one) and a progress sink (a bar on a terminal, nothing in the cluster).
 *
 * @module
 */

export interface LogFn {
  (msg: string): void;
  (obj: Record<string, unknown>, msg?: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** A unit of work with a known size: `advance` as parts finish, `end` once. */
export interface ProgressTask {
  advance(by?: number): void;
  end(): void;
}

export interface Progress {
  /** Starts a task such as `("templates", 85, "steps")`. */
  begin(label: string, total: number, unit: string): ProgressTask;
}

/** Progress that shows nothing (logs carry the story where there is no terminal). */
export const silentProgress: Progress = {
  begin: () => ({ advance() {}, end() {} }),
};
