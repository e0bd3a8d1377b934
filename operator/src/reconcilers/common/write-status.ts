/**
 * Writing a computed status: patch the status subresource only when it differs from what was read,
 * then record the Events of the transitions. Events come after the write so that a failed write
 * (409 on a stale read) followed by a retry does not record them twice.
 *
 * @module
 */
import type { GikResource } from "../../../../job-image/src/api/index.js";
import type { EventSink, EventSpec, KubeApi } from "../../kube/api.js";
import { mergePatch } from "./merge-patch.js";

/** Writes `status` over `obj.status` if they differ; returns whether a patch was sent. */
export async function writeStatus(
  api: KubeApi,
  events: EventSink,
  obj: GikResource,
  plural: string,
  status: object,
  transitions: readonly EventSpec[],
): Promise<boolean> {
  const patch = mergePatch(obj.status ?? {}, status);
  if (patch === undefined) return false;
  const { namespace, name, resourceVersion } = obj.metadata;
  await api.patchStatus({ plural, namespace, name, resourceVersion }, patch as Record<string, unknown>);
  for (const event of transitions) await events.emit(obj, event);
  return true;
}
