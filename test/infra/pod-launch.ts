/**
 * How the pod runner starts a pod's container as a local process, decided without I/O from the pod
 * spec: the {@link LaunchPlan}. It applies what of the pod's security context and resources a
 * process on this machine can be held to, so that a pod spec that would fail in a real cluster
 * fails in the tests too:
 *
 * - **user**: `runAsUser`/`runAsGroup` (the container's over the pod's), `fsGroup` and
 *   `supplementalGroups` as supplementary groups. The test image is taken to run as root when no
 *   UID is given, so `runAsNonRoot: true` needs a non-zero `runAsUser`; otherwise the container is
 *   refused with the kubelet's `CreateContainerConfigError` and message.
 * - **filesystem**: the process runs in its own mount namespace (`unshare --mount`, private
 *   propagation, so nothing leaks to this machine). It gets its own `/run` (a small tmpfs); with
 *   `readOnlyRootFilesystem` every mount of this machine but `/proc` and `/dev` is remounted
 *   read-only in that namespace (writes fail with EROFS), and each `emptyDir` volume mount is a
 *   fresh directory of the pod, bind-mounted read-write at its `mountPath`. The pod's "image" is
 *   this machine, so an emptyDir can hide the files the command runs (the Job pods' emptyDir `/tmp`
 *   over a clone in `/tmp/ci-check`): each such directory ({@link HostBind}) is held under the
 *   pod's `/run` before the emptyDir is mounted, then bound back at its path inside the emptyDir,
 *   read-only; the rest of the emptyDir stays empty and writable.
 * - **service account token**: only when `automountServiceAccountToken` is not false (the pod's,
 *   else the ServiceAccount's), as the kubelet mounts it; then the process gets a `KUBECONFIG` in
 *   `/var/run/secrets/kubernetes.io/serviceaccount/`, read-only, owned by its UID.
 * - **memory**: `limits.memory` becomes a V8 heap bound (`--max-old-space-size`, 75 % of the limit,
 *   appended to `NODE_OPTIONS` unless it already bounds the heap); the runner's RSS watchdog
 *   (`memory-watch.ts`) kills the process group past the limit and reports `OOMKilled`.
 * - `allowPrivilegeEscalation: false` sets no-new-privs; `capabilities.drop: [ALL]` empties the
 *   bounding set. Both through `setpriv`, which finally executes the command.
 *
 * The wrapper needs root. A runner that is not root runs the command as it is (`isolation`
 * undefined), with the memory bound, the token rule and the refusals, and says what it left out.
 *
 * @module
 */

import { posix } from "node:path";
import type { V1Container, V1Pod } from "@kubernetes/client-node";

/** Where a pod's service account token is mounted in a real container; the kubeconfig goes there too. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Share of the memory limit given to V8's old space. */
export const HEAP_SHARE = 0.75;
/** Where the wrapper finds its tools. */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The kubelet's default `terminationMessagePath`. */
export const TERMINATION_MESSAGE_PATH = "/dev/termination-log";

const HEAP_FLAG = /(^|\s)--max[-_](old[-_]space|heap)[-_]size\b/;

/** A mount of this machine, as `/proc/self/mountinfo` lists it. */
export interface HostMount {
  mountPoint: string;
  readOnly: boolean;
}

export interface LaunchInput {
  pod: V1Pod;
  container: V1Container;
  /** `command` + `args` of the container, the executable already mapped to this machine's. */
  commandLine: readonly string[];
  /** The container's resolved environment (`pod-env.ts`). */
  env: Readonly<Record<string, string>>;
  /** PATH of the process (the runner's). */
  path: string;
  /** The runner's directory of this pod (logs, the service account files); not visible to a non-root process. */
  podDir: string;
  /** Where the pod's emptyDir volumes are created, one directory per volume. */
  volumesDir: string;
  /** The ServiceAccount's own `automountServiceAccountToken`, consulted when the pod says nothing. */
  serviceAccountAutomount?: boolean;
  /** Present when the runner is root and can isolate the process: the mounts of this machine. */
  isolation?: {
    hostMounts: readonly HostMount[];
    /** Path of `unshare` (util-linux); the wrapper finds `mount`, `mkdir` and `setpriv` in the system's PATH. */
    unshare: string;
  };
}

export interface EmptyDirMount {
  volume: string;
  /** The pod's fresh directory on this machine. */
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
}

/**
 * A directory of this machine that an emptyDir would hide and the command needs: the top-level entry
 * below the emptyDir's `mountPath` of a path in the command line (`/tmp/ci-check` for
 * `/tmp/ci-check/dist/…/main.js` under an emptyDir at `/tmp`). The wrapper binds it to `hold`
 * before mounting the emptyDir, then back at `path` inside the emptyDir, read-only.
 */
export interface HostBind {
  /** The directory, the same path on this machine and in the pod. */
  path: string;
  /** The `mountPath` of the emptyDir it lies below. */
  mountPath: string;
  /** Where the wrapper holds it meanwhile: a directory in the pod's own `/run`. */
  hold: string;
}

export interface LaunchPlan {
  /** The command line to spawn: the isolation wrapper (if any) followed by the container's command. */
  argv: string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
  /** Working directory to spawn in (the wrapper changes to the container's after mounting). */
  spawnCwd: string;
  /** Working directory of the container's process. */
  cwd: string;
  uid: number;
  gid: number;
  /** Supplementary groups: `fsGroup`, then `supplementalGroups`. */
  groups: number[];
  /** Owner group of the emptyDir directories: `fsGroup`, else the process's group. */
  volumeGroup: number;
  emptyDirs: EmptyDirMount[];
  /** Directories of this machine bound back, read-only, over the emptyDirs that hide them (only when isolated). */
  hostBinds: HostBind[];
  readOnlyRootFilesystem: boolean;
  /** `resources.limits.memory` in bytes. */
  memoryLimitBytes?: number;
  /** Set when the token is mounted: the directory to fill (`kubeconfig`) and the kubeconfig path the process gets. */
  serviceAccount?: { hostDir: string; kubeconfigHostPath: string; kubeconfigPath: string };
  /**
   * The container's termination message file: the pod's own file on this machine, mounted at
   * `terminationMessagePath` (which must exist as a file here; the runner makes it empty once).
   */
  terminationMessage?: { hostPath: string; path: string };
  /** What the plan could not apply on this machine (the runner logs it). */
  notApplied: string[];
}

/** The container cannot be started, with a kubelet-like waiting reason. */
export interface LaunchRefusal {
  reason: string;
  message: string;
}

export type Launch = { plan: LaunchPlan } | { refused: LaunchRefusal };

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * A Kubernetes quantity (`1Gi`, `512Mi`, `256M`, `1e9`, `1500m`, `1048576`) as a number, rounded
 * up to an integer as the kubelet reads a memory limit. Throws on anything else.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return Math.ceil(quantity);
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(quantity.trim());
  const unit = m?.[3] ?? "";
  const factor = m?.[2] ? 10 ** Number(m[2].slice(1)) : (BINARY[unit] ?? DECIMAL[unit]);
  if (!m || factor === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  // Whole numbers stay exact through a BigInt product when the factor is an integer.
  const [whole, frac = ""] = m[1]!.replace(/^\+/, "").split(".");
  if (Number.isInteger(factor) && frac === "" && !whole!.startsWith("-")) {
    const exact = BigInt(whole!) * BigInt(factor);
    if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(exact);
  }
  return Math.ceil(Number(m[1]) * factor - 1e-9);
}

/** Quoted for `sh`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `NODE_OPTIONS` with a heap bound for `limitBytes`, unless it bounds the heap already. */
export function nodeOptions(current: string | undefined, limitBytes: number): string {
  if (current && HEAP_FLAG.test(current)) return current;
  const mib = Math.max(1, Math.floor((limitBytes / 2 ** 20) * HEAP_SHARE));
  return [current?.trim(), `--max-old-space-size=${mib}`].filter(Boolean).join(" ");
}

/** Whether the kubelet would mount the service account token: the pod's field, else the account's, else yes. */
export function mountsToken(pod: V1Pod, serviceAccountAutomount: boolean | undefined): boolean {
  return pod.spec?.automountServiceAccountToken ?? serviceAccountAutomount ?? true;
}

/** Mount points of `/proc/self/mountinfo` text (octal escapes decoded), with their read-only flag. */
export function parseMountInfo(text: string): HostMount[] {
  const decode = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      const fields = line.split(" ");
      return { mountPoint: decode(fields[4]!), readOnly: fields[5]!.split(",").includes("ro") };
    });
}

/** Where the wrapper holds the {@link HostBind} directories: in the pod's own `/run`. */
const HOLD_DIR = "/run/gik-pod-keep";

/** An absolute path without `.`, `..`, double or trailing slashes. */
const clean = (path: string) => posix.normalize(path).replace(/(.)\/+$/, "$1");
/** `path` equals `root` or lies below it. */
const within = (path: string, root: string) =>
  path === root || path.startsWith(root === "/" ? "/" : `${root}/`);

/** The user of the container: the container's security context over the pod's; the image's user is root. */
function containerUser(pod: V1Pod, container: V1Container): LaunchRefusal | { uid: number; gid: number } {
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const uid = sc.runAsUser ?? podSc.runAsUser;
  const gid = sc.runAsGroup ?? podSc.runAsGroup ?? 0;
  const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  const who = `(pod: "${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})", container: ${container.name})`;
  if (nonRoot && uid === 0)
    return {
      reason: "CreateContainerConfigError",
      message: `container's runAsUser breaks non-root policy ${who}`,
    };
  if (nonRoot && uid === undefined)
    return {
      reason: "CreateContainerConfigError",
      message: `container has runAsNonRoot and image will run as root ${who}`,
    };
  return { uid: uid ?? 0, gid };
}

/** The launch plan of `input.container`, or why the kubelet would refuse to start it. Pure. */
export function launchPlan(input: LaunchInput): Launch {
  const { pod, container, isolation } = input;
  const user = containerUser(pod, container);
  if ("reason" in user) return { refused: user };
  const { uid, gid } = user;
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const groups = [
    ...new Set([podSc.fsGroup, ...(podSc.supplementalGroups ?? [])].filter((g) => g !== undefined)),
  ];
  const notApplied: string[] = [];

  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const emptyDirs: EmptyDirMount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    if (!volume)
      return { refused: { reason: "CreateContainerConfigError", message: `volume "${m.name}" not found` } };
    // The token volume the ServiceAccount admission adds: mounted per {@link mountsToken}.
    if (volume.projected && clean(m.mountPath) === SERVICE_ACCOUNT_DIR) continue;
    if (!volume.emptyDir) {
      notApplied.push(`volume mount ${m.mountPath} (${m.name}): only emptyDir volumes are mounted`);
      continue;
    }
    if (m.subPath || m.subPathExpr)
      return {
        refused: {
          reason: "PodRunnerUnsupported",
          message: `volume mount ${m.mountPath}: subPath is not supported`,
        },
      };
    if (!posix.isAbsolute(m.mountPath))
      return {
        refused: {
          reason: "CreateContainerConfigError",
          message: `mountPath ${m.mountPath} is not absolute`,
        },
      };
    emptyDirs.push({
      volume: m.name,
      hostPath: posix.join(input.volumesDir, m.name),
      mountPath: clean(m.mountPath),
      readOnly: m.readOnly === true,
    });
  }

  let memoryLimitBytes: number | undefined;
  const limit = container.resources?.limits?.memory as string | number | undefined;
  if (limit !== undefined) {
    try {
      memoryLimitBytes = parseQuantity(limit);
    } catch (err) {
      return {
        refused: {
          reason: "CreateContainerConfigError",
          message: `limits.memory: ${(err as Error).message}`,
        },
      };
    }
  }

  const readOnlyRootFilesystem = sc.readOnlyRootFilesystem === true;
  const serviceAccount = mountsToken(pod, input.serviceAccountAutomount)
    ? {
        hostDir: posix.join(input.podDir, "serviceaccount"),
        kubeconfigHostPath: posix.join(input.podDir, "serviceaccount", "kubeconfig"),
        kubeconfigPath: isolation
          ? `${SERVICE_ACCOUNT_DIR}/kubeconfig`
          : posix.join(input.podDir, "serviceaccount", "kubeconfig"),
      }
    : undefined;

  const terminationMessage = isolation
    ? {
        hostPath: posix.join(input.podDir, "termination-log"),
        path: container.terminationMessagePath ?? TERMINATION_MESSAGE_PATH,
      }
    : undefined;
  if (!isolation) notApplied.push("terminationMessagePath: the runner is not root");

  const home = uid === 0 ? input.podDir : "/";
  const cwd = container.workingDir ?? home;
  // The runner starts the host's Node (20) where the image has the current LTS: the AWS SDK's
  // warning that its 2027 releases need Node 22 concerns the host, not the pod, so it is off.
  const env: Record<string, string> = {
    PATH: input.path,
    HOME: home,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...input.env,
  };
  if (memoryLimitBytes !== undefined) env.NODE_OPTIONS = nodeOptions(env.NODE_OPTIONS, memoryLimitBytes);
  if (serviceAccount) env.KUBECONFIG = serviceAccount.kubeconfigPath;

  const plan: Omit<LaunchPlan, "argv" | "spawnCwd"> = {
    env,
    cwd,
    uid,
    gid,
    groups,
    volumeGroup: podSc.fsGroup ?? gid,
    emptyDirs,
    // Without isolation nothing is mounted, so nothing is hidden.
    hostBinds: isolation ? hostBinds(input.commandLine, emptyDirs) : [],
    readOnlyRootFilesystem,
    ...(memoryLimitBytes !== undefined ? { memoryLimitBytes } : {}),
    ...(serviceAccount ? { serviceAccount } : {}),
    ...(terminationMessage ? { terminationMessage } : {}),
    notApplied,
  };
  if (!isolation) {
    if (uid !== 0 || gid !== 0 || groups.length)
      notApplied.push(`user ${uid}:${gid}: the runner is not root`);
    if (readOnlyRootFilesystem) notApplied.push("readOnlyRootFilesystem: the runner is not root");
    if (emptyDirs.length) notApplied.push("emptyDir mounts: the runner is not root");
    return { plan: { ...plan, argv: [...input.commandLine], spawnCwd: cwd } };
  }
  const script = isolationScript(plan, isolation.hostMounts, sc, input.commandLine);
  return {
    plan: {
      ...plan,
      argv: [
        isolation.unshare,
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        script,
        "gik-pod",
      ],
      spawnCwd: "/",
    },
  };
}

/**
 * The directories of this machine that `emptyDirs` would hide and `commandLine` needs. In a real
 * container the image's files are its own; here they are this machine's (the built repository,
 * Node), and an emptyDir mounted over them (an emptyDir `/tmp` over a clone in `/tmp`) would hide
 * them: the pod would fail with "Cannot find module". Each absolute path of the command line (an
 * argument, or the value of `--option=/path`) strictly below an emptyDir's `mountPath` (the deepest
 * one) gives the top-level entry below that `mountPath`, once. Relative paths are not looked at:
 * they resolve in the container's working directory, a path of the pod. Nothing under `/run` is
 * kept: the pod's own `/run` hides this machine's anyway. Pure: whether the directory exists is
 * checked by the wrapper, which binds only what does (an argument naming a file the pod will
 * write, `/tmp/out.json`, is no directory of this machine and stays the pod's).
 */
export function hostBinds(commandLine: readonly string[], emptyDirs: readonly EmptyDirMount[]): HostBind[] {
  const binds = new Map<string, HostBind>();
  for (const arg of commandLine) {
    const raw = arg.startsWith("/") ? arg : /^-[^=]*=(\/.*)$/.exec(arg)?.[1];
    if (!raw) continue;
    const path = clean(raw);
    const mountPath = emptyDirs
      .map((d) => d.mountPath)
      .filter((m) => m !== "/" && path !== m && within(path, m) && !within(m, "/run"))
      .sort((a, b) => b.length - a.length)[0];
    if (!mountPath) continue;
    const top = posix.join(mountPath, path.slice(mountPath.length + 1).split("/")[0]!);
    if (!binds.has(top)) binds.set(top, { path: top, mountPath, hold: `${HOLD_DIR}/${binds.size}` });
  }
  return [...binds.values()];
}

/**
 * The `sh` script run as root in the pod's new mount namespace: its `/run`, the token, the
 * directories to bind back held in `/run`, the read-only remounts, the emptyDirs with the held
 * directories bound back inside them, then `setpriv` to the pod's user and the command.
 */
function isolationScript(
  plan: Omit<LaunchPlan, "argv" | "spawnCwd">,
  hostMounts: readonly HostMount[],
  sc: NonNullable<V1Container["securityContext"]>,
  commandLine: readonly string[],
): string {
  const q = shellQuote;
  // The tools come from the system's PATH; the command is looked up in the pod's, as in a container.
  const lines = [
    "set -e",
    `podpath=$PATH; PATH=${SYSTEM_PATH}; setpriv=$(command -v setpriv)`,
    "mount -t tmpfs -o mode=0755,size=1m gik-pod-run /run",
  ];
  if (plan.serviceAccount) {
    const target = SERVICE_ACCOUNT_DIR.replace(/^\/var\/run\//, "/run/");
    lines.push(
      `mkdir -p ${q(target)}`,
      `mount --bind ${q(plan.serviceAccount.hostDir)} ${q(target)}`,
      `mount -o remount,bind,ro ${q(target)}`,
    );
  }
  // Mount points under /run are the pod's own: made in its tmpfs before that turns read-only.
  for (const d of plan.emptyDirs) if (within(d.mountPath, "/run")) lines.push(`mkdir -p ${q(d.mountPath)}`);
  // The directories an emptyDir will hide, held read-only in /run (made before it turns read-only),
  // if they are directories of this machine.
  for (const b of plan.hostBinds)
    lines.push(
      `if [ -d ${q(b.path)} ]; then mkdir -p ${q(b.hold)}; mount --bind ${q(b.path)} ${q(b.hold)}; mount -o remount,bind,ro ${q(b.hold)}; fi`,
    );
  if (plan.readOnlyRootFilesystem) {
    // /proc and /dev stay as a container has them; what lies below /run is hidden by the pod's /run.
    const points = new Map(hostMounts.map((m) => [m.mountPoint, m.readOnly]));
    points.set("/run", false);
    for (const [point, readOnly] of points) {
      const hidden = within(point, "/run") && point !== "/run";
      if (readOnly || hidden || within(point, "/proc") || within(point, "/dev")) continue;
      lines.push(`mount -o remount,bind,ro ${q(point)}`);
    }
  }
  if (plan.terminationMessage) {
    const { hostPath, path } = plan.terminationMessage;
    lines.push(`mount --bind ${q(hostPath)} ${q(path)}`, `mount -o remount,bind,rw ${q(path)}`);
  }
  for (const d of plan.emptyDirs) {
    const kept = plan.hostBinds.filter((b) => b.mountPath === d.mountPath);
    // A bind mount takes the flags of the mount it comes from, read-only by now: set them again
    // (writable first when directories are bound back inside, which need their mount points).
    const flags = d.readOnly ? "ro" : "rw";
    lines.push(
      `mount --bind ${q(d.hostPath)} ${q(d.mountPath)}`,
      `mount -o remount,bind,${kept.length ? "rw" : flags} ${q(d.mountPath)}`,
    );
    // Each held directory back at its path, read-only; its hold in /run is let go.
    for (const b of kept)
      lines.push(
        `if [ -d ${q(b.hold)} ]; then mkdir -p ${q(b.path)}; mount --bind ${q(b.hold)} ${q(b.path)}; mount -o remount,bind,ro ${q(b.path)}; umount ${q(b.hold)}; fi`,
      );
    if (kept.length && d.readOnly) lines.push(`mount -o remount,bind,ro ${q(d.mountPath)}`);
  }
  const privileges = [
    `--reuid=${plan.uid}`,
    `--regid=${plan.gid}`,
    plan.groups.length ? `--groups=${plan.groups.join(",")}` : "--clear-groups",
    ...(sc.allowPrivilegeEscalation === false ? ["--no-new-privs"] : []),
    ...(sc.capabilities?.drop?.includes("ALL") ? ["--inh-caps=-all", "--bounding-set=-all"] : []),
    "--",
  ];
  const command = [...privileges, ...commandLine].map(q).join(" ");
  // `cd` exports PWD and OLDPWD, which the pod's environment does not have.
  const cdVars = ["OLDPWD", "PWD"].filter((v) => !(v in plan.env));
  lines.push(
    `cd ${q(plan.cwd)}${cdVars.length ? `; unset ${cdVars.join(" ")}` : ""}`,
    `PATH=$podpath; exec "$setpriv" ${command}`,
  );
  return lines.join("\n");
}
