/**
 * The operator as users run it: the built `dist/operator/src/main.js` in its own Node process,
 * configured by environment variables and a kubeconfig, its JSON log lines appended to a file.
 * Tests stop it gracefully (SIGTERM) or kill it (SIGKILL) by its pid, and start it again.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "../infra/server-process.js";

export const OPERATOR_MAIN = fileURLToPath(new URL("../../dist/operator/src/main.js", import.meta.url));

export interface OperatorProcessOptions {
  /** The kubeconfig the process uses (`KUBECONFIG`). */
  kubeconfig: string;
  /** The operator's configuration (`GIK_*`, `POD_NAME`, …; see `operator/src/config.ts`). */
  env: Record<string, string>;
  /** stdout and stderr are appended here. */
  logFile: string;
}

export interface OperatorProcess {
  pid: number;
  /** Port of `/healthz`, `/readyz`, `/metrics`. */
  port: number;
  /** Settles when the process exits: its exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` to the process (by its pid). */
  kill(signal: NodeJS.Signals): void;
  /** GET `path` of the probe/metrics server; `undefined` while nothing answers. */
  get(path: string): Promise<{ status: number; text: string } | undefined>;
}

/** Starts the operator process; resolves once it was spawned (not yet ready: poll `/readyz`). */
export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  if (!existsSync(OPERATOR_MAIN))
    throw new Error(`${OPERATOR_MAIN} is missing: run "npm run build" first (npm test does)`);
  const port = await freePort();
  const log = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [OPERATOR_MAIN], {
      env: {
        PATH: process.env.PATH,
        ...options.env,
        KUBECONFIG: options.kubeconfig,
        GIK_METRICS_PORT: String(port),
      },
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${OPERATOR_MAIN}`);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    pid,
    port,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
    },
    get: async (path) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, text: await res.text() };
      } catch {
        return undefined;
      }
    },
  };
}

/** The last `lines` lines of an operator's log, for failure messages. */
export function logTail(logFile: string, lines = 40): string {
  if (!existsSync(logFile)) return "(no log)";
  return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}
