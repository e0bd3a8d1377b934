/**
 * Reading a run's step files from the source: which tree the run is under, the version of each
 * step's index and GRIB file (at the first look, from one LIST of their folder; a HEAD each from a
 * source that cannot list, and for a step that appears later), and the parsed index (one GET per
 * step file, shared by every member).
 *
 * @module
 */
import { IndexParseError, NotFoundError, StorageError, UsageError } from "../api/errors.js";
import type { RunId } from "../api/run-id.js";
import { type ParsedIndex, parseEcmwfIndexFor } from "../index/ecmwf.js";
import type { IndexSpan } from "../index/types.js";
import type { ObjectInfo, ReadableStore, Store } from "../storage/types.js";
import {
  indexKeyOf,
  type Resolution,
  resolutionOf,
  type StepFileKind,
  stepFileKey,
  stepFolder,
} from "./layout.js";

/** A file read from the source, with the version seen (recorded by templates and stores as their inputs). */
export interface SourceFile {
  key: string;
  size: number;
  etag?: string;
}

/** One step file as published: the GRIB file's key, URL and size, and its index's version. */
export interface StepFile {
  run: RunId;
  step: number;
  kind: StepFileKind;
  gribKey: string;
  gribUrl: string;
  gribSize: number;
  index: SourceFile;
}

/** A step file with its index, parsed for the members at work (see {@link parseEcmwfIndexFor}). */
export interface StepIndex extends StepFile, ParsedIndex {}

/**
 * The tree a run is published under: the date rule first, then the other tree, decided by where
 * the step-0 index of the ensemble file exists.
 */
export async function findResolution(source: ReadableStore, run: RunId): Promise<Resolution> {
  const preferred = resolutionOf(run.date);
  const other: Resolution = preferred === "0p25" ? "0p4-beta" : "0p25";
  for (const resolution of [preferred, other]) {
    if (await source.head(indexKeyOf(stepFileKey(run, 0, "enfo-ef", resolution)))) return resolution;
  }
  throw new NotFoundError(
    source.url(indexKeyOf(stepFileKey(run, 0, "enfo-ef", preferred))),
    `index of run ${run.date} ${run.cycle}z`,
  );
}

/** The objects of the folders a run's step files are in, by key: what a HEAD of each would say. */
export type StepListing = ReadonlyMap<string, ObjectInfo>;

/**
 * One LIST of each folder the run's step files of `kinds` are in, where the files would take two
 * HEADs a step; `undefined` where the source cannot list (an HTTP mirror) or may not (a bucket
 * that grants reads and refuses listing), whose files are then HEADed, as a HEAD would meet any
 * other fault. A step with a file not listed is not yet published, as a HEAD would find it.
 */
export async function listStepFiles(
  source: ReadableStore & Pick<Store, "list">,
  run: RunId,
  kinds: readonly StepFileKind[],
  resolution: Resolution,
): Promise<StepListing | undefined> {
  const listing = new Map<string, ObjectInfo>();
  try {
    await Promise.all(
      kinds.map(async (kind) => {
        for await (const { key, ...info } of source.list(stepFolder(run, kind, resolution))) {
          listing.set(key, info);
        }
      }),
    );
  } catch (err) {
    if (err instanceof UsageError || (err instanceof StorageError && err.status === 403)) return undefined;
    throw err;
  }
  return listing;
}

/**
 * A step's index and GRIB file, from `listing` when given (else a HEAD each); a missing one is a
 * `NotFoundError` naming it.
 */
export async function statStepFile(
  source: ReadableStore,
  run: RunId,
  step: number,
  kind: StepFileKind,
  resolution: Resolution,
  listing?: StepListing,
): Promise<StepFile> {
  const gribKey = stepFileKey(run, step, kind, resolution);
  const indexKey = indexKeyOf(gribKey);
  const [index, grib] = listing
    ? [listing.get(indexKey), listing.get(gribKey)]
    : await Promise.all([source.head(indexKey), source.head(gribKey)]);
  if (!index) throw new NotFoundError(source.url(indexKey), `index of step ${step}h (${kind})`);
  if (!grib) throw new NotFoundError(source.url(gribKey), `GRIB file of step ${step}h (${kind})`);
  return {
    run,
    step,
    kind,
    gribKey,
    gribUrl: source.url(gribKey),
    gribSize: grib.size,
    index: { key: indexKey, size: index.size, ...(index.etag ? { etag: index.etag } : {}) },
  };
}

/** GETs a step file's index and parses the lines of `members`. */
async function readStepIndex(
  source: ReadableStore,
  file: StepFile,
  members: ReadonlySet<number>,
): Promise<StepIndex> {
  const bytes = await source.get(file.index.key);
  const url = source.url(file.index.key);
  if (!bytes) throw new NotFoundError(url, `index of step ${file.step}h (${file.kind})`);
  return { ...file, ...withStepFaults(parseEcmwfIndexFor(bytes, url, members), file.step, url) };
}

/**
 * `index` with each member that has a line of another step than its file's at fault, as a member
 * with a bad line is (`ParsedIndex.faults`): ECMWF gives even a window's step as its end, the
 * file's step, and Stage 0 reads an instantaneous field's header at one step only.
 */
function withStepFaults(index: ParsedIndex, step: number, url: string): ParsedIndex {
  const faults = new Map(index.faults);
  for (const e of index.entries) {
    if (e.stepEnd === step || faults.has(e.number)) continue;
    const why = `${e.attrs}, member ${e.number}: step ${e.stepEnd} in the file of step ${step}`;
    faults.set(e.number, new IndexParseError(url, e.line, why));
  }
  if (faults.size === index.faults.size) return index;
  return { ...index, entries: index.entries.filter((e) => !faults.has(e.number)), faults };
}

/** True when the index has control-member lines (`type` `cf`): before IFS 50r1 the control is in `enfo-ef`. */
function hasControl(spans: readonly IndexSpan[]): boolean {
  return spans.some((e) => e.number === 0);
}

/** The files of one step that a set of members needs. */
export interface StepFiles {
  step: number;
  enfo: StepFile;
  /** The control's `oper-fc` file, when the control is wanted and the file exists. */
  oper?: StepFile;
  /** Why there is no `oper` file, when the control is wanted. */
  operMissing?: NotFoundError;
  wantControl: boolean;
}

/** How {@link statStep} finds a step's files. */
export interface StepLook {
  /** The run's folders as listed (`listStepFiles`); without it, each file is HEADed. */
  listing?: StepListing;
  /** Finds the ensemble file (default: it must be there now). */
  enfoFile?: () => Promise<StepFile>;
}

/**
 * What a step may need: the ensemble file, and the control's oper file if the control is wanted.
 * The step-files kinds a run's first look lists are {@link stepKinds}.
 */
export async function statStep(
  source: ReadableStore,
  run: RunId,
  step: number,
  resolution: Resolution,
  wantControl: boolean,
  look: StepLook = {},
): Promise<StepFiles> {
  const { listing } = look;
  const enfo = await (
    look.enfoFile ?? (() => statStepFile(source, run, step, "enfo-ef", resolution, listing))
  )();
  if (!wantControl) return { step, enfo, wantControl };
  try {
    const oper = await statStepFile(source, run, step, "oper-fc", resolution, listing);
    return { step, enfo, oper, wantControl };
  } catch (err) {
    if (err instanceof NotFoundError) return { step, enfo, operMissing: err, wantControl };
    throw err;
  }
}

/** The kinds of step file a run's members may read: the control's `oper-fc` only when it is wanted. */
export function stepKinds(wantControl: boolean): StepFileKind[] {
  return wantControl ? ["enfo-ef", "oper-fc"] : ["enfo-ef"];
}

/** The index files a step's members read: `enfo-ef`, plus `oper-fc` when the control is not in it. */
export interface StepIndexes {
  step: number;
  indexes: StepIndex[];
  /** Set when the control is wanted but published nowhere for this step. */
  controlFault?: NotFoundError;
}

/**
 * Reads a step's indexes for `members`. The control comes from `enfo-ef` when it has `cf` lines,
 * else from `oper-fc`; `awaitOper`, when given, finds an `oper-fc` file not published at the
 * first look (and records it in `files`).
 */
export async function readStepIndexes(
  source: ReadableStore,
  files: StepFiles,
  members: ReadonlySet<number>,
  awaitOper?: () => Promise<StepFile>,
): Promise<StepIndexes> {
  const enfo = await readStepIndex(source, files.enfo, members);
  if (!files.wantControl || hasControl(enfo.spans)) return { step: files.step, indexes: [enfo] };
  if (!files.oper && awaitOper) {
    files.oper = await awaitOper();
    delete files.operMissing;
  }
  if (!files.oper) {
    const fault =
      files.operMissing ??
      new NotFoundError(source.url(files.enfo.index.key), `control member of step ${files.step}h`);
    return { step: files.step, indexes: [enfo], controlFault: fault };
  }
  return { step: files.step, indexes: [enfo, await readStepIndex(source, files.oper, members)] };
}
