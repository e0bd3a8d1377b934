/**
 * A target run from request to stores: find (or build) its templates, map every step's fresh index
 * onto them (once per step for all members), build each member's tree, and publish each member's
 * store. `gik run` and a Job pod (`job/entrypoint.ts`) both come here.
 *
 * Notes (invariants):
 * - Each step's index is read once, whatever the number of members.
 * - A member fails alone: a missing template, a bad range or drift in its fields fails that member
 *   and no other; a fault of a whole step file (missing, unreadable) fails every member that needs it.
 *   A failed member publishes nothing.
 * - A member whose store already records the same inputs is left untouched, and no index is read
 *   when every member is in that state.
 * - On drift with `onDrift: "rebuild"`, the drifted members' templates are rebuilt from the target
 *   run itself and those members are mapped again against them.
 *
 * @module
 */
import { type GikError, StructureDriftError, TemplateError } from "../api/errors.js";
import type { RunRequest } from "../api/job-spec.js";
import { memberNumber } from "../api/members.js";
import type { OnDrift } from "../api/resources.js";
import { type RunId, runEpochSeconds, runLabel, stepsOf } from "../api/run-id.js";
import { type StoreFormat, storeKey } from "../api/store-layout.js";
import type { IndexEntry } from "../index/types.js";
import type { Logger, Progress } from "../log/types.js";
import { checkRanges } from "../source/check-ranges.js";
import {
  findResolution,
  readStepIndexes,
  type SourceFile,
  type StepFiles,
  type StepIndex,
  statStep,
} from "../source/step-files.js";
import { memoryStore } from "../storage/memory.js";
import type { ReadableStore, Store } from "../storage/types.js";
import type { Manifest } from "../templates/manifest.js";
import { loadManifest, readTemplate } from "../templates/read.js";
import type { TemplateRow } from "../templates/row.js";
import { mapPool } from "../util/pool.js";
import { mapFromIndex } from "./map-from-index.js";
import { ensureTemplates } from "./reference.js";
import { buildTemplates } from "./templates.js";
import { buildTree, type FieldDescriptor } from "./tree.js";
import {
  type ChunkRef,
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

/** Work state of one member while the steps are mapped. */
interface MemberWork {
  member: string;
  number: number;
  record: StoreRecord;
  fields: Map<string, FieldDescriptor>;
  /**
   * Every mapped message of the member, held until the last step is mapped: a whole run holds
   * about 800,000 of them, so only what the store needs is kept, with one `attrs` string per field.
   */
  chunks: ChunkRef[];
  error?: Error;
  drifted?: StructureDriftError;
}

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
  const work: MemberWork[] = [];
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
      outcomes.set(member, {
        member,
        status: "unchanged",
        url: deps.out.url(key),
        refs: 0,
        referenceRun: input.referenceRun,
      });
      return;
    }
    const number = memberNumber(member);
    const item: MemberWork = { member, number, record, fields: new Map(), chunks: [] };
    if (!manifest.members.includes(member)) {
      item.error = new TemplateError(
        deps.templates.url(""),
        `templates of ${runLabel(input.referenceRun)} have no member ${member}`,
      );
    }
    work.push(item);
  });
  log.info({ members: input.members.length, unchanged: outcomes.size, steps: steps.length }, "mapping run");

  if (work.length > 0) await mapSteps(files, work, manifest, input, deps);

  const drifted = work.filter((w) => w.drifted && !w.error);
  for (const w of work) {
    if (w.error) outcomes.set(w.member, { member: w.member, status: "failed", error: w.error });
  }
  const task = deps.progress.begin(`stores ${runLabel(run)}`, work.length, "members");
  await mapPool(
    work.filter((w) => !w.error && !w.drifted),
    8,
    async (w) => {
      const key = storeKey(run, w.member, format);
      try {
        const tree = buildTree([...w.fields.values()], run, w.number, steps);
        const refs = await writeStore(
          storeRefs(tree, w.chunks),
          { key, format, record: w.record, recordSize: input.recordSize },
          deps.out,
        );
        outcomes.set(w.member, {
          member: w.member,
          status: "written",
          url: deps.out.url(key),
          refs,
          referenceRun: input.referenceRun,
        });
      } catch (error) {
        outcomes.set(w.member, { member: w.member, status: "failed", error: error as Error });
      }
      task.advance();
    },
  );
  task.end();

  if (drifted.length > 0) {
    for (const outcome of await rebuildDrifted(drifted, input, deps, log))
      outcomes.set(outcome.member, outcome);
  }
  return input.members.map((m) => outcomes.get(m)!);
}

/** Maps every step for the members still at work, recording per-member faults. */
async function mapSteps(
  files: StepFiles[],
  work: MemberWork[],
  manifest: Manifest,
  input: RunInput,
  deps: RunDeps,
): Promise<void> {
  const byNumber = new Map(work.map((w) => [w.number, w]));
  const active = () => work.filter((w) => !w.error && !w.drifted);
  const time = runEpochSeconds(input.run);
  const task = deps.progress.begin(`mapping ${runLabel(input.run)}`, files.length, "steps");
  await mapPool(files, deps.stepConcurrency ?? 16, async (stepFiles) => {
    if (active().length === 0) return task.advance();
    try {
      const at = new Set(active().map((w) => w.number));
      const { indexes, controlFault } = await readStepIndexes(deps.source, stepFiles, at);
      const control = byNumber.get(0);
      if (controlFault && control && !control.error) control.error = controlFault;
      for (const index of indexes) {
        for (const fault of await checkRanges(deps.source, index)) {
          const w = byNumber.get(fault.entry.number);
          if (w && !w.error) w.error = fault.error;
        }
      }
      const byMember = entriesByMember(indexes);
      await mapPool(active(), 16, async (w) => {
        const { entries, index } = byMember.get(w.number) ?? { entries: [], index: indexes[0]! };
        let templates: TemplateRow[];
        try {
          templates = await readTemplate(deps.templates, input.referenceRun, w.member, stepFiles.step);
        } catch (error) {
          w.error ??= error as Error;
          return;
        }
        const result = mapFromIndex(templates, entries, index.gribUrl, time);
        if (result.unknown.length > 0 || result.missing.length > 0) {
          const where = `${deps.source.url(index.index.key)} (member ${w.member})`;
          const drift = new StructureDriftError(where, result.mapped.length, result.unknown, result.missing);
          if (input.onDrift === "fail") w.error ??= drift;
          else w.drifted ??= drift;
          return;
        }
        for (const row of templates) if (!w.fields.has(row.attrs)) w.fields.set(row.attrs, row);
        for (const { attrs, step, uri, offset, length } of result.mapped) {
          w.chunks.push({ attrs: w.fields.get(attrs)!.attrs, step, uri, offset, length });
        }
      });
    } catch (error) {
      for (const w of active()) w.error = error as GikError;
    }
    task.advance();
  });
  task.end();
  deps.log.debug({ fingerprint: manifest.fingerprint }, "mapped");
}

/**
 * Rebuilds templates from the target run for drifted members, then maps them again against those.
 * The rebuilt templates live in memory: pods of one run rebuild at the same time, and none of them
 * may overwrite the shared templates another one reads.
 */
async function rebuildDrifted(
  drifted: MemberWork[],
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

/** A step's entries grouped by member number, with the index file each member's entries come from. */
function entriesByMember(
  indexes: readonly StepIndex[],
): Map<number, { entries: IndexEntry[]; index: StepIndex }> {
  const byMember = new Map<number, { entries: IndexEntry[]; index: StepIndex }>();
  for (const index of indexes) {
    for (const entry of index.entries) {
      const slot = byMember.get(entry.number);
      if (slot) slot.entries.push(entry);
      else byMember.set(entry.number, { entries: [entry], index });
    }
  }
  return byMember;
}

/** The source files a member's store depends on: every step's ensemble index, and the control's oper index. */
function sourcesOf(files: readonly StepFiles[], control: boolean): SourceFile[] {
  return files.flatMap((f) => (control && f.oper ? [f.enfo.index, f.oper.index] : [f.enfo.index]));
}
