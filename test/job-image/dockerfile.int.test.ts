/**
 * The job image's install works, without a Docker engine: `job-image/Dockerfile` is followed
 * stage by stage in temporary directories (`dockerfile-replay.ts`: its COPY lists, its RUN
 * commands — `npm ci` + `npm run build`, then `npm ci --omit=dev` — its ENV and ENTRYPOINT), and
 * the resulting `gik` runs `--help` (the image's CMD), builds templates and writes the stores of
 * one share of two members as an Indexed Job pod does (`JOB_COMPLETION_INDEX=0`, `membersPerPod` 2). When the test runs as root, `gik`
 * runs as UID 1000 like the image's USER, with HOME on the root-owned install, so a write outside
 * the output and TMPDIR fails as it would on the pods' read-only root filesystem.
 *
 * What differs from the image: the base is this machine (Node 20 here; the image has Node 26,
 * the LTS line), and the npm cache is the machine's.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeJobSpec,
  JOB_SPEC_ENV,
  parseMemberReport,
  type RunJobSpec,
} from "../../job-image/src/api/index.js";
import { ensureMirror } from "../helpers/mirror.js";
import { parseDockerfile } from "./dockerfile.js";
import { type ReplayedStage, replayDockerfile } from "./dockerfile-replay.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MEMBERS = "control,ens01,ens02";
/** The image's USER. */
const UID = 1000;
const asImageUser = process.getuid?.() === 0;

let root: string;
let image: ReplayedStage;
let mirror: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A directory the image's user may write (the pods' emptyDir or output). */
async function writable(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  if (asImageUser) await chown(path, UID, UID);
  return path;
}

/** The image's entrypoint with `args` (its CMD when none), as the image's user. */
function gik(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      image.entrypoint[0]!,
      [...image.entrypoint.slice(1), ...(args.length ? args : image.cmd)],
      {
        cwd: image.dir,
        env: { ...image.env, HOME: image.dir, TMPDIR: join(root, "tmp"), ...env },
        maxBuffer: 64 << 20,
        ...(asImageUser ? { uid: UID, gid: UID } : {}),
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "gik-dockerfile-"));
  await chmod(root, 0o755);
  const stages = parseDockerfile(readFileSync(join(REPO, "job-image/Dockerfile"), "utf8"));
  const replayed = await replayDockerfile(stages, REPO, root, (line) => console.log(`dockerfile: ${line}`));
  image = replayed.at(-1)!;
  // A copy the image's user can read (the cache lives under root's home).
  mirror = join(root, "mirror");
  await cp(await ensureMirror({ dates: ["20240529", "20250101"], members: 3 }), mirror, { recursive: true });
  await writable(join(root, "tmp"));
}, 1_200_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("the job image's install", () => {
  it("holds production dependencies only", () => {
    const lock = JSON.parse(readFileSync(join(image.dir, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const dev = Object.entries(lock.packages)
      .filter(([p, m]) => p && m.dev)
      .map(([p]) => p);
    expect(dev.length).toBeGreaterThan(0);
    for (const p of dev) expect(existsSync(join(image.dir, p)), `${p} is a dev dependency`).toBe(false);
    expect(existsSync(join(image.dir, "node_modules/@kubernetes/client-node"))).toBe(true);
  });

  it("runs gik --help as its default command", async () => {
    const r = await gik([]);
    console.log(`gik (CMD ${image.cmd.join(" ")}) -> ${r.code}\n${r.stdout}`);
    expect(r.code, r.stderr).toBe(0);
    for (const command of ["run", "templates build", "verify", "job"]) expect(r.stdout).toContain(command);
  });

  it("builds templates and writes the stores of a share of two members as a Job pod does", async () => {
    const templates = await writable(join(root, "templates"));
    const out = await writable(join(root, "out"));
    const built = await gik([
      "templates",
      "build",
      "--date",
      "20240529",
      "--source",
      mirror,
      "--store",
      templates,
    ]);
    expect(built.code, built.stderr).toBe(0);

    const spec: RunJobSpec = {
      kind: "EcmwfRun",
      run: { date: "20250101", cycle: 0 },
      members: MEMBERS.split(","),
      templates: { store: templates, referenceDate: "20240529" },
      source: mirror,
      output: out,
      format: "parquet",
      layout: "members",
      onDrift: "rebuild",
      membersPerPod: 2,
    };
    const report = join(await writable(join(root, "report")), "termination-log");
    // Index 0 of shares of two members: the control and ens01, from one read of each index file.
    const share = await gik(["job", "--log-format", "json", "--report", report], {
      JOB_COMPLETION_INDEX: "0",
      [JOB_SPEC_ENV]: encodeJobSpec(spec),
    });
    console.log(
      `gik job (JOB_COMPLETION_INDEX=0, 2 members per pod) -> ${share.code}: ${share.stdout.trim()}`,
    );
    expect(share.code, share.stderr).toBe(0);
    // Its log names the share's members once, and each line after by the share's index.
    const started = `${share.stdout}\n${share.stderr}`
      .split("\n")
      .filter((line) => line.includes('"share started"'))
      .map((line) => JSON.parse(line) as { members: string[]; share: number });
    expect(started).toMatchObject([{ members: ["control", "ens01"], share: 0 }]);
    expect(parseMemberReport(await readFile(report, "utf8"))?.members).toMatchObject([
      { member: "control", phase: "Succeeded", message: "written" },
      { member: "ens01", phase: "Succeeded", message: "written" },
    ]);
    const store = (m: string) => join(out, "20250101", "00z", `${m}.parquet`);
    expect(existsSync(join(store("control"), ".zmetadata"))).toBe(true);
    expect(existsSync(join(store("ens01"), ".zmetadata"))).toBe(true);
    expect(existsSync(store("ens02"))).toBe(false);

    for (const m of ["control", "ens01"]) {
      const verified = await gik(["verify", store(m), "--sample", "all"]);
      console.log(`gik verify ${m} -> ${verified.code}: ${verified.stdout.trim().split("\n").at(-1)}`);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    }
  });
});
