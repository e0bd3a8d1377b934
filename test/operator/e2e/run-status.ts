/**
 * Reading what a run says about itself in the end-to-end tests: its conditions, its Events, its
 * pods by completion index, and the whole status of a run that succeeded.
 *
 * @module
 */
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { expect } from "vitest";
import type { Condition, EcmwfRun } from "../../../job-image/src/api/index.js";
import { until } from "../helpers/until.js";
import type { Kubectl } from "./cluster.js";
import { ok } from "./cluster.js";
import { RUN_JOB, storeUrl } from "./manifests.js";

export const condition = (run: EcmwfRun, type: string): Condition | undefined =>
  run.status?.conditions?.find((c) => c.type === type);

/** The Events about object `name` in `ns`, oldest first. */
export async function eventsOf(kubectl: Kubectl, ns: string, name: string): Promise<CoreV1Event[]> {
  const out = ok(
    await kubectl([
      "get",
      "events",
      "-n",
      ns,
      "--field-selector",
      `involvedObject.name=${name}`,
      "-o",
      "json",
    ]),
  );
  const items = (JSON.parse(out) as { items: CoreV1Event[] }).items;
  return items.sort((a, b) => String(a.firstTimestamp).localeCompare(String(b.firstTimestamp)));
}

/**
 * The Events about `name` once each of `reasons` is among them: the operator writes a run's status
 * first and its Events after, so a run seen ended may not have them yet.
 */
export function eventsWith(
  kubectl: Kubectl,
  ns: string,
  name: string,
  reasons: readonly string[],
): Promise<CoreV1Event[]> {
  return until(`Events ${reasons.join(", ")} of ${name}`, async () => {
    const events = await eventsOf(kubectl, ns, name);
    return reasons.every((r) => events.some((e) => e.reason === r)) ? events : undefined;
  });
}

/** Pods grouped by their completion index. */
export function podsByIndex(pods: readonly V1Pod[]): Map<number, V1Pod[]> {
  const out = new Map<number, V1Pod[]>();
  for (const pod of pods) {
    const index = Number(pod.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"]);
    out.set(index, [...(out.get(index) ?? []), pod]);
  }
  return out;
}

/** The exit code of a finished pod's `gik` container. */
export const exitCode = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;

/**
 * Asserts the whole status of a run of `members` in namespace `ns` that succeeded: phase, counts,
 * times, conditions, and every member's entry naming its store and reference count.
 */
export function expectSucceededRun(run: EcmwfRun, ns: string, members: readonly string[]): void {
  expect(run.status).toMatchObject({
    phase: "Succeeded",
    observedGeneration: run.metadata.generation,
    completedMembers: members.length,
    failedMembers: 0,
    totalMembers: members.length,
    jobName: RUN_JOB,
  });
  expect(run.status?.failedMemberNames ?? []).toEqual([]);
  expect(Date.parse(run.status?.completionTime ?? "")).toBeGreaterThanOrEqual(
    Date.parse(run.status?.startTime ?? ""),
  );
  const conditions = Object.fromEntries((run.status?.conditions ?? []).map((c) => [c.type, c.status]));
  expect(conditions).toMatchObject({ TemplatesReady: "True", Succeeded: "True", Progressing: "False" });
  expect(conditions.Failed).not.toBe("True");
  expect(Object.keys(run.status?.members ?? {}).sort()).toEqual([...members].sort());
  for (const member of members) {
    const entry = run.status?.members?.[member];
    expect(entry, member).toMatchObject({
      phase: "Succeeded",
      output: storeUrl(ns, member),
      message: "written",
    });
    expect(entry?.refs, member).toBeGreaterThan(600);
    expect(entry?.startTime, member).toBeDefined();
    expect(entry?.completionTime, member).toBeDefined();
  }
}

/** "12 s" from a status's start to its completion time. */
export const took = (status?: { startTime?: string; completionTime?: string }) =>
  `${((Date.parse(status?.completionTime ?? "") - Date.parse(status?.startTime ?? "")) / 1000).toFixed(0)} s`;
