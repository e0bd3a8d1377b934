/**
 * An HTTP proxy in front of MinIO that records every request it forwards: method, object key,
 * `Range` header, status and the bytes of the response body. It sits between toxiproxy (which
 * adds the latency) and MinIO, so every client of the bench — gik, kerchunk, VirtualiZarr,
 * xarray — is counted the same way, whatever its own instrumentation.
 *
 * Requests are forwarded with their `Host` header untouched, so SigV4 signatures made for the
 * address the client dialled verify at MinIO.
 *
 * @module
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface RequestRecord {
  method: string;
  bucket: string;
  /** Object key (URL-decoded), empty for bucket-level requests such as a listing. */
  key: string;
  range?: string;
  status: number;
  /** Bytes of the response body. */
  bytes: number;
  /** Bytes of the request body (uploads). */
  uploaded: number;
}

export interface CountingProxy {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  port: number;
  /** The records since the last call (or since the start), and a fresh log. */
  take(): RequestRecord[];
  close(): Promise<void>;
}

/** Starts the proxy on a free port of 127.0.0.1, forwarding to `upstream`. */
export async function startCountingProxy(upstream: { host: string; port: number }): Promise<CountingProxy> {
  let records: RequestRecord[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => forward(req, res, upstream, agent, (r) => records.push(r)));
  server.keepAliveTimeout = 60_000;
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    take: () => {
      const taken = records;
      records = [];
      return taken;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
    },
  };
}

/** Bucket and key of a path-style S3 request path (`/bucket/key?query`). */
export function parseS3Path(url: string): { bucket: string; key: string } {
  const path = new URL(url, "http://x").pathname;
  const [, bucket = "", ...rest] = path.split("/");
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join("/")) };
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: { host: string; port: number },
  agent: Agent,
  record: (r: RequestRecord) => void,
): void {
  const { bucket, key } = parseS3Path(req.url ?? "/");
  const range = req.headers.range;
  let uploaded = 0;
  req.on("data", (chunk: Buffer) => {
    uploaded += chunk.length;
  });
  const out = request(
    {
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (up) => {
      let bytes = 0;
      up.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      up.on("end", () =>
        record({
          method: req.method ?? "GET",
          bucket,
          key,
          ...(range ? { range } : {}),
          status: up.statusCode ?? 0,
          bytes,
          uploaded,
        }),
      );
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", () => res.destroy());
  req.pipe(out);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}
