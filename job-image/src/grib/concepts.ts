/**
 * ecCodes' "concepts": a value (a paramId, a typeOfLevel, …) chosen by conditions on other keys.
 * This evaluates the concept tables of `tables/*.json` exactly as ecCodes' `concept_evaluate`
 * does:
 *
 * - an entry matches when every one of its conditions holds; a condition on a key the message
 *   does not define never holds;
 * - among the matching entries the one with the most conditions wins, and a tie goes to the
 *   entry read later (ecCodes compares with `>=`);
 * - the lists are read in order, the centre's local file before the master file.
 *
 * @module
 */

/** A condition's expected value: a number, a string, `null` for ecCodes' `missing()`, an integer
 * array (compared with an array key), or `is_one_of(key, values…)` (1 when key's value is listed). */
export type ConditionValue = number | string | null | { array: number[] } | { isOneOf: (string | number)[] };
export type Condition = readonly [key: string, expected: ConditionValue];
export type ConceptEntry<V> = readonly [value: V, conditions: readonly Condition[]];

/** The message's keys as ecCodes would read them: `null` is missing, `undefined` not defined. */
export type KeyValues = Readonly<Record<string, number | string | null | undefined>>;

/**
 * The value of the best-matching entry of `lists` (read in order), or `undefined` when no entry
 * matches (ecCodes then falls back to the concept's default).
 */
export function bestMatch<V>(lists: readonly (readonly ConceptEntry<V>[])[], keys: KeyValues): V | undefined {
  let best: V | undefined;
  let bestCount = 0;
  // Plain loops: this runs for every concept of every header (~15,000 headers per run).
  for (const list of lists) {
    for (const entry of list) {
      const conditions = entry[1];
      if (conditions.length >= bestCount && allHold(conditions, keys)) {
        best = entry[0];
        bestCount = conditions.length;
      }
    }
  }
  return best;
}

function allHold(conditions: readonly Condition[], keys: KeyValues): boolean {
  for (const condition of conditions) {
    if (!holds(keys, condition[0], condition[1])) return false;
  }
  return true;
}

function holds(keys: KeyValues, key: string, expected: ConditionValue): boolean {
  const actual = keys[key];
  if (actual === undefined) return false;
  if (expected === null || typeof expected !== "object") return actual === expected;
  if ("array" in expected) return expected.array.length === 1 && actual === expected.array[0];
  const [listed, ...values] = expected.isOneOf;
  const value = keys[String(listed)];
  return actual === (value !== undefined && value !== null && values.includes(value) ? 1 : 0);
}
