/**
 * Follows a Dockerfile's stages on this machine, as a stand-in for `docker build` where no engine
 * runs: each stage's WORKDIR becomes a temporary directory, COPY copies from the build context or
 * an earlier stage's directory, RUN runs its shell command there (flags such as `--mount` dropped)
 * with the stage's ENV, and ENV values naming the WORKDIR are rewritten to the directory. The base
 * image is this machine (its Node, its shell).
 *
 * Only what a Dockerfile written for this (one absolute WORKDIR per stage, RUNs relative to it,
 * `COPY --from` sources inside that stage's WORKDIR) is supported; anything else throws, naming the
 * line, so the Dockerfile cannot drift silently away from what the test follows.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { cp, mkdir, stat } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { promisify } from "node:util";
import { envPairs, type Instruction, type Stage, words } from "./dockerfile.js";

export interface ReplayedStage {
  name?: string;
  /** The stage's WORKDIR inside the image, e.g. `/app`. */
  workdir: string;
  /** Where that WORKDIR is on this machine. */
  dir: string;
  /** The stage's ENV, WORKDIR paths rewritten to `dir`, `$PATH` expanded. */
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  user?: string;
}

/**
 * Replays `stages` with `context` as the build context, each stage in a new directory under `root`.
 * Returns the stages as replayed; the last is the image.
 */
export async function replayDockerfile(
  stages: readonly Stage[],
  context: string,
  root: string,
  log: (line: string) => void = () => undefined,
): Promise<ReplayedStage[]> {
  const done: ReplayedStage[] = [];
  for (const [i, stage] of stages.entries()) {
    const state: ReplayedStage = {
      name: stage.name,
      workdir: "",
      dir: join(root, `stage-${i}${stage.name ? `-${stage.name}` : ""}`),
      env: {},
      entrypoint: [],
      cmd: [],
    };
    for (const ins of stage.instructions) await apply(ins, state, { context, done, log });
    done.push(state);
  }
  return done;
}

interface Ctx {
  context: string;
  done: readonly ReplayedStage[];
  log: (line: string) => void;
}

async function apply(ins: Instruction, s: ReplayedStage, ctx: Ctx): Promise<void> {
  const fail = (why: string) => {
    throw new Error(`Dockerfile:${ins.line}: ${ins.keyword} ${ins.args}: ${why}`);
  };
  switch (ins.keyword) {
    case "WORKDIR":
      if (s.workdir) fail("one WORKDIR per stage is followed");
      if (!ins.args.startsWith("/")) fail("not absolute");
      s.workdir = ins.args;
      await mkdir(s.dir, { recursive: true });
      return;
    case "ENV":
      for (const [key, value] of envPairs(ins.args)) s.env[key] = localValue(value, s);
      return;
    case "COPY":
      return copy(ins, s, ctx, fail);
    case "RUN": {
      if (!s.workdir) fail("RUN before WORKDIR");
      ctx.log(`RUN ${ins.args}`);
      const env = { ...process.env, ...s.env };
      await promisify(execFile)("sh", ["-c", ins.args], { cwd: s.dir, env, maxBuffer: 64 << 20 }).catch(
        (err: { stderr?: string }) => fail(`failed: ${err.stderr ?? String(err)}`),
      );
      return;
    }
    case "ENTRYPOINT":
      s.entrypoint = words(ins.args);
      return;
    case "CMD":
      s.cmd = words(ins.args);
      return;
    case "USER":
      s.user = ins.args;
      return;
    default:
      fail("not followed by the replay");
  }
}

async function copy(ins: Instruction, s: ReplayedStage, ctx: Ctx, fail: (why: string) => never) {
  if (!s.workdir) fail("COPY before WORKDIR");
  const parts = words(ins.args);
  const dest = parts.pop()!;
  const from = ins.flags.from;
  const source = from === undefined ? undefined : ctx.done.find((d) => d.name === from);
  if (from !== undefined && !source) fail(`no earlier stage named ${from}`);
  const destPath = inside(posix.resolve(s.workdir, dest), s, fail);
  for (const part of parts) {
    const src = source ? inside(part, source, fail) : join(ctx.context, part);
    const isDir = (await stat(src)).isDirectory();
    // Docker: a directory's contents go to dest; files go into dest when it ends with "/".
    const target =
      isDir || !(dest.endsWith("/") || parts.length > 1) ? destPath : join(destPath, basename(src));
    await cp(src, target, { recursive: true });
  }
}

/** `path` (absolute in the image, under the stage's WORKDIR) on this machine. */
function inside(path: string, s: ReplayedStage, fail: (why: string) => never): string {
  const rel = posix.relative(s.workdir, path);
  if (rel.startsWith("..") || posix.isAbsolute(rel)) fail(`${path} is outside WORKDIR ${s.workdir}`);
  return join(s.dir, rel);
}

/** An ENV value with the WORKDIR rewritten to the stage directory and `$PATH` expanded. */
function localValue(value: string, s: ReplayedStage): string {
  const expanded = value.replace(/\$\{?PATH\}?/g, s.env.PATH ?? process.env.PATH ?? "");
  return expanded
    .split(":")
    .map((p) =>
      s.workdir && (p === s.workdir || p.startsWith(`${s.workdir}/`)) ? s.dir + p.slice(s.workdir.length) : p,
    )
    .join(":");
}
