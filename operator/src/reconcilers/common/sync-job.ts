/**
 * Bringing the one Job of an object to what its spec asks, without ever making a second one.
 *
 * - No Job yet: server-side apply of the desired Job. Its name is fixed by the owner's name, so a
 *   repeated apply (a stale cache, an operator restart) updates the same Job.
 * - A Job exists: its pod template and most of its spec are immutable, so only `parallelism` is
 *   brought to the spec's value. Any other spec change is reported (`specChanged`), not applied.
 * - A Job in a Kueue queue is never scaled: Kueue sets its `parallelism` on admission (lower than
 *   asked on partial admission), refuses a change while it runs, and would take a change for a
 *   different Job. Kueue alone suspends and resumes it; the operator never names `spec.suspend`.
 *
 * @module
 */
import type { V1Job } from "@kubernetes/client-node";
import type { KubeApi } from "../../kube/api.js";
import { SPEC_HASH_ANNOTATION } from "../../kube/labels.js";
import { queueManaged } from "./job-state.js";

/** What {@link syncJob} did. */
export interface JobSync {
  /** The Job as it now is (the apply's answer, or the existing Job). */
  job: V1Job;
  action: "created" | "scaled" | "unchanged";
  /** The existing Job was made from a different spec (beyond `parallelism`). */
  specChanged: boolean;
}

/** Creates the Job if missing, else scales it to the desired parallelism when that differs. */
export async function syncJob(api: KubeApi, existing: V1Job | undefined, desired: V1Job): Promise<JobSync> {
  if (!existing) return { job: await api.applyJob(desired), action: "created", specChanged: false };
  const specChanged =
    existing.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !==
    desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
  const want = desired.spec?.parallelism;
  if (want === undefined || existing.spec?.parallelism === want || queueManaged(existing)) {
    return { job: existing, action: "unchanged", specChanged };
  }
  const { namespace = "", name = "" } = existing.metadata ?? {};
  await api.scaleJob(namespace, name, want);
  return {
    job: { ...existing, spec: { ...existing.spec!, parallelism: want } },
    action: "scaled",
    specChanged,
  };
}
