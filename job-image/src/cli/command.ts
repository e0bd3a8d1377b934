/**
 * A command is data: its name, what it does, its options with their help and defaults, and a
 * `run` that returns the process exit code. Only `main.ts` turns that into `process.exit`.
 *
 * @module
 */
import type { Logger, Progress } from "../log/types.js";

export interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown in help; applied by the command's own parsing, which knows the environment. */
  default?: string;
  /** Placeholder in help, e.g. `URL`. */
  value?: string;
}

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  log: Logger;
  progress: Progress;
  /** Writes a result line to stdout. */
  print: (line: string) => void;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  run(values: OptionValues, positionals: string[], ctx: CommandContext): Promise<number>;
}

export { EXIT } from "../api/exit-codes.js";

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  "log-format": {
    type: "string",
    value: "text|json",
    description: "log lines for people or JSON lines (pino)",
    default: "text on a terminal, else json",
  },
  "log-level": { type: "string", value: "LEVEL", description: "debug, info, warn or error", default: "info" },
  help: { type: "boolean", description: "show this help" },
};

/** The help text of a command. */
export function helpText(command: Command): string {
  const all = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(all).map(([name, spec]) => {
    const flag = `--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
    const def = spec.default ? ` (default: ${spec.default})` : "";
    return `  ${flag.padEnd(34)} ${spec.description}${def}`;
  });
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${rows.join("\n")}\n`;
}
