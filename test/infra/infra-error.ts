/**
 * The one error of the test infrastructure: a component that could not be built or started. It
 * names the component, the step that failed and the log file holding the details, so a red CI run
 * says where to look without re-running anything.
 *
 * @module
 */

export class InfraError extends Error {
  readonly _tag = "InfraError";
  constructor(
    readonly component: string,
    readonly step: string,
    readonly reason: string,
    readonly logPath?: string,
    options?: ErrorOptions,
  ) {
    super(`${component}: ${step} failed: ${reason}${logPath ? ` (log: ${logPath})` : ""}`, options);
    this.name = "InfraError";
  }
}
