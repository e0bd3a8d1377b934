/**
 * Builds a {@link GoComponent} into `<cache>/<name>-<version>/` unless it is already there.
 *
 * Invariants:
 * - The component directory appears by one `rename` of a finished build, so its existence means
 *   "complete"; a crashed build leaves only a directory under `tmp/`, swept by a later build once
 *   the process that made it is gone.
 * - Every build uses the local Go toolchain (`GOTOOLCHAIN=local`), the Go module proxy (no
 *   `direct` fallback unless `GOPROXY` says so) and the shared module and build caches under the
 *   cache root; `CGO_ENABLED=0`, `-trimpath`.
 * - The final directory keeps the generated go.mod and go.sum (`build/`) as the record of what
 *   went in; `bin/` holds the binaries.
 *
 * @module
 */

import { execFile } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { CachePaths } from "./cache-paths.js";
import { componentDir } from "./cache-paths.js";
import type { GoComponent, GoModuleInfo, ModuleLookup, PreparedBuild } from "./go-component.js";
import { buildModuleGoMod, goBinaryBaseName } from "./go-component.js";
import { InfraError } from "./infra-error.js";
import { runLogged } from "./run-logged.js";

export interface BuildOptions {
  paths: CachePaths;
  log: (line: string) => void;
  /** Environment the Go command starts from (GOPROXY etc.); defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface BuiltComponent {
  name: string;
  version: string;
  dir: string;
  /** Binary name → absolute path. */
  bin: Record<string, string>;
  /** False when the cache already had it. */
  built: boolean;
  ms: number;
}

/** The environment of every Go build: local toolchain, shared caches, static binaries. */
export function goEnv(paths: CachePaths, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    GOMODCACHE: paths.goModCache,
    GOCACHE: paths.goBuildCache,
    GOPATH: join(paths.root, "go", "path"),
    // The module proxy only: without `direct`, a module missing there fails instead of being
    // fetched from its VCS host.
    GOPROXY: base.GOPROXY || "https://proxy.golang.org",
    GOTOOLCHAIN: "local",
    GOWORK: "off",
    GOFLAGS: "-trimpath -buildvcs=false",
    CGO_ENABLED: "0",
  };
}

/** Paths of a component's binaries once built. */
export function componentBinaries(paths: CachePaths, component: GoComponent): Record<string, string> {
  const dir = componentDir(paths, component.name, component.version);
  return Object.fromEntries(Object.keys(component.binaries).map((b) => [b, join(dir, "bin", b)]));
}

/** Builds `component` unless its directory exists; see the module notes for the guarantees. */
export async function ensureGoComponent(
  component: GoComponent,
  options: BuildOptions,
): Promise<BuiltComponent> {
  const { paths, log } = options;
  const started = Date.now();
  const dir = componentDir(paths, component.name, component.version);
  const bin = componentBinaries(paths, component);
  const result = (built: boolean) => ({ ...component, dir, bin, built, ms: Date.now() - started });
  if (existsSync(dir)) return result(false);

  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.tmp, { recursive: true });
  sweepAbandoned(paths.tmp);
  const logPath = join(paths.logs, `${component.name}-${component.version}.log`);
  writeFileSync(logPath, `building ${component.name} ${component.version} at ${new Date().toISOString()}\n`);
  log(`building ${component.name} ${component.version} (${Object.keys(bin).join(", ")}); log: ${logPath}`);

  const work = mkdtempSync(join(paths.tmp, `${component.name}-${component.version}-${process.pid}-`));
  try {
    await buildInto(component, work, { ...options, logPath });
    try {
      renameSync(join(work, "out"), dir);
    } catch (err) {
      // Another run finished the same build first: its result is as good as ours.
      if (!existsSync(dir)) throw new InfraError(component.name, "install", String(err), logPath);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const done = result(true);
  log(`built ${component.name} ${component.version} in ${formatMs(done.ms)}`);
  return done;
}

async function buildInto(
  component: GoComponent,
  work: string,
  options: BuildOptions & { logPath: string },
): Promise<void> {
  const src = join(work, "src");
  const out = join(work, "out");
  mkdirSync(src);
  mkdirSync(join(out, "bin"), { recursive: true });
  const env = goEnv(options.paths, options.env ?? process.env);
  const go = (step: string, args: string[], capture = false) =>
    runLogged(
      { component: component.name, step, command: "go", args, cwd: src, env, logPath: options.logPath },
      capture,
    );

  const goVersion = (await go("find Go", ["env", "GOVERSION"], true)).trim();
  const lookup: ModuleLookup = async (path, version) =>
    readModuleInfo(
      await go(`download ${path}@${version}`, ["mod", "download", "-json", `${path}@${version}`], true),
    );
  const prepared: PreparedBuild = await withStep(component, "prepare", options.logPath, async () =>
    component.prepare ? component.prepare(lookup) : {},
  );

  writeFileSync(
    join(src, "go.mod"),
    buildModuleGoMod(component, prepared, goVersion.replace(/^go(\d+\.\d+).*$/, "$1")),
  );
  const files = { ...component.files, ...prepared.files };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, file)), { recursive: true });
    writeFileSync(join(src, file), text);
  }
  const ldflags = ["-s", "-w", ...(component.ldflags ?? []), ...(prepared.ldflags ?? [])].join(" ");
  const packages = Object.values(component.binaries);
  await go("compile", ["build", "-mod=mod", "-ldflags", ldflags, "-o", `${join(out, "bin")}/`, ...packages]);

  for (const [name, pkg] of Object.entries(component.binaries)) {
    const base = goBinaryBaseName(component, pkg);
    if (base !== name) renameSync(join(out, "bin", base), join(out, "bin", name));
  }
  await verify(component, join(out, "bin"), options.logPath);
  mkdirSync(join(out, "build"));
  for (const f of ["go.mod", "go.sum", ...Object.keys(files)]) {
    if (existsSync(join(src, f))) cpSync(join(src, f), join(out, "build", f));
  }
  writeFileSync(join(out, "build", "toolchain.txt"), `${goVersion}\nldflags: ${ldflags}\n`);
}

async function verify(component: GoComponent, binDir: string, logPath: string): Promise<void> {
  for (const [name, check] of Object.entries(component.verify ?? {})) {
    const text = await withStep(component, `verify ${name}`, logPath, async () => {
      const { stdout, stderr } = await promisify(execFile)(join(binDir, name), [...check.args], {
        timeout: 60_000,
      });
      return stdout + stderr;
    });
    appendFileSync(logPath, `\n$ ${name} ${check.args.join(" ")}\n${text}`);
    if (!text.includes(check.expect)) {
      throw new InfraError(
        component.name,
        `verify ${name}`,
        `output lacks "${check.expect}": ${text}`,
        logPath,
      );
    }
  }
}

async function withStep<T>(
  component: GoComponent,
  step: string,
  logPath: string,
  f: () => Promise<T>,
): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof InfraError) throw err;
    appendFileSync(logPath, `\n${step}: ${String(err)}\n`);
    throw new InfraError(component.name, step, err instanceof Error ? err.message : String(err), logPath, {
      cause: err,
    });
  }
}

function readModuleInfo(json: string): GoModuleInfo {
  const d = JSON.parse(json) as {
    Path: string;
    Version: string;
    Info: string;
    GoMod: string;
    Dir: string;
    Origin?: { Hash?: string };
    Error?: string;
  };
  if (d.Error) throw new Error(d.Error);
  const info = JSON.parse(readFileSync(d.Info, "utf8")) as { Time: string };
  return {
    path: d.Path,
    version: d.Version,
    time: info.Time,
    goMod: readFileSync(d.GoMod, "utf8"),
    dir: d.Dir,
    ...(d.Origin?.Hash ? { commit: d.Origin.Hash } : {}),
  };
}

/** Removes build directories whose builder process (the pid in their name) no longer runs. */
function sweepAbandoned(tmp: string): void {
  for (const entry of readdirSync(tmp)) {
    const pid = Number(/-(\d+)-[^-]+$/.exec(entry)?.[1]);
    if (pid && !processAlive(pid)) rmSync(join(tmp, entry), { recursive: true, force: true });
  }
}

/** True when a process with this pid exists (it may belong to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `754321` → `12m34s`. */
export function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${(ms / 1000).toFixed(1)}s`;
}
