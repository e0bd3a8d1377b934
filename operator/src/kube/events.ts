/**
 * An Event recorder: `core/v1` Events about EcmwfRuns and TemplateBuilds (shown by
 * `kubectl describe` and `kubectl events`). Recording is best effort: a failure is logged and
 * never fails a reconcile.
 *
 * @module
 */
import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { GikResource } from "../../../job-image/src/api/index.js";
import type { Clock } from "../controller/clock.js";
import type { EventSink, EventSpec } from "./api.js";

/** The one call of `CoreV1Api` the recorder needs. */
export interface EventsClient {
  createNamespacedEvent(param: { namespace: string; body: CoreV1Event }): Promise<unknown>;
}

export interface EventRecorderOptions {
  client: EventsClient;
  /** `source.component` / `reportingComponent`. */
  component: string;
  /** This replica (`reportingInstance`), e.g. the pod name. */
  instance: string;
  clock: Clock;
  log: Logger;
}

/** An {@link EventSink} writing core/v1 Events. */
export function makeEventRecorder(options: EventRecorderOptions): EventSink {
  let sequence = 0;
  return {
    async emit(regarding: GikResource, event: EventSpec): Promise<void> {
      const now = options.clock.now();
      const { name, namespace, uid, resourceVersion } = regarding.metadata;
      sequence += 1;
      const suffix = `${now.getTime().toString(16)}${sequence.toString(16).padStart(4, "0")}`;
      const body: CoreV1Event = {
        metadata: { name: `${name.slice(0, 253 - suffix.length - 1)}.${suffix}`, namespace },
        involvedObject: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name,
          namespace,
          uid,
          resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message.slice(0, 1024),
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: options.component },
        reportingComponent: options.component,
        reportingInstance: options.instance,
        action: "Reconcile",
      };
      try {
        await options.client.createNamespacedEvent({ namespace, body });
      } catch (err) {
        options.log.warn(
          { err, reason: event.reason, object: `${namespace}/${name}` },
          "could not record Event",
        );
      }
    },
  };
}
