/**
 * The Python environment of VirtualiZarr's GRIB parser: `bench/peers/requirements-virtualizarr.txt`
 * installed with `--no-deps` into `<cache>/pyenv-virtualizarr-<hash>` (hash of the requirements
 * file), with a Python 3.12 or newer. virtualizarr[grib] and gribberish 1.x publish nothing for the
 * Python 3.11 the test environments use, so this one lives apart from them.
 *
 * The interpreter: `GIK_PYTHON312` when set, else the first of `python3.13`, `python3.12` on the
 * PATH or under pyenv (`~/.pyenv/versions/3.1[23]*`) that runs. With none, the bench reports the
 * peer as not measured and says why.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cachePaths } from "../test/infra/cache-paths.js";
import { runLogged } from "../test/infra/run-logged.js";

const REQUIREMENTS = fileURLToPath(new URL("./peers/requirements-virtualizarr.txt", import.meta.url));
const MARKER = ".gik-complete";
const SMOKE = "import virtualizarr, gribberish.virtualizarr, obstore; print(virtualizarr.__version__)";

export type VirtualizarrEnv = { python: string } | { missing: string };

/** The environment's interpreter, made if missing, or why it cannot be made here. */
export async function ensureVirtualizarrEnv(log: (line: string) => void): Promise<VirtualizarrEnv> {
  const base = findPython312();
  if (!base) {
    return {
      missing:
        "needs Python >= 3.12 (virtualizarr[grib] and gribberish 1.x publish nothing for 3.11): set GIK_PYTHON312",
    };
  }
  const paths = cachePaths();
  const hash = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex").slice(0, 12);
  const dir = join(paths.root, `pyenv-virtualizarr-${hash}`);
  const python = join(dir, "bin", "python");
  if (existsSync(join(dir, MARKER))) return { python };
  mkdirSync(paths.logs, { recursive: true });
  const logPath = join(paths.logs, `pyenv-virtualizarr-${hash}.log`);
  log(`building the VirtualiZarr environment ${dir} with ${base}; log: ${logPath}`);
  const pip = (...args: string[]) => ["-m", "pip", ...args];
  const steps: [string, string, string[]][] = [
    ["create venv", base, ["-m", "venv", "--clear", dir]],
    [
      "pip install",
      python,
      pip("install", "--no-deps", "--no-input", "--disable-pip-version-check", "-r", REQUIREMENTS),
    ],
    ["pip check", python, pip("check")],
    ["import", python, ["-c", SMOKE]],
  ];
  for (const [step, command, args] of steps) {
    await runLogged({
      component: "pyenv-virtualizarr",
      step,
      command,
      args,
      cwd: paths.root,
      env: process.env,
      logPath,
    });
  }
  writeFileSync(join(dir, MARKER), `${new Date().toISOString()}\n`);
  return { python };
}

function findPython312(): string | undefined {
  const pyenv = join(homedir(), ".pyenv", "versions");
  const underPyenv = existsSync(pyenv)
    ? readdirSync(pyenv)
        .filter((v) => /^3\.1[23]\.\d+$/.test(v))
        .sort()
        .reverse()
        .map((v) => join(pyenv, v, "bin", "python3"))
    : [];
  const candidates = [process.env.GIK_PYTHON312, "python3.13", "python3.12", ...underPyenv];
  return candidates.find((c): c is string => c !== undefined && c !== "" && runs(c));
}

/** True when `python` starts and is 3.12 or newer. */
function runs(python: string): boolean {
  const r = spawnSync(python, ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)"], {
    stdio: "ignore",
  });
  return r.status === 0;
}
