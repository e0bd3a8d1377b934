/**
 * The manifest of a reference run's templates: which members and steps were templated, from
 * which index files, and the structure they describe (grid, fields with their levels and steps),
 * summed up in a fingerprint. Each shard of a template build writes one part; the templates are
 * complete when every part of the count is there.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { TemplateError } from "../api/errors.js";
import type { RunId } from "../api/run-id.js";
import type { RegularLatLonGrid } from "../grib/types.js";
import type { SourceFile } from "../source/step-files.js";

/** The structure of one field (one `attrs` key) across the run. */
export interface FieldStructure {
  varname: string;
  typeOfLevel: string;
  stepType: string;
  level: number;
  paramId: number;
  /** Steps (hours) at which the field exists, ascending. */
  steps: number[];
}

export interface ManifestPart {
  kind: "gik-templates";
  version: 1;
  referenceRun: RunId;
  shard: { index: number; count: number };
  members: string[];
  steps: number[];
  /** Where the control member's messages were found. */
  controlFile: "enfo-ef" | "oper-fc" | "none";
  grid: RegularLatLonGrid;
  fields: Record<string, FieldStructure>;
  sources: SourceFile[];
}

/** All parts of a template build, merged. */
export interface Manifest extends Omit<ManifestPart, "shard"> {
  parts: number;
  fingerprint: string;
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
  const first = parts[0];
  if (!first) throw new TemplateError(url, "no manifest part found: the templates were not built");
  const count = first.shard.count;
  const have = new Set(parts.map((p) => p.shard.index));
  const absent = Array.from({ length: count }, (_, i) => i).filter((i) => !have.has(i));
  if (absent.length > 0) {
    throw new TemplateError(
      url,
      `manifest parts ${absent.join(", ")} of ${count} are missing: the template build is incomplete`,
    );
  }
  const fields: Record<string, FieldStructure> = {};
  const steps = new Set<number>();
  for (const part of parts) {
    const where = `${url} (part ${part.shard.index} of ${count})`;
    if (part.shard.count !== count)
      throw new TemplateError(where, `shard count ${part.shard.count} differs from ${count}`);
    if (JSON.stringify(part.members) !== JSON.stringify(first.members))
      throw new TemplateError(where, "members differ between parts");
    if (JSON.stringify(part.grid) !== JSON.stringify(first.grid))
      throw new TemplateError(where, "grid differs between parts");
    for (const step of part.steps) steps.add(step);
    for (const [attrs, field] of Object.entries(part.fields)) {
      const known = fields[attrs];
      if (!known) {
        fields[attrs] = { ...field, steps: [...field.steps] };
        continue;
      }
      const { steps: _a, ...a } = known;
      const { steps: _b, ...b } = field;
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new TemplateError(where, `field ${attrs} differs between parts`);
      known.steps = [...new Set([...known.steps, ...field.steps])].sort((x, y) => x - y);
    }
  }
  const missingSteps = expectedSteps.filter((s) => !steps.has(s));
  if (missingSteps.length > 0) {
    throw new TemplateError(url, `no templates for steps ${missingSteps.join(", ")}`);
  }
  const controlFile = parts.find((p) => p.controlFile !== "none")?.controlFile ?? "none";
  const { shard: _shard, ...rest } = first;
  const merged = {
    ...rest,
    controlFile,
    steps: [...steps].sort((a, b) => a - b),
    fields: sortKeys(fields),
    sources: parts.flatMap((p) => p.sources),
  };
  return { ...merged, parts: count, fingerprint: structureFingerprint(merged) };
}

/** A digest of the structure only (grid, fields, members, steps): equal structures, equal digests. */
export function structureFingerprint(m: Pick<ManifestPart, "grid" | "fields" | "members" | "steps">): string {
  const canonical = JSON.stringify({
    grid: m.grid,
    fields: sortKeys(m.fields),
    members: [...m.members].sort(),
    steps: [...m.steps].sort((a, b) => a - b),
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
  if (part?.kind !== "gik-templates" || part.version !== 1) {
    throw new TemplateError(url, 'not a gik templates manifest (expected kind "gik-templates", version 1)');
  }
  for (const key of ["referenceRun", "shard", "members", "steps", "grid", "fields", "sources"] as const) {
    if (part[key] === undefined) throw new TemplateError(url, `manifest field "${key}" is missing`);
  }
  return part;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
