/**
 * Errors of the stage library: one tagged class per kind of failure, each carrying typed fields
 * that say where the fault is (file, line, field) and keeping the original `cause`.
 *
 * The CLI and the job entrypoint turn a tag into an exit code through {@link isBadInput}: bad
 * input is not worth retrying (exit 2), everything else may be transient (exit 1). Callers
 * narrow with {@link isGikError}, never by matching message text.
 *
 * @module
 */

/** Base of every gik error. `_tag` names the kind; `badInput` says whether a retry could help. */
export abstract class GikError extends Error {
  abstract readonly _tag: string;
  /** True when the input itself is wrong, so running again with the same input fails again. */
  abstract readonly badInput: boolean;
}

/** A line of an index file (ECMWF `.index` or NOAA `.idx`) that cannot be read. */
export class IndexParseError extends GikError {
  readonly _tag = "IndexParseError";
  readonly badInput = true;
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${path}:${line}: ${reason}`, options);
    this.name = "IndexParseError";
  }
}

/** Bytes that are not a whole GRIB2 message where one was expected. */
export class GribFormatError extends GikError {
  readonly _tag = "GribFormatError";
  readonly badInput = true;
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${path} @ byte ${offset}: ${reason}`, options);
    this.name = "GribFormatError";
  }
}

/** A GRIB2 feature (template, table entry) this reader does not know how to interpret. */
export class GribUnsupportedError extends GikError {
  readonly _tag = "GribUnsupportedError";
  readonly badInput = true;
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly feature: string,
    options?: ErrorOptions,
  ) {
    super(`${path} @ byte ${offset}: unsupported ${feature}`, options);
    this.name = "GribUnsupportedError";
  }
}

/**
 * The bytes given to the GRIB2 header reader end before section 5 does, while the message (per its
 * section 0) is longer: not a fault of the input, the caller read too short a prefix and should read
 * at least `needBytes` bytes from the message start and try again.
 */
export class GribPrefixTooShortError extends GikError {
  readonly _tag = "GribPrefixTooShortError";
  readonly badInput = false;
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly haveBytes: number,
    readonly needBytes: number,
    options?: ErrorOptions,
  ) {
    super(
      `${path} @ byte ${offset}: header needs ${needBytes} bytes of the message, got ${haveBytes}`,
      options,
    );
    this.name = "GribPrefixTooShortError";
  }
}

/** An object that must exist (a step file, its index, a template) is not there. */
export class NotFoundError extends GikError {
  readonly _tag = "NotFoundError";
  readonly badInput = true;
  constructor(
    readonly url: string,
    readonly what: string,
    options?: ErrorOptions,
  ) {
    super(`${what} not found: ${url}`, options);
    this.name = "NotFoundError";
  }
}

/**
 * Files of a run that ECMWF had not published by the run's deadline: named, with the deadline.
 * Bad input: waiting longer was what the deadline said not to do.
 */
export class SourceNotPublishedError extends GikError {
  readonly _tag = "SourceNotPublishedError";
  readonly badInput = true;
  constructor(
    readonly urls: readonly string[],
    readonly deadline: string,
    options?: ErrorOptions,
  ) {
    super(`not published by the deadline ${deadline}: ${urls.join(", ")}`, options);
    this.name = "SourceNotPublishedError";
  }
}

/** A byte range named by an index or a store that does not fit its file. */
export class ByteRangeError extends GikError {
  readonly _tag = "ByteRangeError";
  readonly badInput = true;
  constructor(
    readonly url: string,
    readonly offset: number,
    readonly length: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${url} [${offset}, +${length}): ${reason}`, options);
    this.name = "ByteRangeError";
  }
}

/**
 * The target run's structure differs from its templates: fields in the fresh index the templates
 * do not know (`unknown`), or template fields the index lacks (`missing`). Names are `attrs` keys.
 */
export class StructureDriftError extends GikError {
  readonly _tag = "StructureDriftError";
  readonly badInput = true;
  constructor(
    readonly where: string,
    readonly matched: number,
    readonly unknown: readonly string[],
    readonly missing: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `${where}: structure drift: ${matched} matched, ${unknown.length} unknown to the templates` +
        `${unknown.length ? ` (${preview(unknown)})` : ""}, ${missing.length} missing from the index` +
        `${missing.length ? ` (${preview(missing)})` : ""}`,
      options,
    );
    this.name = "StructureDriftError";
  }
}

/** A template file or manifest that is missing a column, holds a bad value, or contradicts its run. */
export class TemplateError extends GikError {
  readonly _tag = "TemplateError";
  readonly badInput = true;
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${url}: ${reason}`, options);
    this.name = "TemplateError";
  }
}

/** A reference set or a published store that breaks the kerchunk/fsspec reference layout. */
export class RefsError extends GikError {
  readonly _tag = "RefsError";
  readonly badInput = true;
  constructor(
    /** The reference key or store file at fault (`t2m/.zarray`, `t2m/refs.0.parq`, `.zmetadata`). */
    readonly key: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${key}: ${reason}`, options);
    this.name = "RefsError";
  }
}

/** A value given by a user (CLI flag, CRD field, environment variable) that is not acceptable. */
export class UsageError extends GikError {
  readonly _tag = "UsageError";
  readonly badInput = true;
  constructor(
    readonly field: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${reason}`, options);
    this.name = "UsageError";
  }
}

/**
 * A run a forecast collection cannot take as it is (another grid, a step or cycle the collection's
 * axes do not have), or a collection whose record cannot be read: named, both sides said.
 */
export class CollectionError extends GikError {
  readonly _tag = "CollectionError";
  readonly badInput = true;
  constructor(
    /** The collection's URL. */
    readonly url: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${url}: ${reason}`, options);
    this.name = "CollectionError";
  }
}

/** A storage request that failed after its retries, or with a status that retrying cannot fix. */
export class StorageError extends GikError {
  readonly _tag = "StorageError";
  readonly badInput = false;
  /** The backend's or the network's error code (`SlowDown`, `NoSuchBucket`, `ECONNRESET`), when known. */
  readonly code: string | undefined;
  /** True when the same request may succeed later (throttling, 5xx, dropped connection). */
  readonly retryable: boolean;
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    readonly reason: string,
    options?: ErrorOptions & { code?: string; retryable?: boolean },
  ) {
    super(`${url}: ${reason}${status === undefined ? "" : ` (HTTP ${status})`}`, options);
    this.name = "StorageError";
    this.code = options?.code;
    this.retryable = options?.retryable ?? false;
  }
}

/** A write's precondition: the object is still the version read, or there is no object. */
export type WriteCondition = { ifMatch: string } | { ifNoneMatch: "*" };

/**
 * A conditional write refused because the object is not the version the writer expected: it changed
 * since the writer read it (`expected.ifMatch`), or it exists where the writer meant to create it
 * (`expected.ifNoneMatch`). Another writer got there first; the caller re-reads and tries again.
 *
 * Its own tag rather than a `StorageError` with a code: a lost race is an outcome the caller must
 * branch on, not a failure of storage, and nothing that handles `StorageError`s in general (the
 * retries of `storage/retry.ts`, which retry only `StorageError`s, or a catch that gives up on them)
 * should take it for one. It unifies what the backends say (S3 `412 PreconditionFailed` and
 * `409 ConditionalRequestConflict`, GCS 412, the file lock's compare) into one shape. Not bad input:
 * left uncaught, it ends a run as a transient failure.
 */
export class PreconditionFailedError extends GikError {
  readonly _tag = "PreconditionFailedError";
  readonly badInput = false;
  constructor(
    readonly url: string,
    /** The store key written. */
    readonly key: string,
    /** What the writer required: the version it read, or that no object exist. */
    readonly expected: WriteCondition,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    const wanted = "ifMatch" in expected ? `version ${expected.ifMatch}` : "no object";
    super(`${url}: precondition failed: expected ${wanted}; ${reason}`, options);
    this.name = "PreconditionFailedError";
  }
}

export type GikErrorTag =
  | IndexParseError["_tag"]
  | GribFormatError["_tag"]
  | GribUnsupportedError["_tag"]
  | GribPrefixTooShortError["_tag"]
  | NotFoundError["_tag"]
  | SourceNotPublishedError["_tag"]
  | ByteRangeError["_tag"]
  | StructureDriftError["_tag"]
  | TemplateError["_tag"]
  | RefsError["_tag"]
  | UsageError["_tag"]
  | CollectionError["_tag"]
  | StorageError["_tag"]
  | PreconditionFailedError["_tag"];

/** Narrows `err` to a gik error, optionally of one of the given tags. */
export function isGikError(err: unknown, ...tags: GikErrorTag[]): err is GikError {
  return err instanceof GikError && (tags.length === 0 || tags.includes(err._tag as GikErrorTag));
}

/** True when `err` is a conditional write that lost its race: re-read the object and try again. */
export function isPreconditionFailed(err: unknown): err is PreconditionFailedError {
  return err instanceof PreconditionFailedError;
}

/** True when `err` says the input is wrong, so a retry with the same input cannot succeed. */
export function isBadInput(err: unknown): boolean {
  return err instanceof GikError && err.badInput;
}

function preview(names: readonly string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown}, … ${names.length - 8} more` : shown;
}
