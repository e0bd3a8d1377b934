/**
 * Stage 0 — templates: for one reference run, learn what every field of every member is from the
 * step indexes and a few GRIB headers, never a data section, and write one template per member and
 * step plus a manifest part for the shard.
 *
 * Notes (invariants):
 * - Each step's index is read once for all members.
 * - Messages of one field (`attrs`) at one step differ between members only in the member number,
 *   so the header of one message per field and kind (control, perturbed) serves every member; it
 *   is checked against its index line (length, member, level, step).
 * - An instantaneous field's messages differ between steps, in what a template records, only in
 *   their forecast time, which the index gives: its header is read at one step and serves the
 *   others (`stepRange` is the step). At those other steps the message's member, level and step
 *   are the index line's, unchecked against the message; the line's step must be its file's
 *   (`readStepIndex`), and every step's ranges are checked against the file (`checkRanges`). A
 *   field over a time window (accum, max, min, …) is read at every step, as its window need not
 *   follow one rule.
 * - A fault in one member's messages fails that member only; the others are templated.
 *
 * @module
 */
import { ByteRangeError, type GikError, GribFormatError, isGikError } from "../api/errors.js";
import { memberName, memberNumber } from "../api/members.js";
import { type RunId, runEpochSeconds, runLabel, stepsOf } from "../api/run-id.js";
import { readGribHeader } from "../grib/read-header.js";
import type { GribMessage } from "../grib/types.js";
import type { IndexEntry } from "../index/types.js";
import type { Logger, Progress } from "../log/types.js";
import { checkRanges } from "../source/check-ranges.js";
import {
  findResolution,
  listStepFiles,
  readStepIndexes,
  type SourceFile,
  type StepIndex,
  statStep,
  stepKinds,
} from "../source/step-files.js";
import type { ReadableStore, Store } from "../storage/types.js";
import { gribAttributes } from "../templates/grib-attributes.js";
import { manifestPartKey, templateKey } from "../templates/layout.js";
import {
  type FieldStructure,
  MANIFEST_VERSION,
  type ManifestPart,
  type MemberKind,
  memberKind,
} from "../templates/manifest.js";
import { encodeTemplate, type TemplateRow } from "../templates/row.js";
import { mapPool } from "../util/pool.js";

export interface TemplatesInput {
  run: RunId;
  members: readonly string[];
  /** This build's share of the steps: step `i` belongs to shard `i % count`. */
  shard?: { index: number; count: number };
}

export interface TemplatesDeps {
  /** Read, and listed for a first look at the run. */
  source: ReadableStore & Pick<Store, "list">;
  templates: Store;
  log: Logger;
  progress: Progress;
  /** Steps worked on at once. */
  stepConcurrency?: number;
}

export interface TemplatesResult {
  manifest: ManifestPart;
  /** Members that could not be templated, with why. */
  failures: Map<string, GikError>;
}

/**
 * Builds the templates of `input.members` for the reference run `input.run`.
 *
 * @example
 * const { manifest, failures } = await buildTemplates({ run: { date: "20240529", cycle: 0 }, members: ALL_MEMBERS }, deps);
 */
export async function buildTemplates(input: TemplatesInput, deps: TemplatesDeps): Promise<TemplatesResult> {
  const { run } = input;
  const shard = input.shard ?? { index: 0, count: 1 };
  const wanted = new Set(input.members.map((m) => memberNumber(m)));
  const resolution = await findResolution(deps.source, run);
  const steps = stepsOf(run.cycle).filter((_, i) => i % shard.count === shard.index);
  const failures = new Map<string, GikError>();
  const fail = (number: number, error: GikError) => {
    const name = memberName(number);
    if (!failures.has(name)) {
      failures.set(name, error);
      deps.log.warn({ member: name, err: error.message, tag: error._tag }, "member cannot be templated");
    }
  };
  const fields: Record<string, FieldStructure> = {};
  const absent: Record<string, string[]> = {};
  const sources: SourceFile[] = [];
  let grid: GribMessage["grid"] | undefined;
  let controlFile: ManifestPart["controlFile"] = "none";
  const instantHeaders: InstantHeaders = new Map();
  const task = deps.progress.begin(`templates ${runLabel(run)}`, steps.length, "steps");
  deps.log.info(
    { run: runLabel(run), resolution, steps: steps.length, members: wanted.size, shard },
    "building templates",
  );

  const listing = await listStepFiles(deps.source, run, stepKinds(wanted.has(0)), resolution);
  /** A step's indexes, read and checked; their faults fail their members. */
  const readStep = async (step: number): Promise<StepIndex[]> => {
    const files = await statStep(deps.source, run, step, resolution, wanted.has(0), { listing });
    const { indexes, controlFault } = await readStepIndexes(deps.source, files, wanted);
    if (controlFault) fail(0, controlFault);
    for (const index of indexes) {
      sources.push(index.index);
      if (wanted.has(0) && index.entries.some((e) => e.number === 0)) controlFile = index.kind;
      for (const [number, error] of index.faults) fail(number, error);
      for (const fault of await checkRanges(deps.source, index)) {
        if (wanted.has(fault.entry.number)) fail(fault.entry.number, fault.error);
      }
    }
    return indexes;
  };
  // An instantaneous field's header is read at the build's first step and reused by the others,
  // not at whichever step's index came in first: which message is read, and so which member a bad
  // one fails, must not depend on timing. The other steps read their indexes meanwhile; the first
  // step is the pool's first task, so it waits on none.
  let firstStepDone!: () => void;
  const firstStep = new Promise<void>((resolve) => {
    firstStepDone = resolve;
  });
  await mapPool(steps, deps.stepConcurrency ?? 8, async (step) => {
    const stepRows = readStep(step).then(async (indexes) => {
      if (step !== steps[0]) await firstStep;
      return templateStep(indexes, { wanted, failures, fail, instantHeaders }, run, deps.source);
    });
    if (step === steps[0]) void stepRows.then(firstStepDone, firstStepDone);
    const { rows, described } = await stepRows;
    const templated = [...rows].filter(([number]) => !failures.has(memberName(number)));
    await Promise.all(
      templated.map(([number, memberRows]) =>
        deps.templates.put(templateKey(run, memberName(number), step), encodeTemplate(memberRows)),
      ),
    );
    for (const [, memberRows] of templated) {
      for (const row of memberRows) addToStructure(fields, row, step, described.get(describedKey(row))!);
    }
    recordAbsences(templated, step, absent);
    grid ??= templated[0] && described.get(describedKey(templated[0][1][0]!))!.grid;
    task.advance();
  });
  task.end();

  for (const field of Object.values(fields)) {
    for (const kind of Object.values(field.kinds)) kind.steps.sort((a, b) => a - b);
  }
  const members = input.members.filter((m) => !failures.has(m));
  if (!grid)
    throw new GribFormatError(deps.source.url(""), 0, `no member of ${runLabel(run)} could be templated`);
  const manifest: ManifestPart = {
    kind: "gik-templates",
    version: MANIFEST_VERSION,
    referenceRun: run,
    shard,
    members,
    steps,
    controlFile,
    grid,
    fields,
    absent: Object.fromEntries(members.filter((m) => absent[m]).map((m) => [m, absent[m]!.sort()])),
    sources: sources.sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
  await deps.templates.put(
    manifestPartKey(run, shard.index, shard.count),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`),
    { contentType: "application/json" },
  );
  return { manifest, failures };
}

/**
 * What the header of a field says for one member kind beyond the rows: the data variable's
 * attributes and the grid, for the manifest (the rows do not repeat them: no reader needs them
 * per member and step, and they were most of a template's bytes).
 */
interface Described {
  attributes: Record<string, string | number>;
  grid: GribMessage["grid"];
}

/** The key of a row's field and member kind in {@link templateStep}'s `described`. */
function describedKey(row: { attrs: string; number: number }): string {
  return `${row.attrs}|${memberKind(memberName(row.number))}`;
}

/** What one field and kind's header gives the templates. */
interface Header {
  message: GribMessage;
  described: Described;
}

/**
 * Headers of instantaneous fields by field and kind ({@link describedKey}), read at the build's
 * first step (a field not there: the first step that asked); `undefined` when that read gave no
 * instantaneous header (a field over a window, or no message that checked out), and each step
 * reads its own.
 */
type InstantHeaders = Map<string, Promise<Header | undefined>>;

/** The build's members, and what the steps share. */
interface StepContext {
  wanted: ReadonlySet<number>;
  failures: ReadonlyMap<string, GikError>;
  fail: (number: number, error: GikError) => void;
  instantHeaders: InstantHeaders;
}

/**
 * Rows of every wanted member at one step, reading one header per field and kind (none for an
 * instantaneous field another step read).
 */
async function templateStep(
  indexes: readonly StepIndex[],
  context: StepContext,
  run: RunId,
  source: ReadableStore,
): Promise<{ rows: Map<number, TemplateRow[]>; described: Map<string, Described> }> {
  const rows = new Map<number, TemplateRow[]>();
  const described = new Map<string, Described>();
  const time = runEpochSeconds(run);
  for (const index of indexes) {
    const groups = new Map<string, IndexEntry[]>();
    for (const entry of index.entries) {
      if (!context.wanted.has(entry.number)) continue;
      const key = describedKey(entry);
      const group = groups.get(key);
      if (group) group.push(entry);
      else groups.set(key, [entry]);
    }
    await Promise.all(
      [...groups].map(async ([key, entries]) => {
        const header = await fieldHeader(key, entries, index, context, source);
        if (!header) return;
        described.set(key, header.described);
        for (const entry of entries) {
          const list = rows.get(entry.number) ?? [];
          list.push(templateRow(entry, header.message, index.gribUrl, time));
          rows.set(entry.number, list);
        }
      }),
    );
  }
  return { rows, described };
}

/**
 * The header of field and kind `key` at this step: the one an earlier step read, when it is
 * instantaneous, else read here. The first step to ask leaves its read for the others (no await
 * between looking and leaving it, so steps at work together read it once).
 */
async function fieldHeader(
  key: string,
  entries: readonly IndexEntry[],
  index: StepIndex,
  context: StepContext,
  source: ReadableStore,
): Promise<Header | undefined> {
  const shared = context.instantHeaders.get(key);
  const known = shared && (await shared);
  if (known) return known;
  const read = representativeHeader(entries, index, source, context.failures, context.fail).then(
    (message): Header | undefined =>
      message && { message, described: { attributes: gribAttributes(message), grid: message.grid } },
  );
  if (!shared) {
    context.instantHeaders.set(
      key,
      read.then(
        (header) => (header && isInstant(header.message) ? header : undefined),
        () => undefined,
      ),
    );
  }
  return read;
}

/**
 * A message of one instant: ecCodes says "instant" of some statistical processes too (code 255),
 * whose window is not their step.
 */
function isInstant(message: GribMessage): boolean {
  return message.keys.stepType === "instant" && message.keys.startStep === message.keys.endStep;
}

/** The header of the first entry whose message checks out; entries whose message does not fail their member. */
async function representativeHeader(
  entries: readonly IndexEntry[],
  index: StepIndex,
  source: ReadableStore,
  failures: ReadonlyMap<string, GikError>,
  fail: (number: number, error: GikError) => void,
): Promise<GribMessage | undefined> {
  for (const entry of entries) {
    if (failures.has(memberName(entry.number))) continue;
    try {
      const header = await readGribHeader(source, index.gribKey, entry.offset, entry.length);
      checkAgainstIndex(header, entry, index, source.url(index.index.key));
      return header;
    } catch (err) {
      if (!isGikError(err) || !err.badInput) throw err;
      fail(entry.number, err);
    }
  }
  return undefined;
}

/** The header must describe the message its index line names. */
function checkAgainstIndex(header: GribMessage, entry: IndexEntry, index: StepIndex, indexUrl: string): void {
  const where = `${indexUrl}:${entry.line} (${entry.attrs}, member ${entry.number})`;
  if (header.totalLength !== entry.length) {
    throw new ByteRangeError(
      index.gribUrl,
      entry.offset,
      entry.length,
      `${where}: GRIB section 0 gives length ${header.totalLength}`,
    );
  }
  const k = header.keys;
  const mismatch =
    k.number !== entry.number
      ? `member ${k.number}`
      : entry.levelist !== "" && k.level !== Number(entry.levelist)
        ? `level ${k.level}`
        : k.stepUnits === 1 && k.endStep !== entry.stepEnd
          ? `step ${k.endStep}`
          : undefined;
  if (mismatch)
    throw new GribFormatError(index.gribUrl, entry.offset, `${where}: the message there is for ${mismatch}`);
}

function templateRow(entry: IndexEntry, header: GribMessage, uri: string, time: number): TemplateRow {
  const k = header.keys;
  const known = (name: string) => name !== "unknown" && name !== "undef";
  const shortName = known(k.shortName) ? k.shortName : entry.param;
  return {
    attrs: entry.attrs,
    varname: known(k.cfVarName) ? k.cfVarName : shortName,
    typeOfLevel: k.typeOfLevel,
    stepType: k.stepType,
    name: k.name,
    level: k.level,
    step: entry.stepEnd,
    time,
    valid_time: time + entry.stepEnd * 3600,
    uri,
    offset: entry.offset,
    length: entry.length,
    inline_value: null,
    member: memberName(entry.number),
    number: entry.number,
    param: entry.param,
    levtype: entry.levtype,
    levelist: entry.levelist,
    paramId: k.paramId,
    shortName,
    units: k.units,
    // An instant's range is its step; the header may be another step's (see the module notes).
    stepRange: isInstant(header) ? `${entry.stepEnd}` : k.stepRange,
  };
}

/** Adds what `row` says of its field at `step` to the structure, under its member's kind. */
function addToStructure(
  fields: Record<string, FieldStructure>,
  row: TemplateRow,
  step: number,
  described: Described,
): void {
  fields[row.attrs] ??= {
    varname: row.varname,
    typeOfLevel: row.typeOfLevel,
    stepType: row.stepType,
    level: row.level,
    paramId: row.paramId,
    name: row.name,
    grid: described.grid,
    kinds: {},
  };
  const kinds = fields[row.attrs]!.kinds;
  const kind = memberKind(row.member);
  kinds[kind] ??= { steps: [], attributes: described.attributes };
  if (!kinds[kind].steps.includes(step)) kinds[kind].steps.push(step);
}

/**
 * Records, for each member templated at `step`, the fields its kind has there that it lacks: the
 * exceptions to "members of one kind have the same fields".
 */
function recordAbsences(
  templated: ReadonlyArray<readonly [number, readonly TemplateRow[]]>,
  step: number,
  absent: Record<string, string[]>,
): void {
  const byKind = new Map<MemberKind, Array<{ member: string; attrs: Set<string> }>>();
  for (const [number, rows] of templated) {
    const member = memberName(number);
    const list = byKind.get(memberKind(member)) ?? [];
    list.push({ member, attrs: new Set(rows.map((r) => r.attrs)) });
    byKind.set(memberKind(member), list);
  }
  for (const members of byKind.values()) {
    const union = new Set(members.flatMap((m) => [...m.attrs]));
    for (const { member, attrs } of members) {
      const lacking = [...union].filter((a) => !attrs.has(a)).map((a) => `${a}@${step}`);
      if (lacking.length > 0) absent[member] = [...(absent[member] ?? []), ...lacking];
    }
  }
}
