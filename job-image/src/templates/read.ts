/**
 * Reading templates back from a templates store: the merged manifest of a reference run (what the
 * later stages need of the templates), and the reference runs a store holds.
 *
 * @module
 */
import { TemplateError } from "../api/errors.js";
import { type RunId, runLabel, stepsOf } from "../api/run-id.js";
import type { Store } from "../storage/types.js";
import { manifestPrefix } from "./layout.js";
import { type Manifest, type ManifestPart, mergeManifestParts, parseManifestPart } from "./manifest.js";

/** The merged manifest of `run`'s templates, or undefined when no part of it exists. */
export async function findManifest(store: Store, run: RunId): Promise<Manifest | undefined> {
  const prefix = manifestPrefix(run);
  const keys: string[] = [];
  for await (const { key } of store.list(prefix)) if (key.endsWith(".json")) keys.push(key);
  // The parts of a sharded build (one per shard) are read at once, not one after another.
  const parts = (
    await Promise.all(
      keys.map(async (key) => {
        const bytes = await store.get(key);
        return bytes && parseManifestPart(bytes, store.url(key));
      }),
    )
  ).filter((part): part is ManifestPart => part !== undefined);
  if (parts.length === 0) return undefined;
  const manifest = mergeManifestParts(parts, store.url(prefix), stepsOf(run.cycle));
  if (manifest.referenceRun.date !== run.date || manifest.referenceRun.cycle !== run.cycle) {
    throw new TemplateError(
      store.url(prefix),
      `manifest is for ${runLabel(manifest.referenceRun)}, not ${runLabel(run)}`,
    );
  }
  return manifest;
}

/** Like {@link findManifest}, but a missing build is an error that says where it looked. */
export async function loadManifest(store: Store, run: RunId): Promise<Manifest> {
  const manifest = await findManifest(store, run);
  if (!manifest) {
    throw new TemplateError(
      store.url(manifestPrefix(run)),
      `no templates for reference run ${runLabel(run)}: build them with "gik templates build --date ${run.date} --cycle ${run.cycle}"`,
    );
  }
  return manifest;
}

/** Reference runs that have templates in `store` (from their manifest folders), newest first. */
export async function listReferenceRuns(store: Store): Promise<RunId[]> {
  const runs = new Map<string, RunId>();
  for await (const { key } of store.list("ecmwf/manifests/")) {
    const match = /^ecmwf\/manifests\/(\d{8})(\d{2})?\//.exec(key);
    if (!match) continue;
    const run = { date: match[1]!, cycle: Number(match[2] ?? 0) };
    runs.set(`${run.date}${run.cycle}`, run);
  }
  return [...runs.values()].sort((a, b) =>
    a.date === b.date ? b.cycle - a.cycle : a.date < b.date ? 1 : -1,
  );
}
