/**
 * The storage of the soak: a MinIO of its own, and the faulty path the Job pods take to it —
 * toxiproxy adding latency, in front of the SlowDown proxy answering a seeded share of requests
 * `503 SlowDown`, in front of MinIO.
 *
 * Why its own MinIO and not the setup's: the soak kills MinIO. The setup's lives in the vitest
 * global-setup process, out of a test file's reach, and every later test file needs it whole; a
 * MinIO started here is killed and restarted by the process that watches the outcome, and if this
 * file crashes, its run directory (`openServerSet`) is reaped by the next test run like any other.
 * The setup's toxiproxy is shared: a proxy made here has a name of its own.
 *
 * @module
 */
import { cachePaths } from "../infra/cache-paths.js";
import type { InfraEndpoints, S3Endpoint } from "../infra/endpoints.js";
import { httpJson } from "../infra/http-request.js";
import { type MinioServer, startMinio } from "../infra/minio.js";
import { openServerSet } from "../infra/server-set.js";
import { type SlowDownState, startSlowDownProxy } from "../infra/slowdown-proxy.js";
import { addToxic, createProxy } from "../infra/toxiproxy.js";

export interface FaultyS3 {
  /** MinIO, direct: for setting up and checking, never faulty. */
  direct: S3Endpoint;
  /** The same MinIO through the latency and the SlowDown proxies: what the pods use. */
  faulty: S3Endpoint;
  /** What the SlowDown proxy did since the start: requests seen, `503 SlowDown` answered. */
  slowDowns(): Promise<Pick<SlowDownState, "requests" | "slowDowns">>;
  /** SIGKILLs MinIO: every request fails until {@link restartMinio}. */
  killMinio(): void;
  /** Starts MinIO again on the same data and port; resolves once it serves. */
  restartMinio(): Promise<void>;
  close(): Promise<void>;
}

export interface FaultyS3Options {
  latencyMs: number;
  /** Share of requests answered `503 SlowDown`, drawn from `seed`. */
  slowDownShare: number;
  seed: number;
  log: (line: string) => void;
}

/** Starts MinIO and the proxies in front of it. */
export async function startFaultyS3(infra: InfraEndpoints, options: FaultyS3Options): Promise<FaultyS3> {
  const set = openServerSet(cachePaths(), options.log);
  try {
    const minio: MinioServer = await startMinio(set.run, `${infra.bin.minio}/minio`);
    set.track(minio.server);
    const slowDown = await startSlowDownProxy({ host: "127.0.0.1", port: minio.port });
    set.onStop(() => slowDown.close());
    const control = `${slowDown.controlUrl}/config`;
    await httpJson(control, { method: "PUT", body: { share: options.slowDownShare, seed: options.seed } });
    const api = infra.s3Toxic.toxiproxyApi;
    const name = `soak-${process.pid}-${Date.now().toString(36)}`;
    const url = await createProxy(api, name, new URL(slowDown.url).host);
    await addToxic(api, name, { type: "latency", attributes: { latency: options.latencyMs, jitter: 0 } });
    set.onStop(() => httpJson(`${api}/proxies/${name}`, { method: "DELETE" }));
    return {
      direct: minio.endpoint,
      faulty: { ...minio.endpoint, endpoint: url },
      slowDowns: () => httpJson<SlowDownState>(control),
      killMinio: () => process.kill(minio.server.pid, "SIGKILL"),
      restartMinio: async () => set.track(await minio.restart()),
      close: () => set.stop(),
    };
  } catch (err) {
    await set.stop();
    throw err;
  }
}
