import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CountingProxy, type RequestRecord, startCountingProxy } from "../../bench/counting-proxy.js";

const OBJECT = Buffer.alloc(3000, 7);
let upstream: Server;
let proxy: CountingProxy;

/** An origin that answers as S3 does where it matters here: ranges, chunked bodies, HEAD, uploads. */
function origin(): Server {
  return createServer((req, res) => {
    const received: Buffer[] = [];
    req.on("data", (c: Buffer) => received.push(c));
    req.on("end", () => {
      if (req.method === "PUT") {
        res.writeHead(200, { "Content-Length": 0, "X-Received": String(Buffer.concat(received).length) });
        res.end();
      } else if (req.method === "HEAD") {
        res.writeHead(200, { "Content-Length": OBJECT.length });
        res.end();
      } else if (req.headers.range) {
        res.writeHead(206, { "Content-Length": 4 });
        res.end(OBJECT.subarray(0, 4));
      } else {
        // No length: Node sends the body chunked.
        res.writeHead(200);
        res.write(OBJECT.subarray(0, 1000));
        res.write(OBJECT.subarray(1000, 2500));
        res.end(OBJECT.subarray(2500));
      }
    });
  });
}

beforeAll(async () => {
  upstream = origin();
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  proxy = await startCountingProxy({ host: "127.0.0.1", port: (upstream.address() as AddressInfo).port });
});

afterAll(async () => {
  await proxy.close();
  await new Promise((r) => upstream.close(r));
});

/** One request through the proxy: the status, body and headers the client got. */
function send(
  agent: Agent,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer[]; expectContinue?: boolean } = {},
): Promise<{ status: number; body: Buffer; received?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.url}${path}`, { method, agent, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          body: Buffer.concat(chunks),
          received: res.headers["x-received"] as string | undefined,
        }),
      );
    });
    req.on("error", reject);
    const write = () => {
      for (const part of options.body ?? []) req.write(part);
      req.end();
    };
    if (options.expectContinue) req.on("continue", write);
    else write();
  });
}

describe("counting proxy", () => {
  it("forwards every exchange unchanged and records each one, over reused connections", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const upload = Buffer.alloc(5000, 1);
    const rounds = await Promise.all(
      Array.from({ length: 5 }, async () => [
        await send(agent, "GET", "/b/obj", { headers: { Range: "bytes=0-3" } }),
        await send(agent, "GET", "/b/obj"),
        await send(agent, "HEAD", "/b/obj"),
        await send(agent, "PUT", "/b/dir/a%20b", {
          headers: { "Content-Length": String(upload.length), Expect: "100-continue" },
          body: [upload],
          expectContinue: true,
        }),
        await send(agent, "PUT", "/b/chunked", {
          body: [upload.subarray(0, 100), upload.subarray(100, 350)],
        }),
      ]),
    );
    agent.destroy();
    for (const [range, whole, head, put, chunked] of rounds) {
      expect(range).toEqual({ status: 206, body: OBJECT.subarray(0, 4), received: undefined });
      expect(whole).toEqual({ status: 200, body: OBJECT, received: undefined });
      expect(head!.status).toBe(200);
      expect(put).toEqual({ status: 200, body: Buffer.alloc(0), received: "5000" });
      expect(chunked).toEqual({ status: 200, body: Buffer.alloc(0), received: "350" });
    }
    const expected: RequestRecord[] = [
      { method: "GET", bucket: "b", key: "obj", range: "bytes=0-3", status: 206, bytes: 4, uploaded: 0 },
      { method: "GET", bucket: "b", key: "obj", status: 200, bytes: 3000, uploaded: 0 },
      { method: "HEAD", bucket: "b", key: "obj", status: 200, bytes: 0, uploaded: 0 },
      { method: "PUT", bucket: "b", key: "dir/a b", status: 200, bytes: 0, uploaded: 5000 },
      { method: "PUT", bucket: "b", key: "chunked", status: 200, bytes: 0, uploaded: 350 },
    ];
    const order = (r: RequestRecord) => JSON.stringify(r);
    expect(proxy.take().map(order).sort()).toEqual(
      Array.from({ length: 5 }, () => expected)
        .flat()
        .map(order)
        .sort(),
    );
    expect(proxy.take()).toEqual([]);
  });
});
