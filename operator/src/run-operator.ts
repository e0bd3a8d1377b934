/**
 * One run of the operator, from configuration to a clean stop: leader election, informers and
 * controllers, the probe/metrics server, and graceful shutdown when `signal` aborts (stop the
 * informers, drain the queues, release the Lease, close the server). `main.ts` wires it to the
 * process (signals, exit code); tests call it directly.
 *
 * @module
 */
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type Logger, pino } from "pino";
import { loadConfig } from "./config.js";
import { type Clock, scaledClock, sleep, systemClock } from "./controller/clock.js";
import { startHttpServer } from "./http-server.js";
import { makeKubeApi, makeLeaseClient } from "./kube/client.js";
import { makeEventRecorder } from "./kube/events.js";
import { makeInformers } from "./kube/informers.js";
import { LeaderElector } from "./kube/leader-election.js";
import { operatorMetrics } from "./metrics/operator-metrics.js";
import { type Operator, wireOperator } from "./operator.js";

export interface RunOptions {
  env: Readonly<Record<string, string | undefined>>;
  hostname: string;
  /** Aborting it stops the operator gracefully. */
  signal: AbortSignal;
  /** Default: `KubeConfig.loadFromDefault()` (in-cluster in a pod). */
  kubeConfig?: KubeConfig;
  /** Default: pino JSON lines on stdout at `GIK_LOG_LEVEL`. */
  log?: Logger;
  clock?: Clock;
  /** Told the port of the probe/metrics server once it listens. */
  onListening?: (port: number) => void;
}

/**
 * Runs the operator until `signal` aborts (resolves 0) or leadership is lost (resolves 1). Throws
 * a `UsageError` naming the variable when the configuration is wrong.
 */
export async function runOperator(options: RunOptions): Promise<number> {
  const config = loadConfig(options.env, options.hostname);
  const log = options.log ?? pino({ level: config.logLevel, base: { component: "gik-operator" } });
  const clock = options.clock ?? systemClock;
  const kc = options.kubeConfig ?? defaultKubeConfig();
  const { identity } = config.leaderElection;
  const leading = () => !config.leaderElection.enabled || elector.isLeader;

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
  let operator: Operator | undefined;
  const metrics = operatorMetrics({
    runs: informers.runs,
    templateBuilds: informers.templateBuilds,
    queueDepth: () => operator?.queueDepth() ?? [],
    isLeader: leading,
  });
  const shifted = config.scheduleClock;
  const scheduleClock = shifted
    ? scaledClock({ ...shifted, origin: shifted.origin ?? clock.now(), base: clock })
    : clock;
  if (shifted) {
    log.warn(
      { scheduleClock: scheduleClock.now().toISOString(), scale: shifted.scale },
      "EcmwfSchedules run on a shifted clock (GIK_CLOCK_*): for tests and demos only",
    );
  }
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
    scheduleClock,
    defaults: config.job,
    log,
    workers: config.workers,
    metrics: metrics.reconciles,
  });
  const running = operator;

  let lost = false;
  const server = await startHttpServer(
    config.metricsPort,
    {
      healthy: () => !lost,
      // A standby replica is ready (it must not block a rollout); a leader once its caches are full.
      ready: () => !leading() || running.synced(),
      metrics: () => metrics.registry.metrics(),
    },
    log,
  );
  options.onListening?.((server.address() as AddressInfo).port);

  try {
    if (config.leaderElection.enabled) {
      lost = await elector.run(options.signal, () => {
        running.start().catch((err) => log.error({ err }, "could not start the controllers"));
      });
    } else {
      await running.start();
      if (!options.signal.aborted) {
        await new Promise<void>((resolve) =>
          options.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      }
    }
  } finally {
    await running.stop();
    await elector.release();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  log.info({ lostLeadership: lost }, "stopped");
  return lost ? 1 : 0;
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
