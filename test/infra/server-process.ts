/**
 * A server started by the test setup: its own process group (so stopping it stops whatever it
 * forked), output appended to `<run>/logs/<name>.log`, and a pid file in `<run>/pids/` so a later
 * run can kill it if this one crashes.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { InfraError } from "./infra-error.js";
import type { ProcessId, RunDir } from "./run-dir.js";
import { processStart } from "./run-dir.js";
import { logTail } from "./run-logged.js";

export interface ServerSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** False: the process gets `env` only, not the setup's environment. Default true. */
  inheritEnv?: boolean;
  cwd?: string;
  /**
   * Where stdout and stderr go; default both to `<run>/logs/<name>.log`. `"pipe"`: to
   * {@link ServerProcess.pipes}, for the caller to read (and nothing is written to `logPath`).
   */
  output?: { stdout: string; stderr: string } | "pipe";
}

export interface ServerProcess {
  name: string;
  pid: number;
  logPath: string;
  /** With `output: "pipe"`: the process's stdout and stderr. */
  pipes?: { stdout: Readable; stderr: Readable };
  /** Settles when the process exits, with its exit code or signal name. */
  exited: Promise<number | string>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `spec` in a new process group, recorded in the run directory. */
export function startServer(run: RunDir, spec: ServerSpec): ServerProcess {
  const files = spec.output === "pipe" ? undefined : spec.output;
  const logPath = files?.stderr ?? join(run.logs, `${spec.name}.log`);
  const fds = spec.output === "pipe" ? undefined : [openSync(files?.stdout ?? logPath, "a")];
  if (fds) fds.push(files ? openSync(files.stderr, "a") : fds[0]!);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? run.dir,
    env: spec.inheritEnv === false ? spec.env : { ...process.env, ...spec.env },
    detached: true,
    stdio: ["ignore", fds?.[0] ?? "pipe", fds?.[1] ?? "pipe"],
  });
  for (const fd of new Set(fds)) closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    child.on("error", () => undefined);
    throw new InfraError(spec.name, "start", `cannot run ${spec.command}`, logPath);
  }
  const pidFile = join(run.pids, `${spec.name}.json`);
  const id: ProcessId = { pid, start: processStart(pid) ?? "" };
  writeFileSync(pidFile, JSON.stringify(id));

  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      done = true;
      resolve(code ?? signal ?? -1);
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The whole group is gone already.
    }
  };
  const stop = async (graceMs = 10_000) => {
    if (!done) {
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Children that outlived the leader still belong to its group.
    signalGroup("SIGKILL");
    rmSync(pidFile, { force: true });
  };
  const pipes = fds ? undefined : { stdout: child.stdout!, stderr: child.stderr! };
  return { name: spec.name, pid, logPath, pipes, exited, stop };
}

/**
 * Polls `probe` until it answers true. Fails with the server's log tail when the server exits
 * first or `timeoutMs` passes.
 */
export async function waitReady(
  server: ServerProcess,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void server.exited.then((e) => {
    exit = e;
  });
  for (;;) {
    if (exit !== undefined) {
      throw new InfraError(
        server.name,
        "start",
        `exited (${exit}) before ready:\n${logTail(server.logPath, 20)}`,
        server.logPath,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new InfraError(
        server.name,
        "start",
        `not ready after ${timeoutMs} ms:\n${logTail(server.logPath, 20)}`,
        server.logPath,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
