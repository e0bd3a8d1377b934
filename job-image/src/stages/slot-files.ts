/**
 * A run's data references as the `refs.N.parq` files of one time slot, encoded once: the ensemble
 * store (slot 0 of the run's own tree) and a forecast collection (the run's slot of the
 * collection's tree) hold the same bytes under other names, and encoding them is most of the CPU
 * either write spends.
 *
 * Notes (invariants):
 * - The bytes of a slot's files depend on the tree's layout alone: the steps, the length of
 *   `number`, and each group's path and levels (a field's place is its group's path and its level's
 *   index). A tree of another layout (a collection whose level axis grew, a 06 UTC run among
 *   00 UTC steps) gets files encoded for it; the last layout's files are kept.
 * - A file is `undefined` where its record holds no reference: a writer removes it.
 *
 * @module
 */
import { encodeRefsRecord } from "../refs/parquet.js";
import { dataArrayPath, type EnsembleTree, type MemberChunks, slotDataRecords } from "./ensemble-tree.js";

/** The encoded files of one run's time slot, for any tree and slot (see the module notes). */
export interface SlotFiles {
  /** `<array>/refs.<N>.parq` of slot `slot` of `tree` → its bytes (`undefined`: no reference). */
  files(tree: EnsembleTree, slot: number): Map<string, Uint8Array | undefined>;
  /** References the files hold once encoded for `tree`. */
  refs(tree: EnsembleTree): number;
}

interface Encoded {
  layout: string;
  /** By data array path: the file of each of its records in the slot. */
  records: Map<string, (Uint8Array | undefined)[]>;
  refs: number;
}

/** The slot files of `members`' chunks, encoded when first asked for and again only for another layout. */
export function slotFiles(members: readonly MemberChunks[]): SlotFiles {
  let last: Encoded | undefined;
  const encoded = (tree: EnsembleTree): Encoded => {
    const layout = layoutOf(tree);
    if (last?.layout !== layout) last = encode(tree, members, layout);
    return last;
  };
  return {
    files(tree, slot) {
      const { records } = encoded(tree);
      const files = new Map<string, Uint8Array | undefined>();
      for (const group of tree.groups) {
        const path = dataArrayPath(group);
        const levels = group.levels.length;
        for (const [k, bytes] of records.get(path)!.entries()) {
          files.set(`${path}/refs.${slot * levels + k}.parq`, bytes);
        }
      }
      return files;
    },
    refs: (tree) => encoded(tree).refs,
  };
}

function encode(tree: EnsembleTree, members: readonly MemberChunks[], layout: string): Encoded {
  const rowsOf = slotDataRecords(tree, 0, members);
  const records = new Map<string, (Uint8Array | undefined)[]>();
  let refs = 0;
  for (const group of tree.groups) {
    const path = dataArrayPath(group);
    records.set(
      path,
      group.levels.map((_, k) => {
        const rows = rowsOf.get(`${path}/refs.${k}.parq`)!;
        const held = rows.reduce((n, row) => (row === undefined ? n : n + 1), 0);
        refs += held;
        return held > 0 ? encodeRefsRecord(rows) : undefined;
      }),
    );
  }
  return { layout, records, refs };
}

/** What a slot's files depend on (see the module notes). */
function layoutOf(tree: EnsembleTree): string {
  return JSON.stringify([tree.axes.steps, tree.axes.members, tree.groups.map((g) => [g.path, g.levels])]);
}
