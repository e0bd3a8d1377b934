/**
 * `npm run bench`: builds gik if its sources changed, generates (or reuses) the full-size mirror,
 * serves it from MinIO with latency, runs the benchmarks beside the peers, profiles gik
 * where a target is missed, prints the tables and writes `docs/benchmarks.md`. Any wrong output
 * (a missing store, a failed verification, a peer that mapped nothing) stops the bench with an
 * error; times are reported, never asserted.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ensureMirror, readMirrorManifest } from "../test/helpers/mirror.js";
import { benchCollection } from "./bench-collection.js";
import { benchEnsemble, ensembleStoreUrl } from "./bench-ensemble.js";
import { benchMember, benchPodMemory, gikRunArgs, MEMBER } from "./bench-member.js";
import { benchRead, type OpenProfile, profileOpen, type ReaderEnv } from "./bench-read.js";
import { benchRun } from "./bench-run.js";
import { benchShares } from "./bench-shares.js";
import { benchTemplateCache } from "./bench-template-cache.js";
import { benchTemplates, gikTemplatesArgs } from "./bench-templates.js";
import { loadMirror, OUTPUT_BUCKET, s3Client } from "./buckets.js";
import { type BenchContext, createContext, GIK_MAIN } from "./context.js";
import { pythonPackages, readMachine } from "./machine.js";
import { FINDINGS, NOTES } from "./notes.js";
import { profileGik } from "./profile.js";
import { renderReport, summaryTables } from "./report.js";
import type { ProfileSummary } from "./report-profiles.js";
import { startBenchServers } from "./servers.js";
import type { TargetCheck, TargetName } from "./targets.js";
import { checkTargets, opensFor } from "./targets.js";
import { ensureVirtualizarrEnv } from "./virtualizarr-env.js";

export const REFERENCE = "20261001";
export const TARGET = "20261002";
export const LATENCY_MS = 20;
/** The last run's results, so that the report can be written again with the notes as they are now. */
const SAVED_REPORT = join("bench", ".out", "report.json");
const PACKAGES = [
  "xarray",
  "zarr",
  "numcodecs",
  "fsspec",
  "s3fs",
  "kerchunk",
  "pandas",
  "numpy",
  "pyarrow",
  "eccodes",
  "virtualizarr",
  "gribberish",
  "obstore",
];

export async function runBench(repo: string): Promise<void> {
  const started = performance.now();
  const log = (line: string) => console.log(`bench: ${line}`);
  const machine = readMachine(repo);
  buildIfStale(repo, log);
  log(`mirror: full size, runs ${REFERENCE} and ${TARGET} (generated once, then cached)`);
  const root = await ensureMirror({ dates: [REFERENCE, TARGET], fullSize: true });
  const manifest = await readMirrorManifest(root);
  const virtualizarr = await ensureVirtualizarrEnv(log);
  const servers = await startBenchServers(LATENCY_MS, log);
  try {
    const client = s3Client(servers.direct);
    const mirrorBytes = await loadMirror(client, root, [REFERENCE, TARGET]);
    log(`loaded ${(mirrorBytes / 2 ** 20).toFixed(0)} MiB into MinIO`);
    const ctx = createContext({
      repo,
      servers,
      client,
      mirror: { root, manifest },
      reference: REFERENCE,
      target: TARGET,
      log,
    });
    const results = {
      templates: await benchTemplates(ctx, servers.python.reader),
      member: await benchMember(ctx, servers.python.peers, virtualizarr),
      pod: await benchPodMemory(ctx),
      shares: await benchShares(ctx),
      cache: await benchTemplateCache(ctx),
      run: await benchRun(ctx),
      ensemble: await benchEnsemble(ctx, virtualizarr),
      collection: await benchCollection(ctx),
    };
    const readers: Record<ReaderEnv, string> = {
      "zarr-python 2": servers.python.reader,
      "zarr-python 3": servers.python.peers,
    };
    const read = await benchRead(ctx, readers, ensembleStoreUrl(ctx));
    const targets = checkTargets({ ...results, read });
    const profiles = await profileMissed(ctx, targets);
    // The first open target missed (the README's field snippet before the tree), at its slowest open.
    const missedOpen = (["open", "openTree", "openJson"] as const).find(
      (name) => targets.find((t) => t.name === name)?.met === false,
    );
    const slowest = missedOpen && opensFor(missedOpen, read).sort((a, b) => b.openSeconds - a.openSeconds)[0];
    const openProfile: OpenProfile | undefined = slowest && (await profileOpen(ctx, readers, slowest));
    machine.load.end = loadavg()[0]!;
    const versions: Record<string, Record<string, string>> = {
      "kerchunk Stage 0 and reading (reader environment)": pythonPackages(servers.python.reader, PACKAGES),
      "kerchunk map_from_index (peers environment)": pythonPackages(servers.python.peers, PACKAGES),
      ...("python" in virtualizarr ? { VirtualiZarr: pythonPackages(virtualizarr.python, PACKAGES) } : {}),
    };
    const enfo = manifest.files.find((f) => f.date === TARGET && f.file === "enfo-ef");
    const report = {
      machine,
      versions,
      setup: {
        latencyMs: LATENCY_MS,
        reference: REFERENCE,
        target: TARGET,
        mirrorBytes,
        messagesPerStep: enfo?.messages ?? 0,
      },
      ...results,
      read,
      targets,
      profiles,
      openProfile,
      durationMs: performance.now() - started,
      notes: NOTES,
      findings: FINDINGS,
    };
    mkdirSync(join(repo, "bench", ".out"), { recursive: true });
    writeFileSync(join(repo, SAVED_REPORT), JSON.stringify(report));
    writeFileSync(join(repo, "docs", "benchmarks.md"), renderReport(report));
    console.log(`\n${summaryTables(report)}`);
    log(`written docs/benchmarks.md; ${((performance.now() - started) / 1000).toFixed(0)} s end to end`);
  } finally {
    await servers.stop();
  }
}

/**
 * `npm run bench -- --render`: `docs/benchmarks.md` again from the last run's results, with the
 * notes and findings of `notes.ts` as they are now (what was measured is not touched).
 */
export function renderSaved(repo: string): void {
  const saved = JSON.parse(readFileSync(join(repo, SAVED_REPORT), "utf8")) as Parameters<
    typeof renderReport
  >[0];
  writeFileSync(
    join(repo, "docs", "benchmarks.md"),
    renderReport({ ...saved, notes: NOTES, findings: FINDINGS }),
  );
  console.log(`bench: written docs/benchmarks.md from ${SAVED_REPORT}`);
}

/** Profiles gik's command behind each missed time or memory target (the whole run once for both). */
async function profileMissed(ctx: BenchContext, targets: readonly TargetCheck[]): Promise<ProfileSummary[]> {
  const missed = new Set(targets.filter((t) => !t.met).map((t) => t.name));
  const run = (members: string, prefix: string, extra: string[] = []) =>
    gikRunArgs(ctx, members, `s3://${OUTPUT_BUCKET}/${prefix}`, { extra });
  const json = ["--format", "json"];
  const ensemble = ["--layout", "ensemble"];
  const commands: Array<[TargetName[], string, string[]]> = [
    [["templates"], "templates", gikTemplatesArgs(ctx, `s3://${OUTPUT_BUCKET}/profile-templates`)],
    [["member"], "one member", run(MEMBER.name, "profile-member")],
    [["memberJson"], "one member, JSON", run(MEMBER.name, "profile-member-json", json)],
    [["run", "memory"], "whole run", run("all", "profile-run")],
    [["runJson"], "whole run, JSON", run("all", "profile-run-json", json)],
    [["ensemble"], "ensemble store", run("all", "profile-ensemble", ensemble)],
    // A first append costs what the 30th does (the append writes the run's own objects only).
    [
      ["append"],
      "append (to a new collection)",
      run("all", "profile-append", [...ensemble, "--collection", `s3://${OUTPUT_BUCKET}/profile-collection`]),
    ],
  ];
  const profiles: ProfileSummary[] = [];
  for (const [names, label, args] of commands) {
    if (names.some((name) => missed.has(name))) profiles.push(await profileGik(ctx, label, args));
  }
  return profiles;
}

/** Runs `tsc -p tsconfig.build.json` when a source of the job image is newer than what `dist/` holds. */
function buildIfStale(repo: string, log: (line: string) => void): void {
  const newest = (dir: string, ext: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
    }
    return t;
  };
  const dist = join(repo, "dist", "job-image", "src");
  let built = 0;
  try {
    statSync(join(repo, GIK_MAIN));
    built = newest(dist, ".js");
  } catch {
    built = 0;
  }
  if (built >= newest(join(repo, "job-image", "src"), ".ts")) return;
  log("building gik (tsc -p tsconfig.build.json)");
  execFileSync(
    process.execPath,
    [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: repo,
      stdio: "inherit",
    },
  );
}
