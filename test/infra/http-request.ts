/**
 * A minimal HTTP(S) client for readiness probes and the JSON control APIs of the test servers
 * (toxiproxy, the SlowDown proxy, the pod runner). HTTPS takes the CA of the test cluster, which
 * Node's global `fetch` cannot be given per request.
 *
 * @module
 */

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpOptions {
  method?: string;
  /** Serialized as JSON; with `contentType`, a string sent as it is (e.g. YAML, a merge patch). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** PEM of the CA that signed the server's certificate (HTTPS). */
  ca?: string;
  /** Accept any certificate: for health endpoints of components with self-signed serving certs. */
  insecure?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** Sends one request; a JSON `body` is serialized. Never throws for an HTTP status, only for I/O. */
export function httpRequestText(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const body =
    options.body === undefined
      ? undefined
      : options.contentType
        ? String(options.body)
        : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json" }),
    ...options.headers,
  };
  const send = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: options.method ?? (body === undefined ? "GET" : "POST"),
        headers,
        ca: options.ca,
        rejectUnauthorized: !options.insecure,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** True when `url` answers 2xx. */
export async function httpOk(url: string, options: HttpOptions = {}): Promise<boolean> {
  const { status } = await httpRequestText(url, options);
  return status >= 200 && status < 300;
}

/** Sends a JSON request and parses the JSON answer; a non-2xx status throws with the body. */
export async function httpJson<T>(url: string, options: HttpOptions = {}): Promise<T> {
  const res = await httpRequestText(url, options);
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${options.method ?? "GET"} ${url}: HTTP ${res.status}: ${res.text}`);
  }
  return (res.text ? JSON.parse(res.text) : undefined) as T;
}
