/**
 * A proxy in front of MinIO that records every request it forwards: method, object key, `Range`
 * header, status and the bytes of the response body. It sits between toxiproxy (which adds the
 * latency) and MinIO, so every client of the bench — gik, kerchunk, VirtualiZarr, xarray — is
 * counted the same way, whatever its own instrumentation.
 *
 * It forwards bytes, not requests: each client connection is piped to a connection of its own to
 * MinIO, unchanged (so SigV4 signatures made for the address the client dialled verify at MinIO),
 * and the HTTP/1.1 messages in either direction are only read as they pass (`http-observer.ts`).
 * An HTTP server and client that parsed and wrote every request again cost about 0.5 ms of CPU a
 * request, on the cores the measured process shares: as much as gik's own client.
 *
 * A stream the observer cannot read makes `take()` throw: the counts would be wrong.
 *
 * @module
 */

import { connect, createServer, type Server, type Socket } from "node:net";
import { RequestObserver, ResponseObserver } from "./http-observer.js";

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
  const faults: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const origin = connect(upstream.port, upstream.host);
    for (const s of [client, origin]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on("close", () => sockets.delete(s));
    }
    observe(
      client,
      origin,
      (r) => records.push(r),
      (fault) => faults.push(fault),
    );
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    take: () => {
      if (faults.length > 0)
        throw new Error(`counting proxy: traffic it could not read: ${faults.join("; ")}`);
      const taken = records;
      records = [];
      return taken;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Bucket and key of a path-style S3 request path (`/bucket/key?query`). */
export function parseS3Path(url: string): { bucket: string; key: string } {
  const path = new URL(url, "http://x").pathname;
  const [, bucket = "", ...rest] = path.split("/");
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join("/")) };
}

/** Pipes `client` and `origin` into each other and records each exchange as its response ends. */
function observe(
  client: Socket,
  origin: Socket,
  record: (r: RequestRecord) => void,
  fault: (message: string) => void,
): void {
  const requests = new RequestObserver();
  const responses = new ResponseObserver(requests, (exchange) => {
    const { bucket, key } = parseS3Path(exchange.request.target);
    const { range } = exchange.request;
    record({
      method: exchange.request.method,
      bucket,
      key,
      ...(range ? { range } : {}),
      status: exchange.status,
      bytes: exchange.bodyBytes,
      uploaded: exchange.request.bodyBytes,
    });
  });
  let failed = false;
  const read = (feed: (chunk: Buffer) => void) => (chunk: Buffer) => {
    if (failed) return;
    try {
      feed(chunk);
    } catch (err) {
      failed = true;
      fault((err as Error).message);
    }
  };
  client.on(
    "data",
    read((c) => requests.feed(c)),
  );
  origin.on(
    "data",
    read((c) => responses.feed(c)),
  );
  origin.on(
    "end",
    read(() => responses.end()),
  );
  client.pipe(origin);
  origin.pipe(client);
  const teardown = () => {
    client.destroy();
    origin.destroy();
  };
  client.on("error", teardown);
  origin.on("error", teardown);
  client.on("close", teardown);
  origin.on("close", teardown);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}
