/**
 * The Python reader environment: a virtual environment at `<cache>/pyenv-<hash>` made from
 * `test/python/requirements.txt` (every package pinned, installed with `--no-deps`), where
 * `<hash>` is the first 12 hex digits of the requirements file's sha256.
 *
 * Invariants:
 * - The environment counts as made only once its marker file exists, written after the install,
 *   `pip check` and an import of the reader stack succeeded. (A venv cannot be built elsewhere
 *   and renamed into place: its scripts carry absolute paths.) A directory without the marker is
 *   rebuilt from scratch (`venv --clear`).
 * - One process builds at a time: the others wait on a lock directory holding the builder's pid;
 *   a lock whose builder is gone is taken over.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CachePaths } from "./cache-paths.js";
import { cachePaths } from "./cache-paths.js";
import { formatMs, processAlive } from "./go-build.js";
import { InfraError } from "./infra-error.js";
import { logTail, runLogged } from "./run-logged.js";

/**
 * The environments: `reader` opens stores as DESIGN.md shows (zarr-python 2); `peers` is the
 * current stack on zarr-python 3 with kerchunk 0.2.10, the oracle and the benchmarks' peers.
 */
export type PythonEnvName = "reader" | "peers";

const REQUIREMENTS: Record<PythonEnvName, string> = {
  reader: fileURLToPath(new URL("../python/requirements.txt", import.meta.url)),
  peers: fileURLToPath(new URL("../python/requirements-peers.txt", import.meta.url)),
};
const MARKER = ".gik-complete";
/** Imported once the install is done: proves the native ecCodes library and the readers load. */
const SMOKE_IMPORTS =
  "import xarray, zarr, kerchunk, fsspec, s3fs, pyarrow, fastparquet, eccodes, cfgrib; print(eccodes.__version__)";

export interface PythonEnvPlan {
  dir: string;
  python: string;
  logPath: string;
  steps: { step: string; command: string; args: string[] }[];
}

/** Where environment `name` for its current requirements lives and the commands that make it. */
export function pythonEnvPlan(
  paths: CachePaths,
  name: PythonEnvName = "reader",
  basePython = process.env.GIK_PYTHON_BASE ?? "python3",
): PythonEnvPlan {
  const requirements = REQUIREMENTS[name];
  const hash = createHash("sha256").update(readFileSync(requirements)).digest("hex").slice(0, 12);
  const dir = join(paths.root, `pyenv-${name}-${hash}`);
  const python = join(dir, "bin", "python");
  const pip = (...args: string[]) => ["-m", "pip", ...args];
  return {
    dir,
    python,
    logPath: join(paths.logs, `pyenv-${name}-${hash}.log`),
    steps: [
      { step: "create venv", command: basePython, args: ["-m", "venv", "--clear", dir] },
      {
        step: "pip install",
        command: python,
        args: pip("install", "--no-deps", "--no-input", "--disable-pip-version-check", "-r", requirements),
      },
      { step: "pip check", command: python, args: pip("check") },
      { step: "import readers", command: python, args: ["-c", SMOKE_IMPORTS] },
    ],
  };
}

export interface PythonEnvResult {
  python: string;
  built: boolean;
  ms: number;
}

/** Makes the environment unless it is complete; resolves with its interpreter. */
export async function ensurePythonEnv(options: {
  paths: CachePaths;
  log: (line: string) => void;
  name?: PythonEnvName;
}): Promise<PythonEnvResult> {
  const started = Date.now();
  const name = options.name ?? "reader";
  const plan = pythonEnvPlan(options.paths, name);
  if (existsSync(join(plan.dir, MARKER))) return { python: plan.python, built: false, ms: 0 };
  while (!tryLock(plan)) {
    await new Promise((r) => setTimeout(r, 2000));
    if (existsSync(join(plan.dir, MARKER)))
      return { python: plan.python, built: false, ms: Date.now() - started };
  }
  try {
    options.log(`building python-env ${name} ${plan.dir}; log: ${plan.logPath}`);
    writeFileSync(plan.logPath, `building ${plan.dir} at ${new Date().toISOString()}\n`);
    for (const s of plan.steps) {
      await runLogged({
        component: `python-env ${name}`,
        ...s,
        cwd: options.paths.root,
        env: process.env,
        logPath: plan.logPath,
      });
    }
    writeFileSync(join(plan.dir, MARKER), `${new Date().toISOString()}\n`);
  } finally {
    unlock(plan);
  }
  options.log(`built python-env ${name} in ${formatMs(Date.now() - started)}`);
  return { python: plan.python, built: true, ms: Date.now() - started };
}

/** The same as {@link ensurePythonEnv}, blocking: for helpers that must answer synchronously. */
export function ensurePythonEnvSync(
  paths: CachePaths = cachePaths(),
  name: PythonEnvName = "reader",
): string {
  const plan = pythonEnvPlan(paths, name);
  const done = () => existsSync(join(plan.dir, MARKER));
  if (done()) return plan.python;
  while (!tryLock(plan)) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    if (done()) return plan.python;
  }
  try {
    writeFileSync(plan.logPath, `building ${plan.dir} at ${new Date().toISOString()}\n`);
    for (const s of plan.steps) {
      const fd = openSync(plan.logPath, "a");
      const r = spawnSync(s.command, s.args, { cwd: paths.root, stdio: ["ignore", fd, fd] });
      closeSync(fd);
      if (r.status !== 0) {
        const why = r.error ? String(r.error) : `exit ${r.status ?? r.signal}:\n${logTail(plan.logPath, 15)}`;
        throw new InfraError(`python-env ${name}`, s.step, why, plan.logPath);
      }
    }
    writeFileSync(join(plan.dir, MARKER), `${new Date().toISOString()}\n`);
  } finally {
    unlock(plan);
  }
  return plan.python;
}

/** `{ python }` of environment `name`, made if missing. */
export async function pythonEnv(
  paths: CachePaths = cachePaths(),
  name: PythonEnvName = "reader",
): Promise<{ python: string }> {
  const { python } = await ensurePythonEnv({ paths, name, log: (l) => console.log(`infra: ${l}`) });
  return { python };
}

function tryLock(plan: PythonEnvPlan): boolean {
  const lock = `${plan.dir}.lock`;
  mkdirSync(join(plan.dir, ".."), { recursive: true });
  mkdirSync(join(plan.logPath, ".."), { recursive: true });
  try {
    mkdirSync(lock);
  } catch {
    const owner = Number(readFileOr(join(lock, "pid"), "0"));
    // A lock without a pid is a few microseconds old; one with a dead pid is abandoned.
    if (owner && !processAlive(owner)) rmSync(lock, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(lock, "pid"), String(process.pid));
  return true;
}

function unlock(plan: PythonEnvPlan): void {
  rmSync(`${plan.dir}.lock`, { recursive: true, force: true });
}

function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}
