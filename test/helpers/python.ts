/**
 * The Python interpreter of the reader environment (xarray, zarr, kerchunk, ecCodes, …), for
 * tests that run Python.
 *
 * @module
 */

import { ensurePythonEnvSync } from "../infra/python-env.js";

/**
 * Path of the Python interpreter to run readers with: `GIK_PYTHON` when set, otherwise the
 * reader environment built from `test/python/requirements.txt` under `~/.cache/gik-test/pyenv-reader-<hash>`.
 *
 * Synchronous: when that environment does not exist yet, this call creates it, blocking for the
 * few minutes pip needs (other processes doing the same wait for the first one).
 */
export function pythonPath(): string {
  return process.env.GIK_PYTHON || ensurePythonEnvSync();
}
