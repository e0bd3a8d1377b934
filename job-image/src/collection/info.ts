/**
 * What a forecast collection holds, for people (`gik collection info`): its axes, every slot of its
 * time axis with the run there (members, failed members) or the gap, and the arrays whose level
 * axis was rewritten.
 *
 * @module
 */
import { runLabel } from "../api/run-id.js";
import { type CollectionRecord, collectionSlots } from "./plan.js";

/** The lines `gik collection info` prints. Pure. */
export function collectionInfo(record: CollectionRecord, url: string): string[] {
  const slots = collectionSlots(record);
  const held = slots.filter((s) => s.held);
  const lines = [
    `${url}: ${held.length} runs in ${record.slots} slots (cycles ${record.axis.cycles.map((c) => `${c}z`).join(", ")}, from ${runLabel(record.axis.origin)}), ${record.steps.length} steps, ${record.members} members, ${Object.keys(record.fields).length} fields`,
  ];
  for (const { slot, run, held: r } of slots) {
    const time = `${String(slot).padStart(4)}  ${runLabel(run)}`;
    if (!r) {
      lines.push(`${time}  gap`);
      continue;
    }
    const failed = r.failed.length > 0 ? `, failed: ${r.failed.join(", ")}` : "";
    lines.push(`${time}  ${r.members.length} members${failed}`);
  }
  for (const w of record.rewrites) {
    lines.push(
      `rewritten: ${w.array} when run ${w.run} came (levels ${w.from.join(", ")} → ${w.to.join(", ")})`,
    );
  }
  return lines;
}
