/**
 * A progress bar per task on a terminal: one line redrawn in place, finished with a newline.
 * Tasks that run at the same time share the line (the latest one shows).
 *
 * @module
 */
import type { Progress, ProgressTask } from "./types.js";

export interface TerminalProgressOptions {
  write: (text: string) => void;
  columns?: number;
  now?: () => number;
}

export function terminalProgress(options: TerminalProgressOptions): Progress {
  const now = options.now ?? Date.now;
  return {
    begin(label: string, total: number, unit: string): ProgressTask {
      let done = 0;
      let ended = false;
      const started = now();
      const draw = () =>
        options.write(`\r${renderBar(label, done, total, unit, now() - started, options.columns ?? 80)}`);
      draw();
      return {
        advance(by = 1) {
          done = Math.min(total, done + by);
          draw();
        },
        end() {
          if (ended) return;
          ended = true;
          draw();
          options.write("\n");
        },
      };
    },
  };
}

/** One line: `label [#####-----] 42/85 steps 3.1s`, one column short of `columns` so the terminal never wraps it. */
export function renderBar(
  label: string,
  done: number,
  total: number,
  unit: string,
  elapsedMs: number,
  columns: number,
): string {
  const tail = ` ${done}/${total} ${unit} ${(elapsedMs / 1000).toFixed(1)}s`;
  const width = Math.max(10, columns - label.length - tail.length - 4);
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}]${tail}`;
}
