/**
 * A real HTTP object server for storage tests: serves objects with `Range` and `HEAD` like S3, and
 * answers the next requests with scripted faults (throttling, errors, dropped connections, delays).
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { status: number; code?: string; headers?: Record<string, string> }
  /** Reset the connection before answering. */
  | { reset: true }
  /** Send the headers and half the body, then reset the connection. */
  | { cut: true }
  /** Answer normally after `delayMs`. */
  | { delayMs: number };

export interface FaultServer {
  url: string;
  objects: Map<string, Uint8Array>;
  /** Faults for the next requests, one per request, in order; then requests are served normally. */
  faults: Fault[];
  /** Every request seen: method, path, query, and the Range and conditional headers. */
  requests: Array<{
    method: string;
    path: string;
    query: string;
    range: string | undefined;
    ifMatch: string | undefined;
    ifNoneMatch: string | undefined;
    /** The client's `user-agent` (the AWS SDK names itself; gik's direct requests send none). */
    userAgent: string | undefined;
  }>;
  /** Answer range requests with 200 and the whole object, like a server without range support. */
  ignoreRange: boolean;
  /** Back to serving normally, with no request seen (the objects stay): what each test starts from. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFaultServer(): Promise<FaultServer> {
  const state = {
    objects: new Map<string, Uint8Array>(),
    faults: [] as Fault[],
    requests: [] as FaultServer["requests"],
    ignoreRange: false,
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = decodeURIComponent(url.pathname);
    state.requests.push({
      method: req.method ?? "",
      path,
      query: url.search,
      range: req.headers.range,
      ifMatch: req.headers["if-match"],
      ifNoneMatch: req.headers["if-none-match"],
      userAgent: req.headers["user-agent"],
    });
    const fault = state.faults.shift();
    if (fault === undefined) return serve(req, res, path);
    if ("status" in fault) {
      const body = `<Error><Code>${fault.code ?? fault.status}</Code></Error>`;
      res.writeHead(fault.status, { "content-type": "application/xml", ...fault.headers }).end(body);
    } else if ("reset" in fault) {
      req.socket.resetAndDestroy();
    } else if ("cut" in fault) {
      const data = state.objects.get(path) ?? new Uint8Array(1000);
      res.writeHead(200, { "content-length": String(data.length) });
      res.write(data.subarray(0, data.length >> 1), () => req.socket.resetAndDestroy());
    } else {
      const timer = setTimeout(() => serve(req, res, path), fault.delayMs);
      res.on("close", () => clearTimeout(timer));
    }
  });

  function serve(req: IncomingMessage, res: ServerResponse, path: string): void {
    const data = state.objects.get(path);
    if (data === undefined) return void res.writeHead(404).end();
    const headers = { etag: `"${data.length}-${data[0] ?? 0}"`, "accept-ranges": "bytes" };
    if (req.method === "HEAD")
      return void res.writeHead(200, { ...headers, "content-length": String(data.length) }).end();
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (range === null || state.ignoreRange) return void res.writeHead(200, headers).end(data);
    const [, a, b] = range;
    const start = a === "" ? Math.max(0, data.length - Number(b)) : Number(a);
    const end = a === "" || b === "" ? data.length - 1 : Math.min(Number(b), data.length - 1);
    if (start >= data.length)
      return void res.writeHead(416, { "content-range": `bytes */${data.length}` }).end();
    res
      .writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${data.length}` })
      .end(data.subarray(start, end + 1));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    reset: () => {
      state.faults = [];
      state.requests.length = 0;
      state.ignoreRange = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Deterministic bytes `0, 1, …, 255, 0, 1, …` of length `n`. */
export function sequence(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % 256);
}
