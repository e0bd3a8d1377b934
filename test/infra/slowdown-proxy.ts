/**
 * An HTTP proxy in front of MinIO that answers a share of requests with S3's throttling error
 * (`503 SlowDown`, XML body) instead of forwarding them. Which requests fail is decided by a
 * seeded generator, so a run is repeatable; the share starts at 0.
 *
 * Control endpoint (JSON): `GET /config` returns `{ share, seed, requests, slowDowns }`;
 * `PUT /config` with `{ share?, seed? }` changes them and restarts the sequence and the counters.
 *
 * Requests are forwarded with their `Host` header untouched, so SigV4 signatures made for the
 * proxy's address verify at MinIO.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlowDownState {
  share: number;
  seed: number;
  requests: number;
  slowDowns: number;
}

export interface SlowDownProxy {
  url: string;
  controlUrl: string;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The XML body S3 sends with `503 SlowDown`. */
export function slowDownBody(resource: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>` +
    `<Message>Please reduce your request rate.</Message><Resource>${escapeXml(resource)}</Resource>` +
    `<RequestId>${requestId}</RequestId></Error>`
  );
}

/** Starts the proxy and its control endpoint on free ports of 127.0.0.1. */
export async function startSlowDownProxy(upstream: { host: string; port: number }): Promise<SlowDownProxy> {
  const state: SlowDownState = { share: 0, seed: 1, requests: 0, slowDowns: 0 };
  let next = seededRandom(state.seed);

  const proxy = createServer((req, res) => {
    state.requests++;
    if (next() < state.share) {
      state.slowDowns++;
      refuse(req, res);
    } else {
      forward(req, res, upstream);
    }
  });
  const control = createServer((req, res) => {
    void handleControl(req, res, state, () => {
      next = seededRandom(state.seed);
    });
  });
  const [url, controlUrl] = [await listen(proxy), await listen(control)];
  return {
    url,
    controlUrl,
    close: async () => {
      await Promise.all([proxy, control].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

function refuse(req: IncomingMessage, res: ServerResponse): void {
  const requestId = randomBytes(8).toString("hex").toUpperCase();
  const body = slowDownBody(new URL(req.url ?? "/", "http://x").pathname, requestId);
  // Read the request body first, as S3 does, so the client is not cut off mid-upload.
  req.resume();
  req.on("end", () => {
    res.writeHead(503, {
      "content-type": "application/xml",
      "content-length": Buffer.byteLength(body),
      "x-amz-request-id": requestId,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: { host: string; port: number }): void {
  const out = request(
    { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", () => res.destroy());
  req.pipe(out);
}

async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  state: SlowDownState,
  restart: () => void,
): Promise<void> {
  if (req.method === "PUT" && req.url === "/config") {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const update = parseUpdate(Buffer.concat(chunks).toString("utf8"));
    if (typeof update === "string") {
      res.writeHead(400).end(update);
      return;
    }
    Object.assign(state, { share: update.share ?? state.share, seed: update.seed ?? state.seed });
    Object.assign(state, { requests: 0, slowDowns: 0 });
    restart();
  } else if (!(req.method === "GET" && req.url === "/config")) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(state));
}

/** The `PUT /config` body, or why it is refused. */
function parseUpdate(text: string): Partial<SlowDownState> | string {
  let update: Partial<SlowDownState>;
  try {
    update = JSON.parse(text || "{}") as Partial<SlowDownState>;
  } catch {
    return `not JSON: ${text.slice(0, 100)}`;
  }
  if (update.share !== undefined && !(update.share >= 0 && update.share <= 1)) {
    return `share must be within [0, 1], got ${update.share}`;
  }
  if (update.seed !== undefined && !Number.isInteger(update.seed))
    return `seed must be an integer, got ${update.seed}`;
  return update;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
