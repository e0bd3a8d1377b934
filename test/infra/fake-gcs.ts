/**
 * fake-gcs-server on 127.0.0.1 over plain HTTP, storing objects in the run's data directory.
 * `@google-cloud/storage` talks to it when `STORAGE_EMULATOR_HOST` (or `apiEndpoint`) is its URL.
 *
 * @module
 */

import { httpOk } from "./http-request.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { freePort, startServer, waitReady } from "./server-process.js";

export interface FakeGcsServer {
  server: ServerProcess;
  emulatorHost: string;
}

/** Starts fake-gcs-server from `bin` and waits until it lists buckets. */
export async function startFakeGcs(run: RunDir, bin: string): Promise<FakeGcsServer> {
  const port = await freePort();
  const emulatorHost = `http://127.0.0.1:${port}`;
  const server = startServer(run, {
    name: "fake-gcs-server",
    command: bin,
    args: [
      ...["-scheme", "http", "-host", "127.0.0.1", "-port", String(port)],
      ...["-backend", "filesystem", "-filesystem-root", run.data("fake-gcs")],
      // Resumable uploads continue at the URL the server hands out: make it this address.
      ...["-external-url", emulatorHost, "-public-host", `127.0.0.1:${port}`, "-log-level", "warn"],
    ],
  });
  await waitReady(server, () => httpOk(`${emulatorHost}/storage/v1/b`));
  return { server, emulatorHost };
}
