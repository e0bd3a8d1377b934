/**
 * `/healthz`, `/readyz` and `/metrics` on one small `node:http` server. {@link route} is the pure
 * part: what a path answers, given the probes.
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import type { Logger } from "pino";

export interface Probes {
  /** Liveness: false once the process should be restarted (e.g. leadership lost). */
  healthy(): boolean;
  /** Readiness: a standby replica is ready; a leader once its caches are synced. */
  ready(): boolean;
  /** The Prometheus text exposition. */
  metrics(): Promise<string>;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

const TEXT = "text/plain; charset=utf-8";

/** The answer to a GET of `path`. */
export async function route(path: string, probes: Probes): Promise<HttpAnswer> {
  switch (path.split("?")[0]) {
    case "/healthz":
      return probes.healthy()
        ? { status: 200, contentType: TEXT, body: "ok\n" }
        : { status: 503, contentType: TEXT, body: "unhealthy\n" };
    case "/readyz":
      return probes.ready()
        ? { status: 200, contentType: TEXT, body: "ok\n" }
        : { status: 503, contentType: TEXT, body: "not ready\n" };
    case "/metrics":
      return {
        status: 200,
        contentType: "text/plain; version=0.0.4; charset=utf-8",
        body: await probes.metrics(),
      };
    default:
      return { status: 404, contentType: TEXT, body: "not found\n" };
  }
}

/** Listens on `port` (all interfaces) and resolves once listening. */
export function startHttpServer(port: number, probes: Probes, log: Logger): Promise<Server> {
  const server = createServer(async (req, res) => {
    const answer =
      req.method === "GET" || req.method === "HEAD"
        ? await route(req.url ?? "/", probes).catch((err: unknown) => {
            log.error({ err }, "could not answer a probe");
            return { status: 500, contentType: TEXT, body: "error\n" };
          })
        : { status: 405, contentType: TEXT, body: "method not allowed\n" };
    res.writeHead(answer.status, { "content-type": answer.contentType });
    res.end(req.method === "HEAD" ? undefined : answer.body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      log.info({ port }, "serving /healthz, /readyz, /metrics");
      resolve(server);
    });
  });
}
