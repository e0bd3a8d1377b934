/**
 * The operator process: runs {@link runOperator} until SIGTERM or SIGINT, then exits. The only
 * place that calls `process.exit`.
 *
 * Exit codes: 0 after a requested shutdown; 1 after losing leadership or on a start-up failure
 * (the Deployment restarts the pod either way).
 *
 * @module
 */
import { hostname } from "node:os";
import { runOperator } from "./run-operator.js";

const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stop.abort());

runOperator({ env: process.env, hostname: hostname(), signal: stop.signal }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`gik-operator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
