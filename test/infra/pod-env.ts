/**
 * The environment of a pod's container, resolved as the kubelet resolves it: `envFrom` first,
 * then `env` in order, `$(VAR)` expanded against what is already defined (`$$` escapes a `$`),
 * `fieldRef` read from the pod (this is how the Job controller's `JOB_COMPLETION_INDEX` arrives),
 * and `secretKeyRef`/`configMapKeyRef` read from the API. A missing non-optional source is an
 * error, as the kubelet's `CreateContainerConfigError`.
 *
 * @module
 */

import type { V1Container, V1Pod } from "@kubernetes/client-node";

/** Reads the data of a Secret (decoded) or ConfigMap; `undefined` when it does not exist. */
export interface EnvSources {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** `metadata.labels['x']` / `metadata.annotations['x']`, or a plain field path. */
export function podField(pod: V1Pod, fieldPath: string): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return pod.metadata?.[keyed[1] as "labels" | "annotations"]?.[keyed[2]!];
  const fields: Record<string, string | undefined> = {
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.hostIP": "127.0.0.1",
    "status.podIP": "127.0.0.1",
  };
  if (!(fieldPath in fields)) throw new Error(`fieldRef ${fieldPath} is not supported by the pod runner`);
  return fields[fieldPath];
}

/** Expands `$(NAME)` against `defined`, leaving unknown references as they are; `$$` is `$`. */
export function expandVars(value: string, defined: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][\w.-]*)\)/g, (match, name?: string) =>
    name === undefined ? "$" : (defined[name] ?? match),
  );
}

/** The container's environment; throws when a required source is missing. */
export async function containerEnv(
  pod: V1Pod,
  container: V1Container,
  sources: EnvSources,
): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? "default";
  const env: Record<string, string> = {};
  const required = async (
    kind: "secret" | "configMap",
    name: string,
    optional: boolean | undefined,
  ): Promise<Record<string, string>> => {
    const data = await sources[kind](namespace, name);
    if (data === undefined && !optional) throw new Error(`${kind} "${namespace}/${name}" not found`);
    return data ?? {};
  };

  for (const from of container.envFrom ?? []) {
    const data = from.secretRef
      ? await required("secret", from.secretRef.name!, from.secretRef.optional)
      : await required("configMap", from.configMapRef!.name!, from.configMapRef!.optional);
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom;
    if (!ref) {
      env[e.name] = expandVars(e.value ?? "", env);
    } else if (ref.fieldRef) {
      env[e.name] = podField(pod, ref.fieldRef.fieldPath) ?? "";
    } else if (ref.secretKeyRef || ref.configMapKeyRef) {
      const kind = ref.secretKeyRef ? "secret" : "configMap";
      const key = (ref.secretKeyRef ?? ref.configMapKeyRef)!;
      const value = (await required(kind, key.name!, key.optional))[key.key];
      if (value === undefined && !key.optional)
        throw new Error(`${kind} "${namespace}/${key.name}" has no key "${key.key}"`);
      if (value !== undefined) env[e.name] = value;
    } else {
      throw new Error(`env ${e.name}: only fieldRef, secretKeyRef and configMapKeyRef are supported`);
    }
  }
  return env;
}
