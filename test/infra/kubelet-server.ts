/**
 * The kubelet's HTTPS server, as far as the API server's `pods/log` needs it: the pod runner
 * (`pod-runner.ts`) starts it, and the kwok nodes name it in their status (InternalIP 127.0.0.1,
 * `daemonEndpoints.kubeletEndpoint.Port`), so `kubectl logs` and `readNamespacedPodLog` reach it
 * through the API server as they reach a kubelet.
 *
 * `GET /containerLogs/{namespace}/{pod}/{container}` serves the container log the runner
 * recorded (`pod-log.ts`: stdout and stderr in arrival order) with the kubelet's query parameters:
 * `tailLines` (or the old `tail`), `limitBytes`, `sinceSeconds`, `sinceTime`, `timestamps`,
 * `follow` (new records as they are written, until the process ended and its output is drained),
 * `previous` and `stream` (`All`, `Stdout`, `Stderr`). The answers and messages are the kubelet's
 * (`pkg/kubelet/server/server.go`, `validateContainerLogStatus`): 404 for a pod the runner does not
 * know or a container the pod does not have; 400 for `previous` (the runner never restarts a
 * container) and for a container that did not start.
 *
 * TLS: a serving certificate of the cluster CA for 127.0.0.1, which the API server verifies; the
 * client must present a certificate of the cluster CA (the API server's
 * `kube-apiserver-kubelet-client`). There is no further authorization (a kubelet would ask the
 * API server with a SubjectAccessReview): whoever holds a client certificate of the cluster CA may
 * read every log.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { LogQuery, LogStream } from "./pod-log.js";
import { LogSelection, parseCriLog } from "./pod-log.js";

/** What the kubelet server knows of one pod. */
export interface PodLogSource {
  /** The pod's container names. */
  containers: readonly string[];
  /** The container's recorded output, once its process started. */
  output?: { logPath: string; readonly ended: boolean };
  /** Why the container has not started (its waiting reason), when it has not. */
  waitingReason?: string;
}

export interface KubeletServerOptions {
  /** PEM files: the serving certificate and key, and the CA whose client certificates are accepted. */
  cert: string;
  key: string;
  clientCa: string;
  /** The pod of that namespace and name the runner knows (its latest of that name), if any. */
  pods: (namespace: string, name: string) => PodLogSource | undefined;
  log: (line: string) => void;
  /** How often a follow looks for new records. Default 100 ms. */
  pollMs?: number;
}

export interface KubeletServer {
  port: number;
  /** Stops listening and ends the reads in progress. */
  close(): Promise<void>;
}

export interface ContainerLogRequest {
  query: LogQuery;
  follow: boolean;
  previous: boolean;
}

/** A Go `strconv.ParseBool`, as the parameter codec decodes booleans. */
const parseBool = (value: string): boolean | undefined =>
  ["1", "t", "T", "TRUE", "true", "True"].includes(value)
    ? true
    : ["0", "f", "F", "FALSE", "false", "False"].includes(value)
      ? false
      : undefined;

/**
 * The kubelet's reading of the query of a `containerLogs` request, or its error: 400 for a value
 * that does not decode, 422 for options `ValidatePodLogOptions` refuses.
 */
export function parseContainerLogQuery(
  params: URLSearchParams,
  now: Date,
): ContainerLogRequest | { status: number; message: string } {
  const undecodable = { status: 400, message: '{"message": "Unable to decode query."}' };
  const invalid = { status: 422, message: '{"message": "Invalid request."}' };
  const get = (name: string) => params.get(name) ?? undefined;
  const int = (name: string): number | undefined | null => {
    const v = get(name);
    if (v === undefined) return undefined;
    return /^[+-]?\d+$/.test(v) ? Number(v) : null;
  };
  const bool = (name: string): boolean | null => {
    const v = get(name);
    return v === undefined ? false : (parseBool(v) ?? null);
  };
  const tail = get("tail");
  const tailLines = tail !== undefined ? (tail === "all" ? undefined : int("tail")) : int("tailLines");
  const limitBytes = int("limitBytes");
  const sinceSeconds = int("sinceSeconds");
  const sinceTimeText = get("sinceTime");
  const sinceTime = sinceTimeText === undefined ? undefined : new Date(sinceTimeText);
  const [follow, previous, timestamps] = [bool("follow"), bool("previous"), bool("timestamps")];
  const streamText = get("stream") ?? "All";
  if (
    [tailLines, limitBytes, sinceSeconds, follow, previous, timestamps].includes(null) ||
    (sinceTime && Number.isNaN(sinceTime.getTime()))
  )
    return undecodable;
  if (
    (tailLines ?? 0) < 0 ||
    (limitBytes ?? 1) < 1 ||
    (sinceSeconds ?? 1) < 1 ||
    (sinceSeconds !== undefined && sinceTime !== undefined) ||
    !["All", "Stdout", "Stderr"].includes(streamText) ||
    (streamText !== "All" && tailLines !== undefined)
  )
    return invalid;
  let since = sinceSeconds === undefined ? undefined : new Date(now.getTime() - sinceSeconds! * 1000);
  if (sinceTime && (!since || sinceTime > since)) since = sinceTime;
  return {
    follow: follow!,
    previous: previous!,
    query: {
      tailLines: tailLines ?? undefined,
      limitBytes: limitBytes ?? undefined,
      since,
      timestamps: timestamps!,
      stream: streamText === "All" ? undefined : (streamText.toLowerCase() as LogStream),
    },
  };
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startKubeletServer(options: KubeletServerOptions): Promise<KubeletServer> {
  const pollMs = options.pollMs ?? 100;
  let closing = false;
  const server = createServer(
    {
      cert: readFileSync(options.cert),
      key: readFileSync(options.key),
      ca: readFileSync(options.clientCa),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const fail = (status: number, message: string) =>
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(message);
      const url = new URL(req.url ?? "/", "https://kubelet");
      if (req.method === "GET" && url.pathname === "/healthz") return fail(200, "ok");
      const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
      if (req.method !== "GET" || parts[0] !== "containerLogs" || parts.length !== 4)
        return fail(404, "404 page not found");
      const [, namespace, name, container] = parts as [string, string, string, string];
      if (!namespace) return fail(400, '{"message": "Missing podNamespace."}');
      if (!name) return fail(400, '{"message": "Missing podID."}');
      if (!container) return fail(400, '{"message": "Missing container name."}');
      const request = parseContainerLogQuery(url.searchParams, new Date());
      if ("status" in request) return fail(request.status, request.message);
      const pod = options.pods(namespace, name);
      if (!pod) return fail(404, `pod "${name}" does not exist`);
      if (!pod.containers.includes(container))
        return fail(404, `container "${container}" not found in pod "${name}"`);
      if (request.previous)
        return fail(400, `previous terminated container "${container}" in pod "${name}" not found`);
      if (!pod.output)
        return fail(
          400,
          `container "${container}" in pod "${name}" is waiting to start: ${pod.waitingReason ?? "ContainerCreating"}`,
        );
      streamLog(res, pod.output, request, pollMs, () => closing).catch((err) => {
        options.log(`kubelet server: ${namespace}/${name}: ${err}`);
        res.destroy();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Writes the selected log to `res`; with `follow`, polls for new records until the output ended. */
async function streamLog(
  res: ServerResponse,
  output: NonNullable<PodLogSource["output"]>,
  request: ContainerLogRequest,
  pollMs: number,
  closing: () => boolean,
): Promise<void> {
  const file = await open(output.logPath, "r");
  try {
    let gone = false;
    res.on("close", () => {
      gone = true;
    });
    // The API server waits for the headers before it answers its own client: send them now.
    res.writeHead(200, { "content-type": "text/plain" });
    res.flushHeaders();
    const selection = new LogSelection(request.query);
    let offset = 0;
    let carry = Buffer.alloc(0);
    for (let first = true; ; first = false) {
      const ended = output.ended;
      const chunks = [carry];
      for (;;) {
        const { bytesRead, buffer } = await file.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, offset);
        if (bytesRead === 0) break;
        chunks.push(buffer.subarray(0, bytesRead));
        offset += bytesRead;
      }
      const data = Buffer.concat(chunks);
      const { records, consumed } = parseCriLog(data);
      carry = data.subarray(consumed);
      const { out, done } = selection.take(first ? selection.tail(records) : records);
      if (out.length > 0 && !res.write(out))
        await new Promise((r) => {
          res.once("drain", r);
          res.once("close", r);
        });
      if (done || !request.follow || gone || closing() || (ended && records.length === 0)) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    res.end();
  } finally {
    await file.close();
  }
}
