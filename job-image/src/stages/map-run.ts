/**
 * Stage 2 over a whole run: each step's fresh index files are read once for every member at work,
 * their ranges checked, and each member's entries joined with the templates' manifest
 * (`map-from-index.ts`). What comes out per member is what a store needs: one chunk reference per
 * mapped message.
 *
 * Notes (invariants):
 * - Each step's index is read once, whatever the number of members; steps are mapped as their
 *   files are located (`locate` may wait for a step to be published).
 * - A member fails alone: a bad range or drift in its fields fails that member and no other; a
 *   fault of a whole step file (unreadable, missing) fails every member that needs it.
 * - With `onDrift: "rebuild"` a drifted member is marked, not failed: the caller rebuilds its
 *   templates from the run itself and maps it again.
 *
 * @module
 */
import { type GikError, StructureDriftError } from "../api/errors.js";
import { memberNumber } from "../api/members.js";
import type { OnDrift } from "../api/resources.js";
import { type RunId, runLabel } from "../api/run-id.js";
import type { IndexEntry } from "../index/types.js";
import type { Progress } from "../log/types.js";
import { checkRanges } from "../source/check-ranges.js";
import { readStepIndexes, type StepFile, type StepFiles, type StepIndex } from "../source/step-files.js";
import type { ReadableStore } from "../storage/types.js";
import { expectedAtStep, type Manifest } from "../templates/manifest.js";
import { mapPool } from "../util/pool.js";
import { ChunkList } from "./chunk-list.js";
import { joinIndex } from "./map-from-index.js";

/** A member of a run, mapped (or why not). */
export interface MemberMapping {
  member: string;
  number: number;
  /** Every mapped message, held until the last step is mapped (column-wise: see `chunk-list.ts`). */
  chunks: ChunkList;
  error?: Error;
  drifted?: StructureDriftError;
}

export interface MapRunInput {
  run: RunId;
  steps: readonly number[];
  manifest: Manifest;
  members: readonly string[];
  onDrift: OnDrift;
  /** The files of a step, once they are there. */
  locate: (step: number) => Promise<StepFiles>;
  /** The control's `oper-fc` file of a step, when it was not there at the first look and may come. */
  locateOper?: (step: number) => Promise<StepFile>;
  /** Told how many steps are located so far. */
  onLocated?: (count: number) => void;
}

export interface MapRunDeps {
  source: ReadableStore;
  progress: Progress;
  stepConcurrency?: number;
}

/** Maps every step of `input.run` for `input.members`; one mapping per member, in their order. */
export async function mapRun(input: MapRunInput, deps: MapRunDeps): Promise<MemberMapping[]> {
  const { manifest } = input;
  const work: MemberMapping[] = input.members.map((member) => ({
    member,
    number: memberNumber(member),
    chunks: new ChunkList(),
  }));
  const byNumber = new Map(work.map((w) => [w.number, w]));
  const active = () => work.filter((w) => !w.error && !w.drifted);
  const task = deps.progress.begin(`mapping ${runLabel(input.run)}`, input.steps.length, "steps");
  let located = 0;
  await mapPool(input.steps, deps.stepConcurrency ?? 16, async (step) => {
    try {
      const files = await input.locate(step);
      input.onLocated?.(++located);
      if (active().length === 0) return;
      const at = new Set(active().map((w) => w.number));
      const awaitOper = input.locateOper && (() => input.locateOper!(step));
      const { indexes, controlFault } = await readStepIndexes(deps.source, files, at, awaitOper);
      const control = byNumber.get(0);
      if (controlFault && control && !control.error) control.error = controlFault;
      for (const index of indexes) {
        for (const [number, error] of index.faults) {
          const w = byNumber.get(number);
          if (w && !w.error) w.error = error;
        }
        for (const fault of await checkRanges(deps.source, index)) {
          const w = byNumber.get(fault.entry.number);
          if (w && !w.error) w.error = fault.error;
        }
      }
      const byMember = entriesByMember(indexes);
      const expectedOf = expectedAtStep(manifest, step);
      for (const w of active()) {
        const { entries, index } = byMember.get(w.number) ?? { entries: [], index: indexes[0]! };
        const { matched, unknown, missing } = joinIndex(manifest.fields, expectedOf(w.member), entries);
        if (unknown.length > 0 || missing.length > 0) {
          const where = `${deps.source.url(index.index.key)} (member ${w.member})`;
          const drift = new StructureDriftError(where, matched.length, unknown, missing);
          if (input.onDrift === "fail") w.error ??= drift;
          else w.drifted ??= drift;
          continue;
        }
        w.chunks.pushStep(step, index.gribUrl, matched);
      }
    } catch (error) {
      for (const w of active()) w.error = error as GikError;
    } finally {
      task.advance();
    }
  });
  task.end();
  return work;
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
