/**
 * Every Job created in a namespace, seen as it happens: a Job deleted and made again under the
 * same name shows as two uids, which a listing at the end cannot tell.
 *
 * @module
 */
import { KubeConfig, type V1Job, Watch } from "@kubernetes/client-node";

/**
 * Watches the Jobs of `ns` from now on (as the admin of `kubeconfig`), collecting each ADDED event's name and uid; the
 * watch is re-established if the server ends it.
 */
export async function watchJobsAdded(kubeconfig: string, ns: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const watch = new Watch(kc);
  const added: { name: string; uid: string }[] = [];
  let stopped = false;
  let request: AbortController | undefined;
  let resourceVersion: string | undefined;
  const start = async () => {
    request = await watch.watch(
      `/apis/batch/v1/namespaces/${ns}/jobs`,
      resourceVersion ? { resourceVersion, allowWatchBookmarks: true } : { allowWatchBookmarks: true },
      (type: string, job: V1Job) => {
        resourceVersion = job.metadata?.resourceVersion ?? resourceVersion;
        if (type === "ADDED") added.push({ name: job.metadata?.name ?? "", uid: job.metadata?.uid ?? "" });
      },
      () => {
        if (!stopped) void start();
      },
    );
  };
  await start();
  return Object.assign(added, {
    stop: () => {
      stopped = true;
      request?.abort();
    },
  });
}
