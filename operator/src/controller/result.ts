/**
 * The reconcile contract (controller-runtime's): a reconciler gets only a key, re-reads the world,
 * and either returns a {@link Result} or throws. Throwing means "retry with backoff"; throwing a
 * {@link TerminalError} means "log and count, do not retry". A result and an error together cannot
 * be expressed, so the ambiguity controller-runtime warns about does not exist here.
 *
 * @module
 */
import type { ObjectKey } from "../../../job-image/src/api/index.js";

/** What a successful reconcile asks for: nothing, or another look after `requeueAfterMs`. */
export interface Result {
  requeueAfterMs?: number;
}

/** A level-based reconciler: the key names the object, never the event that woke it. */
export type Reconciler = (key: ObjectKey) => Promise<Result>;

/** An error that retrying cannot fix; the controller logs and counts it and forgets the key. */
export class TerminalError extends Error {
  readonly _tag = "TerminalError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** `namespace/name`, the queue's key of an object. */
export function keyOf(key: ObjectKey): string {
  return `${key.namespace}/${key.name}`;
}

/** The inverse of {@link keyOf}. */
export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
