/**
 * The EcmwfRun a schedule makes for one cycle: the run template with the cycle's date and hour,
 * named after the schedule and the cycle, owned (as controller) by the schedule. Pure.
 *
 * Notes:
 * - The name is derived from the schedule's name and the cycle alone, so one cycle can only ever
 *   have one run: a second create of it (an operator restarted before its status write, a second
 *   replica, a stale cache) is refused by the API server with 409 AlreadyExists.
 * - Names end in the cycle's `YYYYMMDDHH` whatever the schedule's name is; a schedule name too long
 *   for that is cut and given a hash of itself, so two schedules' names stay apart.
 * - A run template's collection without `cycles` gets the schedule's: whichever run creates the
 *   collection, it then has a slot for every cycle the schedule makes runs of.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  API_VERSION,
  type Cycle,
  ECMWF_RUN,
  type EcmwfRunSpec,
  type EcmwfSchedule,
  type RunId,
} from "../../../../job-image/src/api/index.js";
import type { NewRun } from "../../kube/api.js";
import { MANAGED_BY, MANAGED_BY_LABEL, SCHEDULE_LABEL } from "../../kube/labels.js";
import { labelValue } from "../common/indexed-job.js";
import { runStamp } from "./schedule.js";

/** Longest object name (a DNS subdomain). */
const MAX_NAME = 253;
/** `-YYYYMMDDHH`. */
const STAMP_LENGTH = 11;

/**
 * `<schedule>-<YYYYMMDDHH>`, or `<cut schedule>-<hash>-<YYYYMMDDHH>` when that would be longer than
 * a name may be.
 *
 * @example scheduledRunName("ens", { date: "20250101", cycle: 6 }) // "ens-2025010106"
 */
export function scheduledRunName(schedule: string, run: RunId): string {
  const stamp = runStamp(run);
  if (schedule.length + STAMP_LENGTH <= MAX_NAME) return `${schedule}-${stamp}`;
  const hash = createHash("sha256").update(schedule).digest("hex").slice(0, 8);
  const cut = schedule.slice(0, MAX_NAME - STAMP_LENGTH - hash.length - 1).replace(/[-.]+$/, "");
  return `${cut}-${hash}-${stamp}`;
}

/** The run `schedule` makes for `run`. */
export function desiredRun(schedule: EcmwfSchedule, run: RunId): NewRun {
  const { name, namespace, uid } = schedule.metadata;
  return {
    apiVersion: API_VERSION,
    kind: ECMWF_RUN.kind,
    metadata: {
      name: scheduledRunName(name, run),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SCHEDULE_LABEL]: labelValue(name) },
      ownerReferences: [
        {
          apiVersion: schedule.apiVersion,
          kind: schedule.kind,
          name,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...structuredClone(schedule.spec.runTemplate),
      ...collectionOf(schedule),
      date: run.date,
      cycle: run.cycle as Cycle,
    },
  };
}

/** The template's collection, with the schedule's cycles (ascending) when it names none. */
function collectionOf(schedule: EcmwfSchedule): Pick<EcmwfRunSpec, "collection"> {
  const { collection } = schedule.spec.runTemplate;
  if (!collection) return {};
  const cycles = collection.cycles ?? [...schedule.spec.cycles].sort((a, b) => a - b);
  return { collection: { url: collection.url, cycles: [...cycles] } };
}
