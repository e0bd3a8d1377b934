/**
 * The one logger, pino, writing JSON lines for machines (`--log-format json`, the default in a
 * Job) or short lines for people on a terminal (`text`: the same records, formatted). Both go to
 * stderr so stdout stays for results.
 *
 * @module
 */
import { pino } from "pino";
import type { Logger } from "./types.js";

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
  const destination = { write: options.format === "json" ? write : (line: string) => write(textLine(line)) };
  return pino({ level: options.level, base: { app: "gik" } }, destination) as unknown as Logger;
}

const LEVEL_NAMES: Record<number, string> = { 20: "DEBUG ", 30: "", 40: "WARN ", 50: "ERROR ", 60: "FATAL " };
/** Fields of every pino record that a person does not need to read. */
const RECORD_FIELDS = new Set(["level", "time", "pid", "hostname", "app", "msg"]);

/** A pino JSON line as a person reads it: `WARN message  key=value …`. */
function textLine(json: string): string {
  const record = JSON.parse(json) as Record<string, unknown>;
  const detail = Object.entries(record)
    .filter(([key]) => !RECORD_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const tag = LEVEL_NAMES[record.level as number] ?? "";
  return `${tag}${String(record.msg ?? "")}${detail ? `  ${detail}` : ""}\n`;
}
