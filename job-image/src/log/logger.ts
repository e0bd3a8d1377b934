/**
 * Loggers: pino JSON lines for machines (`--log-format json`, the default in a Job), or short
 * human lines for a terminal (`text`). Both write to stderr so stdout stays for results.
 *
 * @module
 */
import { pino } from "pino";
import type { LogFn, Logger } from "./types.js";

export type LogFormat = "json" | "text";
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  if (options.format === "json") {
    return pino({ level: options.level, base: { app: "gik" } }, { write }) as unknown as Logger;
  }
  return textLogger(options.level, write, {});
}

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

function textLogger(
  level: LogLevel,
  write: (line: string) => void,
  bindings: Record<string, unknown>,
): Logger {
  const at = (name: LogLevel): LogFn =>
    ((first: string | Record<string, unknown>, msg?: string) => {
      if (LEVELS[name] < LEVELS[level]) return;
      const fields = typeof first === "string" ? bindings : { ...bindings, ...first };
      const text = typeof first === "string" ? first : (msg ?? "");
      const detail = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      const tag = name === "info" ? "" : `${name.toUpperCase()} `;
      write(`${tag}${text}${detail ? `  ${detail}` : ""}\n`);
    }) as LogFn;
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => textLogger(level, write, { ...bindings, ...more }),
  };
}
