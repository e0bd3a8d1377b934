/**
 * A target run from request to stores, the stages in their order: the templates of its reference
 * run (found, or built), each member's fields from the templates' manifest (Stage 1), every step's
 * fresh index mapped onto them once for all members (Stage 2, `map-run.ts`), then the stores the
 * layout asks for (Stage 3): one per member, and/or the ensemble as one store. `gik run` and a Job
 * pod (`job/entrypoint.ts`) both come here.
 *
 * Notes (invariants):
 * - A member fails alone: a bad range or drift in its fields fails that member and no other; a
 *   fault of a whole step file (missing, unreadable) fails every member that needs it. A failed
 *   member publishes no store of its own and is NaN, and named, in the ensemble store.
 * - A store that already records the same inputs is left untouched, and no index is read when
 *   every store asked for is in that state.
 * - On drift with `onDrift: "rebuild"`, the drifted members' templates are rebuilt from the target
 *   run itself and those members are mapped again against them.
 *
 * @module
 */
import { NotFoundError, TemplateError } from "../api/errors.js";
import type { RunRequest } from "../api/job-spec.js";
import { memberNumber } from "../api/members.js";
import type { OnDrift } from "../api/resources.js";
import { type RunId, runLabel, stepsOf } from "../api/run-id.js";
import {
  ensembleStoreKey,
  type Layout,
  layoutWrites,
  type StoreFormat,
  storeKey,
} from "../api/store-layout.js";
import type { Logger, Progress } from "../log/types.js";
import { awaitResolution, awaitStepFile, publicationProgress, type Waiting } from "../source/publication.js";
import { listStepFiles, type StepFile, type StepFiles, statStep, stepKinds } from "../source/step-files.js";
import { memoryStore } from "../storage/memory.js";
import type { ReadableStore, Store } from "../storage/types.js";
import { type FieldDescriptor, type Manifest, memberFields } from "../templates/manifest.js";
import { loadManifest } from "../templates/read.js";
import { mapPool } from "../util/pool.js";
import type { ChunkList } from "./chunk-list.js";
import { unionFields } from "./ensemble-tree.js";
import { mapRun } from "./map-run.js";
import { decodeMemberPart, encodeMemberPart, memberPartKey } from "./member-part.js";
import { ensureTemplates } from "./reference.js";
import { type SlotFiles, slotFiles } from "./slot-files.js";
import { buildTemplates } from "./templates.js";
import { buildTree } from "./tree.js";
import { type EnsembleRecord, ensembleRecord, writeEnsembleStore } from "./write-ensemble.js";
import {
  type ExistingStore,
  type MemberInputs,
  readExistingStore,
  STORE_LAYOUT_VERSION,
  type StoreInputs,
  type StoreRecord,
  storeRecord,
  storeRefs,
  writeStore,
} from "./write-store.js";

export interface RunInput {
  run: RunId;
  members: readonly string[];
  /** The manifest of the reference run's templates (`ensureTemplates`); its `referenceRun` says which run. */
  manifest: Manifest;
  format: StoreFormat;
  layout: Layout;
  onDrift: OnDrift;
  recordSize?: number;
  /** Wait for step files not yet published, until a deadline (default: absent files fail at once). */
  waiting?: Waiting;
  /**
   * In a Job pod: leave each mapped member's part for the run's commit instead of writing the
   * ensemble store or appending (`"collection"`: the run has a collection to append to).
   */
  parts?: "ensemble" | "collection";
}

/** A mapped run as a forecast collection takes it: the union of its members' fields, and what made it. */
export interface RunToAppend {
  run: RunId;
  fields: readonly FieldDescriptor[];
  /** Digest of every member's inputs (the ensemble store's). */
  digest: string;
  /** Members with references. */
  members: string[];
  failed: string[];
}

/** Where the run goes besides its stores: a forecast collection (`collection/`), appended to. */
export interface CollectionTarget {
  store: Store;
  /** Appends the mapped run; `unchanged` tells, before any mapping, whether the run is there as it is. */
  append(run: RunToAppend, data: SlotFiles): Promise<AppendOutcome>;
  unchanged(run: RunId, digest: string): Promise<boolean>;
}

/** What became of the collection append. */
export type AppendOutcome =
  | {
      status: "appended" | "replaced" | "unchanged";
      url: string;
      slot: number;
      slots: number;
      detail: string;
    }
  | { status: "failed"; url: string; error: Error };

export interface RunDeps {
  /** Read, and listed for a run's first look. */
  source: ReadableStore & Pick<Store, "list">;
  templates: Store;
  out: Store;
  log: Logger;
  progress: Progress;
  stepConcurrency?: number;
  /** A collection the run is appended to (`gik run --collection`). */
  collection?: CollectionTarget;
}

/** What became of a member: its store written or already up to date, only mapped (into the ensemble), or failed. */
export type MemberOutcome =
  | { member: string; status: "written" | "unchanged"; url: string; refs: number }
  | { member: string; status: "mapped"; refs: number }
  | { member: string; status: "failed"; error: Error };

/** What became of the ensemble store, when the layout asks for one. */
export interface EnsembleOutcome {
  status: "written" | "unchanged" | "failed";
  url: string;
  refs: number;
  failed: string[];
  error?: Error;
}

export interface ForecastResult {
  members: MemberOutcome[];
  ensemble?: EnsembleOutcome;
  collection?: AppendOutcome;
}

/**
 * Runs `request`: its reference run's templates (built here when `buildIfMissing`, the CLI's local
 * default; a Job's templates must exist), then its stores.
 */
export async function runRequest(
  request: RunRequest,
  deps: RunDeps,
  options: { buildIfMissing: boolean; parts?: RunInput["parts"] },
): Promise<ForecastResult> {
  const manifest = await ensureTemplates(
    {
      run: request.run,
      referenceDate: request.templates.referenceDate,
      members: request.members,
      buildIfMissing: options.buildIfMissing,
    },
    deps,
  );
  deps.log.info(
    { run: runLabel(request.run), reference: runLabel(manifest.referenceRun), out: deps.out.url("") },
    "running",
  );
  return runForecast(
    {
      run: request.run,
      members: request.members,
      manifest,
      format: request.format,
      layout: request.layout,
      onDrift: request.onDrift,
      ...(options.parts ? { parts: options.parts } : {}),
      ...(request.wait
        ? { waiting: { deadline: new Date(request.wait.deadline), pollMs: request.wait.pollSeconds * 1000 } }
        : {}),
    },
    deps,
  );
}

/** A member after Stages 1 and 2: its fields and its chunks, or why not. */
export type MappedMember =
  | { member: string; number: number; fields: FieldDescriptor[]; chunks: ChunkList }
  | { member: string; number: number; error: Error };

type Mapped = Extract<MappedMember, { chunks: ChunkList }>;

/**
 * Writes the stores `input.layout` asks for of `input.run`.
 *
 * @example
 * const { members, ensemble } = await runForecast({ run, members: ALL_MEMBERS, manifest, format: "parquet", layout: "both", onDrift: "fail" }, deps);
 */
export async function runForecast(input: RunInput, deps: RunDeps): Promise<ForecastResult> {
  const { run, format } = input;
  const writes = layoutWrites(input.layout);
  const plan = await planRun(input, deps);
  const outcomes = new Map<string, MemberOutcome>();

  // What is already up to date needs no mapping. A run not yet wholly published can have no
  // store up to date: its stores' inputs are known once every step is located.
  const recordOf = (member: string) =>
    storeRecord({ layout: STORE_LAYOUT_VERSION, run, format, ...plan.inputsOf(member) });
  const storesToWrite = new Set<string>();
  if (writes.members) {
    await mapPool(input.members, 16, async (member) => {
      const key = storeKey(run, member, format);
      const existing = plan.complete ? await readExisting(deps, key, format) : undefined;
      if (existing?.state === "published" && existing.record.digest === recordOf(member).digest) {
        outcomes.set(member, { member, status: "unchanged", url: deps.out.url(key), refs: 0 });
      } else storesToWrite.add(member);
    });
  }
  // In a Job, each pod leaves its member's part and the run's commit writes the whole (`commitRun`).
  const whole =
    input.parts || !plan.complete
      ? { ensemble: undefined, collection: undefined }
      : await wholeUpToDate(run, format, input.layout, input.members.map(plan.inputsOf), deps);
  const needsWhole = input.parts
    ? writes.ensemble || input.parts === "collection"
    : (writes.ensemble && !whole.ensemble) || (deps.collection !== undefined && !whole.collection);
  const toMap = input.members.filter((m) => storesToWrite.has(m) || needsWhole);
  deps.log.info(
    { run: runLabel(run), members: input.members.length, mapping: toMap.length, steps: plan.steps.length },
    "mapping run",
  );
  const mapped = toMap.length === 0 ? [] : await mapMembers({ ...input, members: toMap }, plan, deps);

  const task = deps.progress.begin(`stores ${runLabel(run)}`, storesToWrite.size, "members");
  await mapPool(mapped, 8, async (m) => {
    const record = storesToWrite.has(m.member) ? recordOf(m.member) : undefined;
    if ("error" in m) outcomes.set(m.member, { member: m.member, status: "failed", error: m.error });
    else if (record) outcomes.set(m.member, await publishMemberStore(m, record, input, deps));
    else outcomes.set(m.member, { member: m.member, status: "mapped", refs: m.chunks.length });
    if (input.parts && needsWhole && !("error" in m)) {
      const part = {
        run,
        member: m.member,
        number: m.number,
        inputs: plan.inputsOf(m.member),
        fields: m.fields,
        chunks: m.chunks,
      };
      await deps.out.put(memberPartKey(run, m.member), encodeMemberPart(part), {
        contentType: "application/json",
      });
    }
    if (record) task.advance();
  });
  task.end();
  // A member in no store of its own is unchanged in the ensemble store (or the collection) it is in.
  const members = input.members.map(
    (m): MemberOutcome =>
      outcomes.get(m) ?? {
        member: m,
        status: "unchanged",
        url: deps.out.url(ensembleStoreKey(run, format)),
        refs: 0,
      },
  );
  if (input.parts) return { members };
  const inputs = input.members.map(plan.inputsOf);
  return {
    members,
    ...(await publishWhole({ run, format, layout: input.layout, inputs, mapped }, whole, deps)),
  };
}

/** The parts of a run whose members were mapped by Job pods, as `commitRun` is given them. */
export interface CommitInput {
  run: RunId;
  /** Every member asked for; those without a part failed. */
  members: readonly string[];
  format: StoreFormat;
  layout: Layout;
}

/**
 * The run's commit in a Job: the ensemble store and/or the collection append from the members'
 * parts (`member-part.ts`), written by one process. A member without a readable part is failed.
 */
export async function commitRun(
  input: CommitInput,
  deps: RunDeps,
): Promise<Pick<ForecastResult, "ensemble" | "collection">> {
  const { run } = input;
  const parts = await mapPool(
    input.members,
    16,
    async (member): Promise<MappedMember & { inputs?: MemberInputs }> => {
      const key = memberPartKey(run, member);
      const number = memberNumber(member);
      try {
        const bytes = await deps.out.get(key);
        if (!bytes)
          return {
            member,
            number,
            error: new NotFoundError(deps.out.url(key), `the part of member ${member}`),
          };
        const part = decodeMemberPart(bytes, deps.out.url(key), run, member);
        return { member, number, fields: part.fields, chunks: part.chunks, inputs: part.inputs };
      } catch (error) {
        return { member, number, error: error as Error };
      }
    },
  );
  const inputs = parts.map(
    (p): MemberInputs =>
      p.inputs ?? { member: p.member, referenceRun: run, templatesFingerprint: "", sources: [] },
  );
  const whole = await wholeUpToDate(run, input.format, input.layout, inputs, deps);
  return publishWhole(
    { run, format: input.format, layout: input.layout, inputs, mapped: parts },
    whole,
    deps,
  );
}

/** A run's whole: every member's inputs and mapping, for the ensemble store and the collection. */
interface WholeRun {
  run: RunId;
  format: StoreFormat;
  layout: Layout;
  inputs: MemberInputs[];
  mapped: readonly MappedMember[];
}

/** What is published at `key`; a corrupt store is said in the log, and then written again whole. */
async function readExisting<I = StoreInputs>(
  deps: RunDeps,
  key: string,
  format: StoreFormat,
): Promise<ExistingStore<I>> {
  const existing = await readExistingStore<I>(deps.out, key, format);
  if (existing.state === "corrupt") {
    deps.log.warn(
      { store: deps.out.url(key), reason: existing.reason },
      "existing store is corrupt: replacing it",
    );
  }
  return existing;
}

/** The ensemble store and the collection, where they already hold the run with these inputs. */
async function wholeUpToDate(
  run: RunId,
  format: StoreFormat,
  layout: Layout,
  inputs: readonly MemberInputs[],
  deps: RunDeps,
): Promise<Pick<ForecastResult, "ensemble" | "collection">> {
  const wanted = ensembleRecord(run, format, inputs, []);
  const result: Pick<ForecastResult, "ensemble" | "collection"> = {};
  if (layoutWrites(layout).ensemble) {
    const key = ensembleStoreKey(run, format);
    const existing = await readExisting<EnsembleRecord["inputs"]>(deps, key, format);
    const record = existing.state === "published" ? (existing.record as EnsembleRecord) : undefined;
    if (record?.digest === wanted.digest && record.failed?.length === 0) {
      result.ensemble = { status: "unchanged", url: deps.out.url(key), refs: 0, failed: [] };
    }
  }
  if (deps.collection && (await deps.collection.unchanged(run, runDigest(run, inputs)))) {
    const url = deps.collection.store.url("");
    result.collection = {
      status: "unchanged",
      url,
      slot: -1,
      slots: -1,
      detail: "the run is there with the same inputs",
    };
  }
  return result;
}

/** What a collection knows a run by: the digest of every member's inputs, whatever the store format. */
function runDigest(run: RunId, inputs: readonly MemberInputs[]): string {
  return ensembleRecord(run, "parquet", inputs, []).digest;
}

/**
 * Stage 3 for the whole run: the ensemble store and the collection append, unless up to date. The
 * two are independent stores written at once, from data files encoded once.
 */
async function publishWhole(
  w: WholeRun,
  upToDate: Pick<ForecastResult, "ensemble" | "collection">,
  deps: RunDeps,
): Promise<Pick<ForecastResult, "ensemble" | "collection">> {
  const done = w.mapped.filter((m): m is Mapped => !("error" in m));
  const failed = w.mapped.filter((m) => "error" in m).map((m) => m.member);
  const data = slotFiles(done);
  const ensemble = async () => {
    if (upToDate.ensemble || !layoutWrites(w.layout).ensemble) return upToDate.ensemble;
    const record = ensembleRecord(w.run, w.format, w.inputs, failed);
    return publishEnsembleStore(done, record, data, ensembleStoreKey(w.run, w.format), deps);
  };
  const collection = async () => {
    if (upToDate.collection || !deps.collection) return upToDate.collection;
    const run = {
      run: w.run,
      fields: unionFields(done),
      digest: runDigest(w.run, w.inputs),
      members: done.map((m) => m.member),
      failed,
    };
    return deps.collection.append(run, data);
  };
  const [e, c] = await Promise.all([ensemble(), collection()]);
  return { ...(e ? { ensemble: e } : {}), ...(c ? { collection: c } : {}) };
}

/** What is known of a run before any mapping: its manifest, steps and published step files. */
interface RunPlan {
  steps: number[];
  /** Every step file was published at the first look (else steps are located as they appear). */
  complete: boolean;
  locate: (step: number) => Promise<StepFiles>;
  locateOper?: (step: number) => Promise<StepFile>;
  manifest: Manifest;
  /** What made a member's references: complete once every step is located. */
  inputsOf: (member: string) => MemberInputs;
}

async function planRun(input: RunInput, deps: RunDeps): Promise<RunPlan> {
  const { run, manifest } = input;
  const steps = stepsOf(run.cycle);
  if (JSON.stringify(manifest.steps) !== JSON.stringify(steps)) {
    throw new TemplateError(
      deps.templates.url(""),
      `templates of ${runLabel(manifest.referenceRun)} cover ${manifest.steps.length} steps, ${runLabel(run)} has ${steps.length}`,
    );
  }
  const { waiting } = input;
  const resolution = await awaitResolution(deps.source, run, waiting);
  const wantControl = input.members.includes("control");
  // A first look at every step, from one LIST of each folder (or, from a source that cannot list,
  // two HEADs a step, all at once); with waiting, the steps not there yet are located as they
  // appear, each by its own HEADs.
  const listing = await listStepFiles(deps.source, run, stepKinds(wantControl), resolution);
  const files: Array<StepFiles | undefined> = await mapPool(steps, steps.length, (step) =>
    statStep(deps.source, run, step, resolution, wantControl, { listing }).catch((err: unknown) => {
      if (waiting && err instanceof NotFoundError) return undefined;
      throw err;
    }),
  );
  const progress = publicationProgress(deps.log, steps.length);
  const published = () => files.filter(Boolean).length;
  progress(published());
  const locate = async (step: number): Promise<StepFiles> => {
    const i = steps.indexOf(step);
    const enfo = () => awaitStepFile(deps.source, run, step, "enfo-ef", resolution, waiting);
    files[i] ??= await statStep(deps.source, run, step, resolution, wantControl, { enfoFile: enfo });
    progress(published());
    return files[i];
  };
  // Known before any index is read, for the up-to-date check: the control's oper file is an input
  // wherever it exists, though before IFS 50r1 (where that file is HRES) the control is read from
  // enfo-ef; HRES republished then writes the control's store again, never leaves it stale.
  const inputsOf = (member: string): MemberInputs => ({
    member,
    referenceRun: manifest.referenceRun,
    templatesFingerprint: manifest.fingerprint,
    sources: files.flatMap((f) =>
      !f ? [] : member === "control" && f.oper ? [f.enfo.index, f.oper.index] : [f.enfo.index],
    ),
  });
  const locateOper =
    waiting && ((step: number) => awaitStepFile(deps.source, run, step, "oper-fc", resolution, waiting));
  return {
    steps,
    complete: files.every(Boolean),
    locate,
    ...(locateOper ? { locateOper } : {}),
    manifest,
    inputsOf,
  };
}

/** Stages 1 and 2 for `input.members`; drifted members are rebuilt from the run itself (`onDrift: rebuild`). */
async function mapMembers(input: RunInput, plan: RunPlan, deps: RunDeps): Promise<MappedMember[]> {
  const { manifest } = plan;
  const results = new Map<string, MappedMember>();
  const known = input.members.filter((member) => {
    if (manifest.members.includes(member)) return true;
    const why = `templates of ${runLabel(manifest.referenceRun)} have no member ${member}`;
    results.set(member, {
      member,
      number: memberNumber(member),
      error: new TemplateError(deps.templates.url(""), why),
    });
    return false;
  });
  // Stage 1: the fields of each member, known before any index is read.
  const fields = new Map(known.map((m) => [m, memberFields(manifest, m)]));
  const mapped = await mapRun(
    {
      run: input.run,
      steps: plan.steps,
      manifest,
      members: known,
      onDrift: input.onDrift,
      locate: plan.locate,
      ...(plan.locateOper ? { locateOper: plan.locateOper } : {}),
    },
    deps,
  );
  for (const m of mapped) {
    if (m.error) results.set(m.member, { member: m.member, number: m.number, error: m.error });
    else if (!m.drifted) {
      results.set(m.member, {
        member: m.member,
        number: m.number,
        fields: fields.get(m.member)!,
        chunks: m.chunks,
      });
    }
  }
  const drifted = mapped.filter((m) => m.drifted && !m.error);
  if (drifted.length > 0) {
    for (const w of drifted) {
      deps.log.warn(
        { member: w.member, drift: w.drifted?.message },
        "structure drift: rebuilding templates from the run itself",
      );
    }
    for (const r of await rebuildDrifted(
      drifted.map((w) => w.member),
      input,
      deps,
    ))
      results.set(r.member, r);
  }
  return input.members.map((m) => results.get(m)!);
}

/**
 * Rebuilds templates from the target run for drifted members, then maps them again against those.
 * The rebuilt templates live in memory: pods of one run rebuild at the same time, and none of them
 * may overwrite the shared templates another one reads.
 */
async function rebuildDrifted(
  members: readonly string[],
  input: RunInput,
  deps: RunDeps,
): Promise<MappedMember[]> {
  const templates = memoryStore(`templates-${input.run.date}`);
  const { failures } = await buildTemplates({ run: input.run, members }, { ...deps, templates });
  const out: MappedMember[] = [...failures].map(([member, error]) => ({
    member,
    number: memberNumber(member),
    error,
  }));
  const rebuilt = members.filter((m) => !failures.has(m));
  if (rebuilt.length > 0) {
    const again = {
      ...input,
      members: rebuilt,
      manifest: await loadManifest(templates, input.run),
      onDrift: "fail" as const,
    };
    const rebuiltDeps = { ...deps, templates };
    out.push(...(await mapMembers(again, await planRun(again, rebuiltDeps), rebuiltDeps)));
  }
  return out;
}

/** Stage 3 for one member: its tree (from its fields) filled with its chunks, published. */
async function publishMemberStore(
  m: Mapped,
  record: StoreRecord,
  input: RunInput,
  deps: RunDeps,
): Promise<MemberOutcome> {
  const key = storeKey(input.run, m.member, input.format);
  try {
    const tree = buildTree(m.fields, input.run, m.number, stepsOf(input.run.cycle));
    const refs = await writeStore(
      storeRefs(tree, m.chunks),
      { key, format: input.format, record, recordSize: input.recordSize },
      deps.out,
    );
    return { member: m.member, status: "written", url: deps.out.url(key), refs };
  } catch (error) {
    return { member: m.member, status: "failed", error: error as Error };
  }
}

/** Stage 3 for the ensemble: every member that could be mapped, the others named as failed. */
async function publishEnsembleStore(
  mapped: readonly MappedMember[],
  record: EnsembleRecord,
  data: SlotFiles,
  key: string,
  deps: RunDeps,
): Promise<EnsembleOutcome> {
  const url = deps.out.url(key);
  try {
    const done = mapped.filter((m): m is Mapped => !("error" in m));
    const refs = await writeEnsembleStore(
      done,
      record,
      { key, format: record.inputs.format },
      deps.out,
      data,
    );
    if (record.failed.length > 0) {
      deps.log.warn({ url, failed: record.failed }, "ensemble store written without the members that failed");
    }
    return { status: "written", url, refs, failed: record.failed };
  } catch (error) {
    return { status: "failed", url, refs: 0, failed: record.failed, error: error as Error };
  }
}
