#!/usr/bin/env -S AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node
/**
 * The `gik` executable: picks the command, parses its flags, sets up logging and progress, runs
 * it, and turns the outcome into an exit code (0 done, 1 failed, 2 bad input). The only place
 * besides the job entrypoint that calls `process.exit`.
 *
 * The interpreter line turns off the AWS SDK's warning, printed on every run under Node 20, that
 * the SDK's releases after January 2027 need Node 22: news for whoever upgrades the lockfile, noise
 * for whoever runs `gik` (the environment is set by the launcher; gik itself never writes to it).
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isBadInput, isGikError } from "../api/errors.js";
import { createLogger, type LogFormat, type LogLevel } from "../log/logger.js";
import { terminalProgress } from "../log/progress.js";
import { silentProgress } from "../log/types.js";
import { COMMON_OPTIONS, type Command, EXIT, helpText } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { oneOf } from "./run-options.js";

const USAGE = `gik — ECMWF open-data ensemble runs as virtual Zarr stores that xarray opens.

Usage: gik <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(17)} ${c.summary}`).join("\n")}

Run "gik <command> --help" for a command's options.
`;

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = findCommand(argv);
  if (!command) {
    const wanted = argv
      .filter((a) => !a.startsWith("-"))
      .slice(0, 2)
      .join(" ");
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "help") {
      process.stdout.write(USAGE);
      return argv.length === 0 ? EXIT.BAD_INPUT : EXIT.OK;
    }
    process.stderr.write(`gik: unknown command "${wanted}"\n\n${USAGE}`);
    return EXIT.BAD_INPUT;
  }
  const rest = argv.slice(command.name.split(" ").length);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options = Object.fromEntries(
      Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, spec]) => [
        name,
        { type: spec.type },
      ]),
    );
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`gik ${command.name}: ${(err as Error).message}\n\n${helpText(command)}`);
    return EXIT.BAD_INPUT;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(helpText(command));
    return EXIT.OK;
  }
  const interactive = Boolean(process.stderr.isTTY);
  let log: ReturnType<typeof createLogger>;
  try {
    const format = oneOf(
      (values["log-format"] as string | undefined) ?? (interactive ? "text" : "json"),
      ["text", "json"] as const,
      "--log-format",
    ) as LogFormat;
    const level = oneOf(
      (values["log-level"] as string | undefined) ?? "info",
      ["debug", "info", "warn", "error"] as const,
      "--log-level",
    ) as LogLevel;
    log = createLogger({ format, level });
  } catch (err) {
    process.stderr.write(`gik ${command.name}: ${(err as Error).message}\n`);
    return EXIT.BAD_INPUT;
  }
  const progress =
    interactive && values["log-format"] !== "json"
      ? terminalProgress({ write: (t) => process.stderr.write(t), columns: process.stderr.columns })
      : silentProgress;
  try {
    return await command.run(values, parsed.positionals, {
      env,
      log,
      progress,
      print: (line) => process.stdout.write(`${line}\n`),
    });
  } catch (err) {
    if (isGikError(err)) {
      log.error({ tag: err._tag, err: err.message }, `gik ${command.name} failed`);
      if (isGikError(err, "UsageError")) process.stderr.write(`\n${helpText(command)}`);
      return isBadInput(err) ? EXIT.BAD_INPUT : EXIT.FAILED;
    }
    log.error({ err: (err as Error)?.stack ?? String(err) }, `gik ${command.name} failed unexpectedly`);
    return EXIT.FAILED;
  }
}

function findCommand(argv: string[]): Command | undefined {
  const two = argv.slice(0, 2).join(" ");
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
}

// Run when executed (also through npm's `gik` symlink), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`gik: ${(err as Error)?.stack ?? err}\n`);
      process.exit(EXIT.FAILED);
    },
  );
}
