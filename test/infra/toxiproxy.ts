/**
 * toxiproxy on 127.0.0.1 and the small client tests use to add faults. The setup creates one
 * proxy in front of MinIO; tests add toxics (latency, bandwidth, reset_peer, timeout, …) to it
 * and must remove them, or call {@link resetToxiproxy}, when done.
 *
 * @module
 */

import { httpJson, httpOk } from "./http-request.js";
import type { RunDir } from "./run-dir.js";
import type { ServerProcess } from "./server-process.js";
import { freePort, startServer, waitReady } from "./server-process.js";

export interface ToxiproxyServer {
  server: ServerProcess;
  api: string;
}

/** A toxic as toxiproxy's API takes it, e.g. `{ type: "latency", attributes: { latency: 20 } }`. */
export interface Toxic {
  name?: string;
  type: "latency" | "bandwidth" | "slow_close" | "timeout" | "reset_peer" | "slicer" | "limit_data";
  stream?: "upstream" | "downstream";
  toxicity?: number;
  attributes: Record<string, number>;
}

/** Starts toxiproxy from `bin` and waits for its API. */
export async function startToxiproxy(run: RunDir, bin: string): Promise<ToxiproxyServer> {
  const port = await freePort();
  const server = startServer(run, {
    name: "toxiproxy",
    command: bin,
    args: ["-host", "127.0.0.1", "-port", String(port), "-seed", "1"],
  });
  const api = `http://127.0.0.1:${port}`;
  await waitReady(server, () => httpOk(`${api}/version`));
  return { server, api };
}

/** Creates proxy `name` listening on a free port in front of `upstream` (`host:port`); returns its URL. */
export async function createProxy(api: string, name: string, upstream: string): Promise<string> {
  const listen = `127.0.0.1:${await freePort()}`;
  await httpJson(`${api}/proxies`, { body: { name, listen, upstream, enabled: true } });
  return `http://${listen}`;
}

/** Adds `toxic` to proxy `proxy`; returns the toxic's name (for {@link removeToxic}). */
export async function addToxic(api: string, proxy: string, toxic: Toxic): Promise<string> {
  const created = await httpJson<{ name: string }>(`${api}/proxies/${proxy}/toxics`, {
    body: { stream: "downstream", toxicity: 1, ...toxic },
  });
  return created.name;
}

export async function removeToxic(api: string, proxy: string, toxic: string): Promise<void> {
  await httpJson(`${api}/proxies/${proxy}/toxics/${toxic}`, { method: "DELETE" });
}

/** Removes every toxic and re-enables every proxy. */
export async function resetToxiproxy(api: string): Promise<void> {
  await httpJson(`${api}/reset`, { method: "POST" });
}
