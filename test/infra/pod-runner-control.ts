/**
 * The pod runner lives in the vitest global-setup process; test files run in other processes and
 * reach it over HTTP on 127.0.0.1:
 *
 * - `GET /pods`: `{ running: ["namespace/name", …], podLogs }`;
 * - `POST /kill` with `{ namespace, name, signal? }` (default `SIGKILL`): signals the pod's process
 *   group, answering 404 when no process runs for that pod.
 *
 * @module
 */

import type { Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { httpJson, httpRequestText } from "./http-request.js";
import type { PodRunner } from "./pod-runner.js";

/** Serves the control API of `runner`; resolves with its URL and a close function. */
export async function servePodRunnerControl(
  runner: PodRunner,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && req.url === "/pods")
      return reply(200, { running: runner.running(), podLogs: runner.podLogs });
    if (req.method !== "POST" || req.url !== "/kill")
      return reply(404, { error: `no route ${req.method} ${req.url}` });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const {
          namespace,
          name,
          signal = "SIGKILL",
        } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          namespace: string;
          name: string;
          signal?: NodeJS.Signals;
        };
        const killed = runner.kill(namespace, name, signal);
        reply(killed ? 200 : 404, { killed });
      } catch (err) {
        reply(400, { error: String(err) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Pods whose processes run now, as `namespace/name`. */
export async function runningPods(controlUrl: string): Promise<string[]> {
  return (await httpJson<{ running: string[] }>(`${controlUrl}/pods`)).running;
}

/**
 * Sends `signal` to the process of pod `namespace/name` (to test a pod killed mid-run); returns
 * false when no process runs for that pod.
 */
export async function killPodProcess(
  controlUrl: string,
  namespace: string,
  name: string,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<boolean> {
  const res = await httpRequestText(`${controlUrl}/kill`, { body: { namespace, name, signal } });
  if (res.status !== 200 && res.status !== 404)
    throw new Error(`pod runner /kill: HTTP ${res.status}: ${res.text}`);
  return res.status === 200;
}
