/**
 * What the commit pod of an EcmwfRun says when it ends, in its termination message
 * (`termination-message.ts`): what became of the ensemble store and of the collection append, so
 * the operator can show the store's URL and which collection version the run landed in
 * (`status.ensemble`, `status.collection`) without reading storage itself.
 *
 * Notes:
 * - The pod's exit code says whether the commit as a whole succeeded (0) or not (1, 2: bad input);
 *   the report says what each part did. A commit that threw before either part was tried reports
 *   only `phase`, `reason` and `message`.
 * - A collection `slot` and `slots` are the run's place on the collection's time axis and the
 *   axis's length after the append; both are absent when the run was there already with the same
 *   inputs (nothing appended).
 *
 * @module
 */
import {
  asRecord,
  encodeWithinLimit,
  messageCut,
  numberField,
  parseReportObject,
  stringField,
} from "./termination-message.js";

const KIND = "gik-commit-report";

/** What became of the ensemble store: written, already up to date, or failed (with why). */
export interface EnsembleReport {
  status: "written" | "unchanged" | "failed";
  url: string;
  /** Members without a part (failed), absent (NaN) in the store. */
  failed: string[];
  message?: string;
}

/** What became of the collection append. */
export interface CollectionReport {
  status: "appended" | "replaced" | "unchanged" | "failed";
  url: string;
  slot?: number;
  slots?: number;
  message?: string;
}

export interface CommitReport {
  kind: typeof KIND;
  phase: "Succeeded" | "Failed";
  ensemble?: EnsembleReport;
  collection?: CollectionReport;
  /** The error's tag when the commit failed before either part was tried. */
  reason?: string;
  message?: string;
  startTime: string;
  completionTime: string;
}

const ENSEMBLE_STATUSES: readonly string[] = ["written", "unchanged", "failed"];
const COLLECTION_STATUSES: readonly string[] = ["appended", "replaced", "unchanged", "failed"];

/** The JSON of `report`, within the termination message's limit (its messages are cut to fit). */
export function encodeCommitReport(report: CommitReport): string {
  const { ensemble, collection } = report;
  const longest = Math.max(
    0,
    ...[report.message, ensemble?.message, collection?.message].map((m) => m?.length ?? 0),
  );
  return encodeWithinLimit(
    (keep) => ({
      ...messageCut(report, keep),
      ...(ensemble ? { ensemble: messageCut(ensemble, keep) } : {}),
      ...(collection ? { collection: messageCut(collection, keep) } : {}),
    }),
    longest,
  );
}

/** The report in a termination message, or `undefined` when the message is something else. */
export function parseCommitReport(text: string | undefined): CommitReport | undefined {
  const r = parseReportObject(text, KIND);
  if (
    !r ||
    (r.phase !== "Succeeded" && r.phase !== "Failed") ||
    typeof r.startTime !== "string" ||
    typeof r.completionTime !== "string"
  ) {
    return undefined;
  }
  const ensemble = ensembleReport(r.ensemble);
  const collection = collectionReport(r.collection);
  return {
    kind: KIND,
    phase: r.phase,
    ...(ensemble ? { ensemble } : {}),
    ...(collection ? { collection } : {}),
    ...stringField("reason", r.reason),
    ...stringField("message", r.message),
    startTime: r.startTime,
    completionTime: r.completionTime,
  };
}

function ensembleReport(value: unknown): EnsembleReport | undefined {
  const e = asRecord(value);
  if (!e || !ENSEMBLE_STATUSES.includes(e.status as string) || typeof e.url !== "string") return undefined;
  const failed = Array.isArray(e.failed) ? e.failed.filter((m): m is string => typeof m === "string") : [];
  return {
    status: e.status as EnsembleReport["status"],
    url: e.url,
    failed,
    ...stringField("message", e.message),
  };
}

function collectionReport(value: unknown): CollectionReport | undefined {
  const c = asRecord(value);
  if (!c || !COLLECTION_STATUSES.includes(c.status as string) || typeof c.url !== "string") return undefined;
  return {
    status: c.status as CollectionReport["status"],
    url: c.url,
    ...numberField("slot", c.slot),
    ...numberField("slots", c.slots),
    ...stringField("message", c.message),
  };
}
