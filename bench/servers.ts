/**
 * The stand-in for S3 the benchmarks run against: MinIO, behind the counting proxy, behind
 * toxiproxy with a latency toxic, all started from the test infrastructure's pinned builds.
 *
 *   client → toxiproxy (+latency per response) → counting proxy → MinIO
 *
 * `s3` is what every benchmarked client talks to; `direct` is MinIO itself, for loading the mirror
 * and for checks whose traffic must not be counted.
 *
 * @module
 */

import { gikS3Env } from "../test/helpers/gik-cli.js";
import { buildAll } from "../test/infra/build-all.js";
import { cachePaths } from "../test/infra/cache-paths.js";
import type { S3Endpoint } from "../test/infra/endpoints.js";
import { startMinio } from "../test/infra/minio.js";
import { openServerSet } from "../test/infra/server-set.js";
import { addToxic, createProxy, startToxiproxy } from "../test/infra/toxiproxy.js";
import { type CountingProxy, startCountingProxy } from "./counting-proxy.js";
import { type ServerCpu, serverCpuReader } from "./server-cpu.js";

export interface BenchServers {
  /** MinIO as the benchmarked clients see it: through toxiproxy and the counting proxy. */
  s3: S3Endpoint;
  /** MinIO itself. */
  direct: S3Endpoint;
  counter: CountingProxy;
  /** CPU used so far by MinIO, toxiproxy, the bench's process (the counting proxy) and the machine. */
  cpu: () => ServerCpu;
  /** Interpreters of the test infrastructure's Python environments. */
  python: { reader: string; peers: string };
  stop(): Promise<void>;
}

/** Builds what the cache lacks, starts the servers and adds `latencyMs` to every response. */
export async function startBenchServers(
  latencyMs: number,
  log: (line: string) => void,
): Promise<BenchServers> {
  const paths = cachePaths();
  const built = await buildAll(paths, log, ["minio", "toxiproxy"]);
  const set = openServerSet(paths, log);
  const { run, track, stop } = set;
  try {
    const minio = await startMinio(run, built.go.minio.bin.minio!);
    track(minio.server);
    const counter = await startCountingProxy({ host: "127.0.0.1", port: minio.port });
    set.onStop(() => counter.close());
    const toxiproxy = await startToxiproxy(run, built.go.toxiproxy.bin["toxiproxy-server"]!);
    track(toxiproxy.server);
    const url = await createProxy(toxiproxy.api, "bench-s3", `127.0.0.1:${counter.port}`);
    await addToxic(toxiproxy.api, "bench-s3", { type: "latency", attributes: { latency: latencyMs } });
    log(`MinIO ${minio.endpoint.endpoint}, through ${latencyMs} ms of latency at ${url}; logs in ${run.dir}`);
    return {
      s3: { ...minio.endpoint, endpoint: url },
      direct: minio.endpoint,
      counter,
      cpu: serverCpuReader({ minio: minio.server.pid, toxiproxy: toxiproxy.server.pid }),
      python: built.python,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The environment that points the AWS SDK (gik), s3fs and obstore at `s3`. */
export function s3Env(s3: S3Endpoint): Record<string, string> {
  return {
    ...gikS3Env(s3),
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_DEFAULT_REGION: s3.region,
    AWS_ALLOW_HTTP: "true",
  };
}
