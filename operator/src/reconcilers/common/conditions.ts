/**
 * Setting status conditions as `metav1.Condition` wants them: upsert by type, `observedGeneration`
 * stamped, `lastTransitionTime` kept unless the status flips.
 *
 * @module
 */
import type { Condition } from "../../../../job-image/src/api/index.js";
import { rfc3339 } from "../../kube/time.js";

/**
 * Upserts `cond` by type into a copy of `list`, stamping `observedGeneration`. The
 * `lastTransitionTime` of an existing condition is kept unless its status flips; a new condition,
 * or a flip, gets `now`.
 *
 * @example
 * setCondition([], { type: "Stalled", status: "False", reason: "SpecValid", message: "" }, 3, now)
 */
export function setCondition(
  list: readonly Condition[] | undefined,
  cond: Omit<Condition, "lastTransitionTime" | "observedGeneration">,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const old = list?.find((c) => c.type === cond.type);
  const next: Condition = {
    type: cond.type,
    status: cond.status,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : rfc3339(now),
    reason: cond.reason,
    message: cond.message,
  };
  const current = list ?? [];
  return old ? current.map((c) => (c === old ? next : c)) : [...current, next];
}

/** The condition of `type` in `list`, if any. */
export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}
