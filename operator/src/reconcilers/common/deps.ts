/**
 * What a reconciler works with, as fields rather than globals ("to make testing simpler"): the
 * informer caches it reads, the API writes and Events it makes, the clock, and the Job defaults.
 *
 * @module
 */
import type { Logger } from "pino";
import type { JobDefaults } from "../../config.js";
import type { Clock } from "../../controller/clock.js";
import type { Caches, EventSink, KubeApi } from "../../kube/api.js";

export interface ReconcilerDeps {
  caches: Caches;
  api: KubeApi;
  events: EventSink;
  clock: Clock;
  defaults: JobDefaults;
  log: Logger;
}
