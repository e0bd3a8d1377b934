/**
 * How far ECMWF has published a run, as a member pod that waits for it says in its log: a JSON
 * record `{"msg":"source","published":N,"total":M,"complete":bool}` (pino) each time the count
 * changes. Pods have no API access, and a count that changes while the pod runs cannot wait for
 * its termination message, so the log is how it reaches the operator (`SourceAvailable`).
 *
 * @module
 */

/** The `msg` of a source record. */
export const SOURCE_LOG_MESSAGE = "source";

/**
 * Steps of the run whose files (GRIB file and index) are published, of all its steps. A type, not
 * an interface, so that it is a logger's record as it is.
 */
export type SourceProgress = {
  published: number;
  total: number;
  complete: boolean;
};

/**
 * The newest source record in `log` (JSON lines, as a pod log reads; other lines are skipped), or
 * `undefined` when there is none.
 */
export function latestSourceProgress(log: string): SourceProgress | undefined {
  const lines = log.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const progress = sourceRecord(lines[i]!);
    if (progress) return progress;
  }
  return undefined;
}

function sourceRecord(line: string): SourceProgress | undefined {
  if (!line.includes(`"${SOURCE_LOG_MESSAGE}"`)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const r = record as Record<string, unknown>;
  const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (
    r?.msg !== SOURCE_LOG_MESSAGE ||
    !count(r.published) ||
    !count(r.total) ||
    typeof r.complete !== "boolean"
  )
    return undefined;
  return { published: r.published as number, total: r.total as number, complete: r.complete };
}
