/**
 * The operator process: configuration from the environment, leader election, informers and
 * controllers, the probe/metrics server, and graceful shutdown on SIGTERM/SIGINT (stop informers,
 * drain the queues, release the Lease). The only place that calls `process.exit`.
 *
 * Exit codes: 0 after a requested shutdown, 1 after losing leadership or a start-up failure (the
 * Deployment restarts the pod either way).
 *
 * @module
 */
import { hostname } from "node:os";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { loadConfig } from "./config.js";
import { sleep, systemClock } from "./controller/clock.js";
import { startHttpServer } from "./http-server.js";
import { makeKubeApi, makeLeaseClient } from "./kube/client.js";
import { makeEventRecorder } from "./kube/events.js";
import { makeInformers } from "./kube/informers.js";
import { LeaderElector } from "./kube/leader-election.js";
import { operatorMetrics } from "./metrics/operator-metrics.js";
import { wireOperator } from "./operator.js";

async function main(): Promise<number> {
  const config = loadConfig(process.env, hostname());
  const log = pino({ level: config.logLevel, base: { component: "gik-operator" } });
  const clock = systemClock;
  const kc = new KubeConfig();
  kc.loadFromDefault();

  const { identity } = config.leaderElection;
  const informers = makeInformers(kc, {
    namespace: config.watchNamespace,
    log,
    delay: (ms, signal) => sleep(clock, ms, signal),
  });
  const elector = new LeaderElector({
    ...config.leaderElection,
    name: config.leaderElection.leaseName,
    leases: makeLeaseClient(kc),
    clock,
    log,
  });
  let operator: ReturnType<typeof wireOperator> | undefined;
  const metrics = operatorMetrics({
    runs: informers.runs,
    templateBuilds: informers.templateBuilds,
    queueDepth: () => operator?.queueDepth() ?? [],
    isLeader: () => elector.isLeader || !config.leaderElection.enabled,
  });
  operator = wireOperator({
    informers,
    api: makeKubeApi(kc),
    events: makeEventRecorder({
      client: kc.makeApiClient(CoreV1Api),
      component: "gik-operator",
      instance: identity,
      clock,
      log,
    }),
    clock,
    defaults: config.job,
    log,
    workers: config.workers,
    metrics: metrics.reconciles,
  });
  const running = operator;

  const stop = new AbortController();
  let lost = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info({ signal }, "shutting down");
      stop.abort();
    });
  }
  const server = await startHttpServer(
    config.metricsPort,
    {
      healthy: () => !lost,
      ready: () => !running || !(elector.isLeader || !config.leaderElection.enabled) || running.synced(),
      metrics: () => metrics.registry.render(),
    },
    log,
  );

  if (config.leaderElection.enabled) {
    lost = await elector.run(stop.signal, () => {
      running.start().catch((err) => log.error({ err }, "could not start the controllers"));
    });
  } else {
    await running.start();
    await new Promise<void>((resolve) =>
      stop.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
  }
  await running.stop();
  await elector.release();
  server.close();
  log.info({ lostLeadership: lost }, "stopped");
  return lost ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`gik-operator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
