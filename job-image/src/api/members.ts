/**
 * Ensemble member names as they appear in template and store paths: `control` for the control
 * forecast (GRIB perturbation number 0), `ens01` … `ens50` for the perturbed members 1–50.
 *
 * @module
 */
import { UsageError } from "./errors.js";

export const MEMBER_COUNT = 51;

/** `control`, `ens01` … `ens50`, in member-number order. */
export const ALL_MEMBERS: readonly string[] = Array.from({ length: MEMBER_COUNT }, (_, n) => memberName(n));

/** The path name of member `number` (0 = control). */
export function memberName(number: number): string {
  if (!Number.isInteger(number) || number < 0 || number >= MEMBER_COUNT) {
    throw new UsageError("member", `no ensemble member number ${number} (0–${MEMBER_COUNT - 1})`);
  }
  return number === 0 ? "control" : `ens${String(number).padStart(2, "0")}`;
}

/** The GRIB perturbation number of a member name; `field` names where the name came from. */
export function memberNumber(name: string, field = "members"): number {
  if (name === "control") return 0;
  const match = /^ens(\d{2})$/.exec(name);
  const number = match ? Number(match[1]) : Number.NaN;
  if (!(number >= 1 && number < MEMBER_COUNT)) {
    throw new UsageError(field, `unknown member "${name}": expected control or ens01 … ens50`);
  }
  return number;
}

/**
 * Parses a member list as users write it: `all`, or names separated by commas. Order is kept
 * (a Job's completion index selects into it); duplicates are refused.
 *
 * @example parseMembers("control,ens01") // ["control", "ens01"]
 */
export function parseMembers(text: string | undefined): string[] {
  if (text === undefined || text.trim() === "" || text.trim() === "all") return [...ALL_MEMBERS];
  const names = text.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  for (const name of names) {
    memberNumber(name);
    if (seen.has(name)) throw new UsageError("members", `member "${name}" is listed twice`);
    seen.add(name);
  }
  return names;
}
