import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubePki } from "./kube-pki.js";
import { makeKubePki } from "./kube-pki.js";
import type { KubeletServer, PodLogSource } from "./kubelet-server.js";
import { parseContainerLogQuery, startKubeletServer } from "./kubelet-server.js";
import type { PodOutput } from "./pod-log.js";
import { recordPodOutput } from "./pod-log.js";

describe("parseContainerLogQuery", () => {
  const now = new Date("2026-03-01T10:00:00Z");
  const parse = (query: string) => parseContainerLogQuery(new URLSearchParams(query), now);

  it("reads the kubelet's options", () => {
    expect(parse("")).toEqual({
      follow: false,
      previous: false,
      query: {
        tailLines: undefined,
        limitBytes: undefined,
        since: undefined,
        timestamps: false,
        stream: undefined,
      },
    });
    expect(parse("follow=true&tailLines=2&limitBytes=10&timestamps=1&previous=false")).toMatchObject({
      follow: true,
      previous: false,
      query: { tailLines: 2, limitBytes: 10, timestamps: true },
    });
    expect(parse("tail=5")).toMatchObject({ query: { tailLines: 5 } });
    expect(parse("tail=all&tailLines=5")).toMatchObject({ query: { tailLines: undefined } });
    expect(parse("sinceSeconds=60")).toMatchObject({ query: { since: new Date("2026-03-01T09:59:00Z") } });
    expect(parse("sinceTime=2026-03-01T09:00:00Z")).toMatchObject({
      query: { since: new Date("2026-03-01T09:00:00Z") },
    });
    expect(parse("stream=Stderr")).toMatchObject({ query: { stream: "stderr" } });
  });

  it("refuses what the kubelet refuses", () => {
    expect(parse("tailLines=two")).toMatchObject({ status: 400 });
    expect(parse("follow=yes")).toMatchObject({ status: 400 });
    expect(parse("sinceTime=yesterday")).toMatchObject({ status: 400 });
    expect(parse("tailLines=-1")).toMatchObject({ status: 422 });
    expect(parse("limitBytes=0")).toMatchObject({ status: 422 });
    expect(parse("sinceSeconds=0")).toMatchObject({ status: 422 });
    expect(parse("sinceSeconds=5&sinceTime=2026-03-01T09:00:00Z")).toMatchObject({ status: 422 });
    expect(parse("stream=Both")).toMatchObject({ status: 422 });
    expect(parse("stream=Stdout&tailLines=1")).toMatchObject({ status: 422 });
  });
});

describe("the kubelet server", () => {
  let pki: KubePki;
  let server: KubeletServer;
  const pods = new Map<string, PodLogSource>();
  const dir = mkdtempSync(join(tmpdir(), "kubelet-server-"));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let output: PodOutput;

  beforeAll(async () => {
    pki = await makeKubePki(dir);
    server = await startKubeletServer({
      cert: pki.kubeletCert,
      key: pki.kubeletKey,
      clientCa: pki.caCert,
      pods: (ns, name) => pods.get(`${ns}/${name}`),
      log: () => undefined,
      pollMs: 20,
    });
    output = recordPodOutput(dir, { stdout, stderr });
    pods.set("ns/running", { containers: ["main"], output });
    pods.set("ns/refused", { containers: ["main"], waitingReason: "CreateContainerConfigError" });
    stdout.write("one\ntwo\n");
    stderr.write('{"msg":"progress","done":1}\n');
    await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A GET as the API server sends it (its kubelet client certificate); `onData` sees each chunk. */
  const get = (path: string, onData?: (text: string) => void, clientCert = true) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: server.port,
          path,
          ca: readFileSync(pki.caCert),
          ...(clientCert && {
            cert: readFileSync(pki.kubeletClientCert),
            key: readFileSync(pki.kubeletClientKey),
          }),
        },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString("utf8");
            onData?.(c.toString("utf8"));
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });

  it("serves the container log with tailLines and limitBytes", async () => {
    expect(await get("/containerLogs/ns/running/main")).toEqual({
      status: 200,
      text: 'one\ntwo\n{"msg":"progress","done":1}\n',
    });
    expect((await get("/containerLogs/ns/running/main?tailLines=2")).text).toBe(
      'two\n{"msg":"progress","done":1}\n',
    );
    expect((await get("/containerLogs/ns/running/main?limitBytes=5")).text).toBe("one\nt");
    expect((await get("/containerLogs/ns/running/main?timestamps=true&tailLines=1")).text).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \{"msg":"progress","done":1\}\n$/,
    );
  });

  it("answers as the kubelet for unknown pods and containers, previous, and a container not started", async () => {
    expect(await get("/containerLogs/ns/nobody/main")).toEqual({
      status: 404,
      text: 'pod "nobody" does not exist',
    });
    expect(await get("/containerLogs/ns/running/sidecar")).toEqual({
      status: 404,
      text: 'container "sidecar" not found in pod "running"',
    });
    expect(await get("/containerLogs/ns/running/main?previous=true")).toEqual({
      status: 400,
      text: 'previous terminated container "main" in pod "running" not found',
    });
    expect(await get("/containerLogs/ns/refused/main")).toEqual({
      status: 400,
      text: 'container "main" in pod "refused" is waiting to start: CreateContainerConfigError',
    });
    expect((await get("/containerLogs/ns/running/main?tailLines=-2")).status).toBe(422);
    expect((await get("/pods")).status).toBe(404);
  });

  it("refuses a client without a certificate of the cluster CA", async () => {
    await expect(get("/containerLogs/ns/running/main", undefined, false)).rejects.toThrow();
  });

  it("follows the log until the process's output ended", async () => {
    let seen = "";
    let sawTail: () => void = () => {};
    const tailSeen = new Promise<void>((r) => {
      sawTail = r;
    });
    const followed = get("/containerLogs/ns/running/main?follow=true&tailLines=1", (chunk) => {
      seen += chunk;
      if (seen.includes("done")) sawTail();
    });
    await tailSeen;
    expect(seen).toBe('{"msg":"progress","done":1}\n');
    stderr.write('{"msg":"progress","done":2}\n');
    stdout.write("three\nlast words");
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toBe('{"msg":"progress","done":1}\n{"msg":"progress","done":2}\nthree\n');
    stdout.end();
    stderr.end();
    const { status, text } = await followed;
    expect(status).toBe(200);
    expect(text).toBe('{"msg":"progress","done":1}\n{"msg":"progress","done":2}\nthree\nlast words\n');
  });
});
