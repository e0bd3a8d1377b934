/**
 * MinIO on 127.0.0.1 with a fresh data directory and credentials made up for this run. A test that
 * kills it (a storage outage) starts it again with `restart()`: same data, port and credentials, so
 * clients and proxies in front of it need no new settings.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import type { S3Endpoint } from "./endpoints.js";
import { httpOk } from "./http-request.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { freePort, startServer, waitReady } from "./server-process.js";

export interface MinioServer {
  /** The process serving now: a new one after each `restart()`. */
  readonly server: ServerProcess;
  endpoint: S3Endpoint;
  port: number;
  /**
   * Stops the process if it still runs, starts MinIO again on the same data directory, port and
   * credentials and waits until it serves; returns the new process (for the caller to track).
   */
  restart(): Promise<ServerProcess>;
}

/** Starts MinIO from `bin` and waits until it serves requests. */
export async function startMinio(run: RunDir, bin: string): Promise<MinioServer> {
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKeyId = `gik${randomBytes(6).toString("hex")}`;
  const secretAccessKey = randomBytes(20).toString("hex");
  const data = run.data("minio");
  const home = run.data("minio-home");
  const endpoint = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const server = startServer(run, {
      name: "minio",
      command: bin,
      args: [
        "server",
        data,
        "--address",
        `127.0.0.1:${port}`,
        "--console-address",
        `127.0.0.1:${consolePort}`,
      ],
      env: {
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_BROWSER: "off",
        MINIO_UPDATE: "off",
        // MinIO keeps certificates and config under $HOME/.minio: keep them in the run directory.
        HOME: home,
      },
    });
    await waitReady(server, () => httpOk(`${endpoint}/minio/health/ready`), 60_000);
    return server;
  };
  let server = await launch();
  return {
    get server() {
      return server;
    },
    port,
    endpoint: { endpoint, region: "us-east-1", accessKeyId, secretAccessKey },
    restart: async () => {
      await server.stop();
      server = await launch();
      return server;
    },
  };
}
