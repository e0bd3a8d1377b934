/**
 * What the integration setup (`global-setup.ts`) started, handed to test files through vitest's
 * `provide`/`inject` under the key `"infra"`. Every server listens on 127.0.0.1 on a free port.
 *
 * @module
 */

export interface S3Endpoint {
  /** e.g. `http://127.0.0.1:41234`; use path-style addressing. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface InfraEndpoints {
  /** MinIO, direct. */
  s3: S3Endpoint;
  /** The same MinIO through toxiproxy: add latency, bandwidth limits or cut connections via `toxiproxyApi`. */
  s3Toxic: S3Endpoint & { toxiproxyApi: string; proxyName: string };
  /** The same MinIO through a proxy that answers `503 SlowDown` to a share of requests (set through `controlUrl`). */
  s3SlowDown: S3Endpoint & { controlUrl: string };
  /**
   * fake-gcs-server (plain HTTP, no auth). Give `emulatorHost` to `@google-cloud/storage` as
   * `apiEndpoint`: the client's own `STORAGE_EMULATOR_HOST` handling (7.x) uses the variable as the
   * JSON API base URL without `/storage/v1`, which the emulator does not serve.
   */
  gcs: { emulatorHost: string; projectId: string };
  /** kube-apiserver (+ etcd, controller-manager, scheduler, kwok nodes, pod runner). */
  kube: {
    kubeconfig: string;
    server: string;
    kubectl: string;
    nodeNames: string[];
    podRunner: PodRunnerEndpoint;
  };
  /**
   * Kueue's controller manager (`kueue.ts`) on the same cluster, managing `batch/job` only: it
   * queues Jobs labelled `kueue.x-k8s.io/queue-name` and never sees the others.
   */
  kueue: KueueEndpoint;
  /** Python of the reader environment: opens stores as DESIGN.md shows (zarr-python 2, kerchunk 0.2.7). */
  python: string;
  /** Python of the peers' environment: zarr-python 3, kerchunk 0.2.10 (the oracle), benchmark peers. */
  pythonPeers: string;
  /** Directory of the binaries built by the setup (`~/.cache/gik-test/...`), by component name. */
  bin: Record<string, string>;
  /** This run's directory (servers' data and logs, the cluster lane's lock: `lanes.ts`); fresh per run. */
  runDir: string;
}

/**
 * The pod runner (`pod-runner.ts`), which runs the pods of the job image scheduled on the kwok
 * nodes as local processes. `controlUrl` serves `GET /pods` and `POST /kill` (see
 * `pod-runner-control.ts`, whose `killPodProcess` is the client).
 */
export interface PodRunnerEndpoint {
  controlUrl: string;
  /**
   * `<podLogs>/<namespace>/<pod>/{stdout,stderr,container.log}` of every pod the runner ran
   * (`container.log`: both streams in the CRI log format, what `kubectl logs` shows).
   */
  podLogs: string;
  /** Pods whose first container's image starts with one of these are run (`gik-job-image:dev` in tests). */
  imagePrefixes: string[];
  /**
   * Port of its kubelet server on 127.0.0.1 (`kubelet-server.ts`), which the kwok nodes name as
   * their `daemonEndpoints.kubeletEndpoint.Port`: the API server's `pods/log` goes there.
   */
  kubeletPort: number;
}

/**
 * Kueue (see `kueue.ts`): its CRDs (`kueue.x-k8s.io`) are installed; a test creates its own
 * ResourceFlavor, ClusterQueue and LocalQueue and labels its Jobs with `queueNameLabel`.
 */
export interface KueueEndpoint {
  /** The release running, e.g. `v0.17.1`. */
  version: string;
  /** Kueue's own namespace, where it never manages Jobs. */
  namespace: string;
  /** `kueue.x-k8s.io/queue-name`: its value names a LocalQueue of the Job's namespace. */
  queueNameLabel: string;
  /** The integrations enabled: `["batch/job"]`. */
  frameworks: string[];
  /** Health probes, plain HTTP: `GET /healthz`, `GET /readyz`. */
  healthUrl: string;
  /** Prometheus metrics over HTTPS (Kueue's per-run certificate), for a bearer token allowed `get /metrics`. */
  metricsUrl: string;
  /** Kueue's log: where to look when a Job stays suspended. */
  logPath: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    infra: InfraEndpoints;
  }
}
