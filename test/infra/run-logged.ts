/**
 * Runs one build command with its output appended to a log file, so the console stays short and a
 * failure points at the full text. A failing command becomes an {@link InfraError} naming the
 * component, the step and the log, with the last lines of the log in its message.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync, readFileSync } from "node:fs";
import { InfraError } from "./infra-error.js";

export interface LoggedCommand {
  component: string;
  step: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
}

/**
 * Runs `command args` in `cwd`, stdout and stderr appended to `logPath`. Resolves with stdout
 * when `captureStdout` is set (then stdout is not logged), with `""` otherwise.
 */
export async function runLogged(cmd: LoggedCommand, captureStdout = false): Promise<string> {
  const shown = [cmd.command, ...cmd.args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(" ");
  appendFileSync(cmd.logPath, `\n$ (cd ${cmd.cwd} && ${shown})\n`);
  const fd = openSync(cmd.logPath, "a");
  try {
    const child = spawn(cmd.command, cmd.args, {
      cwd: cmd.cwd,
      env: cmd.env,
      stdio: ["ignore", captureStdout ? "pipe" : fd, fd],
    });
    const chunks: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => chunks.push(c));
    const code = await new Promise<number | string>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (status, signal) => resolve(status ?? signal ?? -1));
    }).catch((err: unknown) => {
      throw new InfraError(cmd.component, cmd.step, `cannot run ${cmd.command}`, cmd.logPath, { cause: err });
    });
    if (code !== 0) {
      throw new InfraError(
        cmd.component,
        cmd.step,
        `${cmd.command} exited with ${code}; last lines:\n${logTail(cmd.logPath, 15)}`,
        cmd.logPath,
      );
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function logTail(path: string, lines: number): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
