/**
 * Choosing the reference run whose templates serve a target run, and building them on demand.
 *
 * Notes:
 * - Without an explicit reference date, the newest templates of the same cycle and grid that are
 *   not newer than the target are used; with none, the target run templates itself.
 * - Templates that lack some of the wanted members are rebuilt for the union of members.
 *
 * @module
 */
import { TemplateError } from "../api/errors.js";
import { type RunId, runLabel } from "../api/run-id.js";
import { resolutionOf } from "../source/layout.js";
import type { Manifest } from "../templates/manifest.js";
import { findManifest, listReferenceRuns, loadManifest } from "../templates/read.js";
import { buildTemplates, type TemplatesDeps } from "./templates.js";

export interface ReferenceInput {
  run: RunId;
  referenceDate?: string;
  members: readonly string[];
  /** Build missing templates (the CLI's local default), or fail naming where they were looked for. */
  buildIfMissing: boolean;
}

/**
 * The manifest of the templates of the reference run to use for `input.run` (its `referenceRun`),
 * present for every wanted member. Read once here: it is a run's only read of its templates, ~1 MB.
 */
export async function ensureTemplates(input: ReferenceInput, deps: TemplatesDeps): Promise<Manifest> {
  const referenceRun = input.referenceDate
    ? { date: input.referenceDate, cycle: input.run.cycle }
    : ((await newestUsable(deps, input.run)) ?? input.run);
  const manifest = await findManifest(deps.templates, referenceRun);
  const lacking = input.members.filter((m) => !manifest?.members.includes(m));
  if (manifest && lacking.length === 0) return manifest;
  if (!input.buildIfMissing) {
    throw new TemplateError(
      deps.templates.url(""),
      manifest
        ? `templates of ${runLabel(referenceRun)} lack members ${lacking.join(", ")}`
        : `no templates for reference run ${runLabel(referenceRun)}`,
    );
  }
  const members = [...new Set([...(manifest?.members ?? []), ...input.members])];
  deps.log.info(
    { reference: runLabel(referenceRun), members: members.length },
    "building templates on demand",
  );
  const { failures } = await buildTemplates({ run: referenceRun, members }, deps);
  const failed = input.members.filter((m) => failures.has(m));
  for (const m of failed)
    deps.log.warn({ member: m, err: failures.get(m)?.message }, "no templates for member");
  return loadManifest(deps.templates, referenceRun);
}

async function newestUsable(deps: TemplatesDeps, run: RunId): Promise<RunId | undefined> {
  const runs = await listReferenceRuns(deps.templates);
  return runs.find(
    (r) => r.cycle === run.cycle && r.date <= run.date && resolutionOf(r.date) === resolutionOf(run.date),
  );
}
