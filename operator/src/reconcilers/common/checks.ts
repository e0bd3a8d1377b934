/**
 * Policy chains (cert-manager's `policies.Chain`): an ordered list of checks over a plain input,
 * each either passing (`undefined`) or deciding. {@link evaluate} returns the first decision.
 *
 * @module
 */
import type { Reason, SpecProblem } from "../../../../job-image/src/api/index.js";

/** What a chain decides: stop on a bad spec, wait for something outside, or go ahead with `T`. */
export type Verdict<T> =
  | { kind: "stalled"; problem: SpecProblem }
  | { kind: "wait"; reason: Reason; message: string; requeueAfterMs: number }
  | { kind: "go"; reason: Reason; message: string; value: T };

export type Check<I, T> = (input: I) => Verdict<T> | undefined;

/** The first verdict of `chain` on `input`; the chain's last check must always decide. */
export function evaluate<I, T>(chain: readonly Check<I, T>[], input: I): Verdict<T> {
  for (const check of chain) {
    const verdict = check(input);
    if (verdict) return verdict;
  }
  throw new Error("policy chain ended without a verdict: its last check must always decide");
}

/** How long to wait before looking again at a Job of our name that another object controls. */
export const FOREIGN_JOB_REQUEUE_MS = 5_000;
