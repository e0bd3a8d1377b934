import { describe, expect, it } from "vitest";
import { route } from "../../operator/src/http-server.js";

const probes = (healthy: boolean, ready: boolean) => ({
  healthy: () => healthy,
  ready: () => ready,
  metrics: async () => "m 1\n",
});

describe("route", () => {
  it.each([
    { path: "/healthz", healthy: true, ready: false, status: 200 },
    { path: "/healthz", healthy: false, ready: true, status: 503 },
    { path: "/readyz", healthy: true, ready: true, status: 200 },
    { path: "/readyz?verbose", healthy: true, ready: false, status: 503 },
    { path: "/metrics", healthy: false, ready: false, status: 200 },
    { path: "/", healthy: true, ready: true, status: 404 },
  ])("$path (healthy $healthy, ready $ready) → $status", async ({ path, healthy, ready, status }) => {
    expect((await route(path, probes(healthy, ready))).status).toBe(status);
  });

  it("serves the metrics text with the Prometheus content type", async () => {
    expect(await route("/metrics", probes(true, true))).toEqual({
      status: 200,
      contentType: "text/plain; version=0.0.4; charset=utf-8",
      body: "m 1\n",
    });
  });
});
