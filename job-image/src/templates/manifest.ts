/**
 * The manifest of a reference run's templates: which members and steps were templated, from which
 * index files, and the structure they describe — every field with its level, where it exists, and
 * what a reader needs to describe it, per kind of member — summed up in a fingerprint. Each shard
 * of a template build writes one part; the templates are complete when every part of the count is
 * there.
 *
 * The manifest is what the later stages read of the templates: Stage 1 builds a store's tree from
 * its fields, Stage 2 knows from it which fields a member has at each step (kerchunk's "deflated
 * store" and mapping, in one small document instead of one template file per member and step).
 *
 * Notes (invariants):
 * - Members of one kind (the control; the perturbed members 1–50) share a field's steps and
 *   attributes: their messages differ only in the member number. A member that lacks a field its
 *   kind has at a step is listed in `absent`, so the expectation stays exact per member.
 * - Where parts disagree on a field's attributes, the part of the lowest shard (the earliest steps)
 *   wins: merging is deterministic whatever order the parts are read in.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { TemplateError } from "../api/errors.js";
import type { RunId } from "../api/run-id.js";
import type { RegularLatLonGrid } from "../grib/types.js";
import type { SourceFile } from "../source/step-files.js";

/** The control (perturbation number 0) or a perturbed member (1–50). */
export type MemberKind = "control" | "perturbed";

/** A field as members of one kind have it. */
export interface FieldKind {
  /** Steps (hours) at which the field exists, ascending. */
  steps: number[];
  /** The data variable's attributes, as kerchunk's `scan_grib` writes them (`grib-attributes.ts`). */
  attributes: Record<string, string | number>;
}

/** One field (one `attrs` key) of the reference run. */
export interface FieldStructure {
  varname: string;
  typeOfLevel: string;
  stepType: string;
  level: number;
  paramId: number;
  /** ecCodes' `name` (`2 metre temperature`). */
  name: string;
  grid: RegularLatLonGrid;
  kinds: Partial<Record<MemberKind, FieldKind>>;
}

export const MANIFEST_VERSION = 2;

export interface ManifestPart {
  kind: "gik-templates";
  version: typeof MANIFEST_VERSION;
  referenceRun: RunId;
  shard: { index: number; count: number };
  members: string[];
  steps: number[];
  /** Where the control member's messages were found. */
  controlFile: "enfo-ef" | "oper-fc" | "none";
  grid: RegularLatLonGrid;
  fields: Record<string, FieldStructure>;
  /** `member → ["attrs@step", …]`: fields a member lacks where its kind has them (rare). */
  absent: Record<string, string[]>;
  sources: SourceFile[];
}

/** All parts of a template build, merged. */
export interface Manifest extends Omit<ManifestPart, "shard"> {
  parts: number;
  fingerprint: string;
}

/** What a store's tree needs of one field a member has. */
export interface FieldDescriptor {
  attrs: string;
  varname: string;
  stepType: string;
  typeOfLevel: string;
  level: number;
  name: string;
  attributes: Record<string, string | number>;
  grid: RegularLatLonGrid;
}

/** The kind of a member name. */
export function memberKind(member: string): MemberKind {
  return member === "control" ? "control" : "perturbed";
}

/** The fields `member` has in the reference run (any step), for its tree. */
export function memberFields(manifest: Pick<Manifest, "fields">, member: string): FieldDescriptor[] {
  const kind = memberKind(member);
  const out: FieldDescriptor[] = [];
  for (const [attrs, field] of Object.entries(manifest.fields)) {
    const had = field.kinds[kind];
    if (!had) continue;
    const { varname, stepType, typeOfLevel, level, name, grid } = field;
    out.push({ attrs, varname, stepType, typeOfLevel, level, name, grid, attributes: had.attributes });
  }
  return out;
}

/** The fields (`attrs`) `member` has at `step` in the reference run: what its fresh index must hold. */
export function expectedFields(
  manifest: Pick<Manifest, "fields" | "absent">,
  member: string,
  step: number,
): Set<string> {
  const kind = memberKind(member);
  const lacking = new Set(manifest.absent[member] ?? []);
  const expected = new Set<string>();
  for (const [attrs, field] of Object.entries(manifest.fields)) {
    if (field.kinds[kind]?.steps.includes(step) && !lacking.has(`${attrs}@${step}`)) expected.add(attrs);
  }
  return expected;
}

/**
 * {@link expectedFields} of any member at `step`, worked out once per kind of member: members of a
 * kind that lack nothing share one set (a whole run asks for 51 members at each of 85 steps).
 */
export function expectedAtStep(
  manifest: Pick<Manifest, "fields" | "absent">,
  step: number,
): (member: string) => ReadonlySet<string> {
  const byKind = new Map<MemberKind, Set<string>>();
  return (member) => {
    if (manifest.absent[member]?.length) return expectedFields(manifest, member, step);
    const kind = memberKind(member);
    let expected = byKind.get(kind);
    if (!expected) {
      expected = expectedFields(manifest, member, step);
      byKind.set(kind, expected);
    }
    return expected;
  };
}

/**
 * Merges the parts of one build. Parts must agree on run, members, grid and the structure of the
 * fields they share, and together cover every step once.
 */
export function mergeManifestParts(
  parts: readonly ManifestPart[],
  url: string,
  expectedSteps: readonly number[],
): Manifest {
  const sorted = [...parts].sort((a, b) => a.shard.index - b.shard.index);
  const first = sorted[0];
  if (!first) throw new TemplateError(url, "no manifest part found: the templates were not built");
  const count = first.shard.count;
  const have = new Set(sorted.map((p) => p.shard.index));
  const missingParts = Array.from({ length: count }, (_, i) => i).filter((i) => !have.has(i));
  if (missingParts.length > 0) {
    throw new TemplateError(
      url,
      `manifest parts ${missingParts.join(", ")} of ${count} are missing: the template build is incomplete`,
    );
  }
  const fields: Record<string, FieldStructure> = {};
  const absent: Record<string, string[]> = {};
  const steps = new Set<number>();
  for (const part of sorted) {
    const where = `${url} (part ${part.shard.index} of ${count})`;
    if (part.shard.count !== count)
      throw new TemplateError(where, `shard count ${part.shard.count} differs from ${count}`);
    if (JSON.stringify(part.members) !== JSON.stringify(first.members))
      throw new TemplateError(where, "members differ between parts");
    if (JSON.stringify(part.grid) !== JSON.stringify(first.grid))
      throw new TemplateError(where, "grid differs between parts");
    for (const step of part.steps) steps.add(step);
    for (const [member, lacking] of Object.entries(part.absent)) {
      absent[member] = [...(absent[member] ?? []), ...lacking];
    }
    for (const [attrs, field] of Object.entries(part.fields)) {
      const known = fields[attrs];
      if (!known) {
        fields[attrs] = structuredClone(field);
        continue;
      }
      const { kinds: _a, ...a } = known;
      const { kinds: _b, ...b } = field;
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new TemplateError(where, `field ${attrs} differs between parts`);
      for (const [kind, had] of Object.entries(field.kinds) as [MemberKind, FieldKind][]) {
        const mine = known.kinds[kind];
        if (mine) mine.steps = [...new Set([...mine.steps, ...had.steps])].sort((x, y) => x - y);
        else known.kinds[kind] = structuredClone(had);
      }
    }
  }
  const missingSteps = expectedSteps.filter((s) => !steps.has(s));
  if (missingSteps.length > 0) {
    throw new TemplateError(url, `no templates for steps ${missingSteps.join(", ")}`);
  }
  const controlFile = sorted.find((p) => p.controlFile !== "none")?.controlFile ?? "none";
  const { shard: _shard, ...rest } = first;
  const merged = {
    ...rest,
    controlFile,
    steps: [...steps].sort((a, b) => a - b),
    fields: sortKeys(fields),
    absent: sortKeys(Object.fromEntries(Object.entries(absent).map(([m, l]) => [m, [...l].sort()]))),
    sources: sorted.flatMap((p) => p.sources),
  };
  return { ...merged, parts: count, fingerprint: structureFingerprint(merged) };
}

/**
 * A digest of the structure only (grid, fields with their steps per kind, members, steps,
 * absences): equal structures, equal digests.
 */
export function structureFingerprint(
  m: Pick<ManifestPart, "grid" | "fields" | "members" | "steps" | "absent">,
): string {
  const fields = Object.fromEntries(
    Object.entries(sortKeys(m.fields)).map(([attrs, f]) => {
      const kinds = Object.fromEntries(
        (Object.entries(f.kinds) as [MemberKind, FieldKind][]).sort().map(([k, v]) => [k, v.steps]),
      );
      return [attrs, [f.varname, f.typeOfLevel, f.stepType, f.level, f.paramId, kinds]];
    }),
  );
  const canonical = JSON.stringify({
    grid: m.grid,
    fields,
    members: [...m.members].sort(),
    steps: [...m.steps].sort((a, b) => a - b),
    absent: sortKeys(m.absent),
  });
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

/** Reads and checks one manifest part; `url` names it in errors. */
export function parseManifestPart(bytes: Uint8Array, url: string): ManifestPart {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new TemplateError(url, "manifest is not JSON", { cause });
  }
  const part = value as ManifestPart;
  if (part?.kind !== "gik-templates") {
    throw new TemplateError(url, 'not a gik templates manifest (expected kind "gik-templates")');
  }
  if (part.version !== MANIFEST_VERSION) {
    throw new TemplateError(
      url,
      `templates manifest version ${part.version}, this gik reads version ${MANIFEST_VERSION}: build the templates again`,
    );
  }
  for (const key of [
    "referenceRun",
    "shard",
    "members",
    "steps",
    "grid",
    "fields",
    "absent",
    "sources",
  ] as const) {
    if (part[key] === undefined) throw new TemplateError(url, `manifest field "${key}" is missing`);
  }
  return part;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
