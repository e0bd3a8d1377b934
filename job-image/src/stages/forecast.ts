/**
 * A target run from request to stores, the stages in their order: the templates of its reference
 * run (found, or built), each member's tree from the templates' manifest (Stage 1), every step's
 * fresh index mapped onto it once for all members (Stage 2, `map-run.ts`), and each member's store
 * published (Stage 3). `gik run` and a Job pod (`job/entrypoint.ts`) both come here.
 *
 * Notes (invariants):
 * - A member fails alone: a bad range or drift in its fields fails that member and no other; a
 *   fault of a whole step file (missing, unreadable) fails every member that needs it. A failed
 *   member publishes nothing.
 * - A member whose store already records the same inputs is left untouched, and no index is read
 *   when every member is in that state.
 * - On drift with `onDrift: "rebuild"`, the drifted members' templates are rebuilt from the target
 *   run itself and those members are mapped again against them.
 *
 * @module
 */
import { TemplateError } from "../api/errors.js";
import type { RunRequest } from "../api/job-spec.js";
import { memberNumber } from "../api/members.js";
import type { OnDrift } from "../api/resources.js";
import { type RunId, runLabel, stepsOf } from "../api/run-id.js";
import { type StoreFormat, storeKey } from "../api/store-layout.js";
import type { Logger, Progress } from "../log/types.js";
import { findResolution, type StepFiles, statStep } from "../source/step-files.js";
import { memoryStore } from "../storage/memory.js";
import type { ReadableStore, Store } from "../storage/types.js";
import { memberFields } from "../templates/manifest.js";
import { loadManifest } from "../templates/read.js";
import { mapPool } from "../util/pool.js";
import { type MemberMapping, mapRun } from "./map-run.js";
import { ensureTemplates } from "./reference.js";
import { buildTemplates } from "./templates.js";
import { buildTree, type Tree } from "./tree.js";
import {
  readStoreRecord,
  STORE_LAYOUT_VERSION,
  type StoreRecord,
  storeRecord,
  storeRefs,
  writeStore,
} from "./write-store.js";

export interface RunInput {
  run: RunId;
  members: readonly string[];
  referenceRun: RunId;
  format: StoreFormat;
  onDrift: OnDrift;
  recordSize?: number;
}

export interface RunDeps {
  source: ReadableStore;
  templates: Store;
  out: Store;
  log: Logger;
  progress: Progress;
  stepConcurrency?: number;
}

export type MemberOutcome =
  | { member: string; status: "written" | "unchanged"; url: string; refs: number; referenceRun: RunId }
  | { member: string; status: "failed"; error: Error };

/**
 * Runs `request`: its reference run's templates (built here when `buildIfMissing`, the CLI's local
 * default; a Job's templates must exist), then the stores of its members.
 */
export async function runRequest(
  request: RunRequest,
  deps: RunDeps,
  buildIfMissing: boolean,
): Promise<MemberOutcome[]> {
  const referenceRun = await ensureTemplates(
    {
      run: request.run,
      referenceDate: request.templates.referenceDate,
      members: request.members,
      buildIfMissing,
    },
    deps,
  );
  deps.log.info(
    { run: runLabel(request.run), reference: runLabel(referenceRun), out: deps.out.url("") },
    "running",
  );
  return runForecast(
    {
      run: request.run,
      members: request.members,
      referenceRun,
      format: request.format,
      onDrift: request.onDrift,
    },
    deps,
  );
}

/** A member whose store is to be written: its record and its tree (Stage 1, before any mapping). */
interface MemberPlan {
  member: string;
  record: StoreRecord;
  tree: Tree;
}

/**
 * Writes the stores of `input.members` for `input.run`.
 *
 * @example
 * const outcomes = await runForecast({ run, members: ALL_MEMBERS, referenceRun, format: "parquet", onDrift: "fail" }, deps);
 */
export async function runForecast(input: RunInput, deps: RunDeps): Promise<MemberOutcome[]> {
  const { run, format } = input;
  const log = deps.log.child({ run: runLabel(run) });
  const manifest = await loadManifest(deps.templates, input.referenceRun);
  const steps = stepsOf(run.cycle);
  if (JSON.stringify(manifest.steps) !== JSON.stringify(steps)) {
    throw new TemplateError(
      deps.templates.url(""),
      `templates of ${runLabel(input.referenceRun)} cover ${manifest.steps.length} steps, ${runLabel(run)} has ${steps.length}`,
    );
  }
  const resolution = await findResolution(deps.source, run);
  const wantControl = input.members.includes("control");
  const files = await mapPool(steps, deps.stepConcurrency ?? 16, (step) =>
    statStep(deps.source, run, step, resolution, wantControl),
  );

  const outcomes = new Map<string, MemberOutcome>();
  const plans = new Map<string, MemberPlan>();
  await mapPool(input.members, 16, async (member) => {
    const record = storeRecord({
      layout: STORE_LAYOUT_VERSION,
      run,
      member,
      format,
      referenceRun: input.referenceRun,
      templatesFingerprint: manifest.fingerprint,
      sources: sourcesOf(files, member === "control"),
    });
    const key = storeKey(run, member, format);
    const existing = await readStoreRecord(deps.out, key, format);
    if (existing?.digest === record.digest) {
      outcomes.set(member, unchanged(member, deps.out.url(key), input.referenceRun));
      return;
    }
    if (!manifest.members.includes(member)) {
      const why = `templates of ${runLabel(input.referenceRun)} have no member ${member}`;
      outcomes.set(member, {
        member,
        status: "failed",
        error: new TemplateError(deps.templates.url(""), why),
      });
      return;
    }
    const tree = buildTree(memberFields(manifest, member), run, memberNumber(member), steps);
    plans.set(member, { member, record, tree });
  });
  log.info({ members: input.members.length, unchanged: outcomes.size, steps: steps.length }, "mapping run");

  const mapped =
    plans.size === 0
      ? []
      : await mapRun(
          {
            run,
            steps,
            manifest,
            members: input.members.filter((m) => plans.has(m)),
            onDrift: input.onDrift,
            locate: async (step) => files[steps.indexOf(step)]!,
          },
          deps,
        );
  for (const m of mapped)
    if (m.error) outcomes.set(m.member, { member: m.member, status: "failed", error: m.error });
  const ready = mapped.filter((m) => !m.error && !m.drifted);
  const task = deps.progress.begin(`stores ${runLabel(run)}`, ready.length, "members");
  await mapPool(ready, 8, async (m) => {
    outcomes.set(m.member, await publishMemberStore(m, plans.get(m.member)!, input, deps));
    task.advance();
  });
  task.end();

  const drifted = mapped.filter((m) => m.drifted && !m.error);
  if (drifted.length > 0) {
    for (const outcome of await rebuildDrifted(drifted, input, deps, log))
      outcomes.set(outcome.member, outcome);
  }
  return input.members.map((m) => outcomes.get(m)!);
}

/** Stage 3 for one member: its tree filled with its chunks, published. */
async function publishMemberStore(
  m: MemberMapping,
  plan: MemberPlan,
  input: RunInput,
  deps: RunDeps,
): Promise<MemberOutcome> {
  const key = storeKey(input.run, m.member, input.format);
  try {
    const refs = await writeStore(
      storeRefs(plan.tree, m.chunks),
      { key, format: input.format, record: plan.record, recordSize: input.recordSize },
      deps.out,
    );
    return {
      member: m.member,
      status: "written",
      url: deps.out.url(key),
      refs,
      referenceRun: input.referenceRun,
    };
  } catch (error) {
    return { member: m.member, status: "failed", error: error as Error };
  }
}

function unchanged(member: string, url: string, referenceRun: RunId): MemberOutcome {
  return { member, status: "unchanged", url, refs: 0, referenceRun };
}

/**
 * Rebuilds templates from the target run for drifted members, then maps them again against those.
 * The rebuilt templates live in memory: pods of one run rebuild at the same time, and none of them
 * may overwrite the shared templates another one reads.
 */
async function rebuildDrifted(
  drifted: readonly MemberMapping[],
  input: RunInput,
  deps: RunDeps,
  log: Logger,
): Promise<MemberOutcome[]> {
  const members = drifted.map((w) => w.member);
  for (const w of drifted) {
    log.warn(
      { member: w.member, drift: w.drifted?.message },
      "structure drift: rebuilding templates from the run itself",
    );
  }
  const templates = memoryStore(`templates-${input.run.date}`);
  const { failures } = await buildTemplates({ run: input.run, members }, { ...deps, templates });
  const rebuilt = members.filter((m) => !failures.has(m));
  const outcomes: MemberOutcome[] = [...failures].map(([member, error]) => ({
    member,
    status: "failed",
    error,
  }));
  if (rebuilt.length > 0) {
    const again = { ...input, members: rebuilt, referenceRun: input.run, onDrift: "fail" as const };
    outcomes.push(...(await runForecast(again, { ...deps, templates })));
  }
  return outcomes;
}

/** The source files a member's store depends on: every step's ensemble index, and the control's oper index. */
function sourcesOf(files: readonly StepFiles[], control: boolean) {
  return files.flatMap((f) => (control && f.oper ? [f.enfo.index, f.oper.index] : [f.enfo.index]));
}
