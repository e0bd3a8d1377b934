import type { V1Container, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { HostMount, LaunchInput, LaunchPlan } from "./pod-launch.js";
import {
  hostBinds,
  launchPlan,
  mountsToken,
  nodeOptions,
  parseMountInfo,
  parseQuantity,
  SERVICE_ACCOUNT_DIR,
  shellQuote,
} from "./pod-launch.js";

const HOST_MOUNTS: HostMount[] = [
  { mountPoint: "/proc", readOnly: false },
  { mountPoint: "/sys", readOnly: false },
  { mountPoint: "/dev", readOnly: false },
  { mountPoint: "/dev/shm", readOnly: false },
  { mountPoint: "/", readOnly: false },
  { mountPoint: "/mnt/tools", readOnly: true },
  { mountPoint: "/sys/fs/cgroup", readOnly: false },
  { mountPoint: "/run/user/1000", readOnly: false },
  { mountPoint: "/srv/data dir", readOnly: false },
];

/** The operator's locked-down pod (`operator/src/reconcilers/common/job-spec.ts`), as the API server stores it. */
function lockedDown(spec: Partial<V1PodSpec> = {}, container: Partial<V1Container> = {}): V1Pod {
  return {
    metadata: { name: "run-0-abcde", namespace: "runs", uid: "u-1" },
    spec: {
      serviceAccountName: "gik-job",
      automountServiceAccountToken: true,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
      containers: [
        {
          name: "gik",
          image: "gik-job-image:dev",
          command: ["gik"],
          resources: { limits: { memory: "1Gi" } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
          },
          volumeMounts: [
            { name: "tmp", mountPath: "/tmp" },
            { name: "kube-api-access-x1", mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
          ],
          ...container,
        },
      ],
      volumes: [
        { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
        { name: "kube-api-access-x1", projected: { sources: [] } },
      ],
      ...spec,
    },
  };
}

/** A plain pod: no security context, no volumes, no limits. */
const plain = (container: Partial<V1Container> = {}, spec: Partial<V1PodSpec> = {}): V1Pod => ({
  metadata: { name: "plain", namespace: "runs", uid: "u-2" },
  spec: { containers: [{ name: "main", image: "gik-job-image:dev", ...container }], ...spec },
});

const input = (pod: V1Pod, more: Partial<LaunchInput> = {}): LaunchInput => ({
  pod,
  container: pod.spec!.containers[0]!,
  commandLine: ["/usr/bin/node", "/repo/dist/job-image/src/cli/main.js", "run"],
  env: {},
  path: "/usr/bin:/bin",
  podDir: "/cache/run/pods/runs/p",
  volumesDir: "/cache/run/data/pod-volumes/u-1",
  isolation: { hostMounts: HOST_MOUNTS, unshare: "/usr/bin/unshare" },
  ...more,
});

function plan(pod: V1Pod, more: Partial<LaunchInput> = {}): LaunchPlan {
  const launch = launchPlan(input(pod, more));
  if (!("plan" in launch)) throw new Error(`refused: ${launch.refused.message}`);
  return launch.plan;
}

const refusal = (pod: V1Pod) => {
  const launch = launchPlan(input(pod));
  return "refused" in launch ? launch.refused : undefined;
};

/** The lines of the isolation script (the `sh -c` argument). */
const script = (p: LaunchPlan) => p.argv[p.argv.indexOf("-c") + 1]!.split("\n");

describe("Kubernetes quantities", () => {
  it.each([
    { q: "1Gi", bytes: 2 ** 30 },
    { q: "512Mi", bytes: 512 * 2 ** 20 },
    { q: "64Mi", bytes: 64 * 2 ** 20 },
    { q: "256M", bytes: 256e6 },
    { q: "1.5Gi", bytes: 1.5 * 2 ** 30 },
    { q: "1048576", bytes: 1048576 },
    { q: "1e9", bytes: 1e9 },
    { q: "2E3", bytes: 2000 },
    { q: "128k", bytes: 128_000 },
    { q: "100Ki", bytes: 102_400 },
    { q: "1500m", bytes: 2 },
    { q: "0.5", bytes: 1 },
    { q: "8Ei", bytes: 8 * 2 ** 60 },
  ])("reads $q as $bytes bytes (rounded up)", ({ q, bytes }) => {
    expect(parseQuantity(q)).toBe(bytes);
  });

  it("takes a number as bytes", () => {
    expect(parseQuantity(1024)).toBe(1024);
  });

  it.each(["", "1GB", "Gi", "1 Gi", "1.2.3Mi", "abc"])("refuses %j", (q) => {
    expect(() => parseQuantity(q)).toThrow(/not a Kubernetes quantity/);
  });
});

describe("the user of a container", () => {
  it("runs the operator's locked-down pod as its runAsUser and runAsGroup", () => {
    const p = plan(lockedDown());
    expect({ uid: p.uid, gid: p.gid, groups: p.groups }).toEqual({ uid: 1000, gid: 1000, groups: [] });
    expect(script(p).at(-1)).toBe(
      'PATH=$podpath; exec "$setpriv" --reuid=1000 --regid=1000 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- /usr/bin/node /repo/dist/job-image/src/cli/main.js run',
    );
  });

  it("takes the container's runAsUser and runAsGroup over the pod's", () => {
    const pod = lockedDown(
      { securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 3000, supplementalGroups: [4000] } },
      { securityContext: { runAsUser: 2000, runAsGroup: 2500 } },
    );
    const p = plan(pod);
    expect({ uid: p.uid, gid: p.gid, groups: p.groups, volumeGroup: p.volumeGroup }).toEqual({
      uid: 2000,
      gid: 2500,
      groups: [3000, 4000],
      volumeGroup: 3000,
    });
    expect(script(p).at(-1)).toMatch(
      /^PATH=\$podpath; exec "\$setpriv" --reuid=2000 --regid=2500 --groups=3000,4000 -- /,
    );
  });

  it("takes the pod's runAsUser when the container names none, group 0 when no group is given", () => {
    const p = plan(plain({}, { securityContext: { runAsUser: 1234 } }));
    expect([p.uid, p.gid]).toEqual([1234, 0]);
  });

  it("runs a pod without a security context as root, as the image's user", () => {
    const p = plan(plain());
    expect([p.uid, p.gid]).toEqual([0, 0]);
    expect(p.env.HOME).toBe("/cache/run/pods/runs/p");
    expect(p.cwd).toBe("/cache/run/pods/runs/p");
  });

  it("gives a non-root process HOME and working directory /, or the container's workingDir", () => {
    expect(plan(lockedDown())).toMatchObject({ cwd: "/", env: { HOME: "/" } });
    expect(plan(lockedDown({}, { workingDir: "/srv" })).cwd).toBe("/srv");
  });

  it.each([
    {
      name: "runAsNonRoot without a UID (the image runs as root)",
      pod: plain({ securityContext: { runAsNonRoot: true } }),
      message:
        'container has runAsNonRoot and image will run as root (pod: "plain_runs(u-2)", container: main)',
    },
    {
      name: "runAsNonRoot of the pod with runAsUser 0 of the container",
      pod: plain({ securityContext: { runAsUser: 0 } }, { securityContext: { runAsNonRoot: true } }),
      message: 'container\'s runAsUser breaks non-root policy (pod: "plain_runs(u-2)", container: main)',
    },
    {
      name: "the locked-down pod whose container asks for UID 0",
      pod: lockedDown({}, { securityContext: { runAsNonRoot: true, runAsUser: 0 } }),
      message: "container's runAsUser breaks non-root policy",
    },
  ])("refuses $name as CreateContainerConfigError", ({ pod, message }) => {
    expect(refusal(pod)).toEqual({
      reason: "CreateContainerConfigError",
      message: expect.stringContaining(message),
    });
  });

  it("lets the container's runAsNonRoot: false lift the pod's", () => {
    const pod = plain(
      { securityContext: { runAsNonRoot: false } },
      { securityContext: { runAsNonRoot: true } },
    );
    expect(plan(pod).uid).toBe(0);
  });

  it("runs UID 0 when runAsNonRoot is not asked for", () => {
    expect(plan(plain({ securityContext: { runAsUser: 0 } })).uid).toBe(0);
  });
});

describe("the filesystem of a container", () => {
  it("binds a clone under an emptyDir's mountPath back inside it, read-only, instead of hiding it", () => {
    const p = plan(lockedDown(), {
      commandLine: ["/usr/bin/node", "/tmp/ci-check/dist/job-image/src/cli/main.js", "job"],
    });
    expect(p.hostBinds).toEqual([{ path: "/tmp/ci-check", mountPath: "/tmp", hold: "/run/gik-pod-keep/0" }]);
    const lines = script(p);
    const hold =
      "if [ -d /tmp/ci-check ]; then mkdir -p /run/gik-pod-keep/0; mount --bind /tmp/ci-check /run/gik-pod-keep/0; mount -o remount,bind,ro /run/gik-pod-keep/0; fi";
    const bindBack =
      "if [ -d /run/gik-pod-keep/0 ]; then mkdir -p /tmp/ci-check; mount --bind /run/gik-pod-keep/0 /tmp/ci-check; mount -o remount,bind,ro /tmp/ci-check; umount /run/gik-pod-keep/0; fi";
    // Held while /run is writable and /tmp is this machine's; bound back once the emptyDir is mounted.
    expect(lines.indexOf(hold)).toBeGreaterThan(
      lines.indexOf("mount -t tmpfs -o mode=0755,size=1m gik-pod-run /run"),
    );
    expect(lines.indexOf(hold)).toBeLessThan(lines.indexOf("mount -o remount,bind,ro /run"));
    expect(lines.slice(lines.indexOf("mount --bind /cache/run/data/pod-volumes/u-1/tmp /tmp"))).toEqual([
      "mount --bind /cache/run/data/pod-volumes/u-1/tmp /tmp",
      "mount -o remount,bind,rw /tmp",
      bindBack,
      "cd /; unset OLDPWD PWD",
      'PATH=$podpath; exec "$setpriv" --reuid=1000 --regid=1000 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- /usr/bin/node /tmp/ci-check/dist/job-image/src/cli/main.js job',
    ]);
  });

  it("binds nothing back when the command's files are outside every emptyDir, or nothing is mounted", () => {
    const outside = plan(lockedDown());
    expect(outside.hostBinds).toEqual([]);
    expect(script(outside).join("\n")).not.toContain("gik-pod-keep");
    const commandLine = ["/usr/bin/node", "/tmp/ci-check/dist/job-image/src/cli/main.js", "job"];
    expect(plan(lockedDown(), { commandLine, isolation: undefined }).hostBinds).toEqual([]);
  });

  it("keeps a read-only emptyDir writable until the directories are bound back inside it", () => {
    const pod = plain(
      { volumeMounts: [{ name: "cache", mountPath: "/var/cache/x", readOnly: true }] },
      { volumes: [{ name: "cache", emptyDir: {} }] },
    );
    const lines = script(plan(pod, { commandLine: ["/var/cache/x/tool/bin/run"] }));
    expect(
      lines.slice(lines.indexOf("mount --bind /cache/run/data/pod-volumes/u-1/cache /var/cache/x"), -2),
    ).toEqual([
      "mount --bind /cache/run/data/pod-volumes/u-1/cache /var/cache/x",
      "mount -o remount,bind,rw /var/cache/x",
      "if [ -d /run/gik-pod-keep/0 ]; then mkdir -p /var/cache/x/tool; mount --bind /run/gik-pod-keep/0 /var/cache/x/tool; mount -o remount,bind,ro /var/cache/x/tool; umount /run/gik-pod-keep/0; fi",
      "mount -o remount,bind,ro /var/cache/x",
    ]);
  });

  it("binds back the top-level directory of each absolute path once, below the deepest emptyDir", () => {
    const emptyDirs = ["/tmp", "/tmp/deep", "/run/app", "/data"].map((mountPath) => ({
      volume: mountPath.slice(1).replace(/\//g, "-"),
      hostPath: `/volumes${mountPath}`,
      mountPath,
      readOnly: false,
    }));
    expect(
      hostBinds(
        [
          "/usr/bin/node",
          "--require=/tmp/ci-check/hook.js",
          "/tmp/ci-check/dist/main.js",
          "/tmp/deep/a/b.js",
          "/tmp",
          "/run/app/x/y",
          "relative/path",
          "--out",
          "/data//other/../out.json",
        ],
        emptyDirs,
      ),
    ).toEqual([
      { path: "/tmp/ci-check", mountPath: "/tmp", hold: "/run/gik-pod-keep/0" },
      { path: "/tmp/deep/a", mountPath: "/tmp/deep", hold: "/run/gik-pod-keep/1" },
      { path: "/data/out.json", mountPath: "/data", hold: "/run/gik-pod-keep/2" },
    ]);
  });

  it("makes every writable mount read-only but /proc, /dev and what /run hides, then mounts the emptyDirs", () => {
    const p = plan(lockedDown());
    expect(p.readOnlyRootFilesystem).toBe(true);
    expect(p.emptyDirs).toEqual([
      { volume: "tmp", hostPath: "/cache/run/data/pod-volumes/u-1/tmp", mountPath: "/tmp", readOnly: false },
    ]);
    expect(script(p)).toEqual([
      "set -e",
      "podpath=$PATH; PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; setpriv=$(command -v setpriv)",
      "mount -t tmpfs -o mode=0755,size=1m gik-pod-run /run",
      "mkdir -p /run/secrets/kubernetes.io/serviceaccount",
      "mount --bind /cache/run/pods/runs/p/serviceaccount /run/secrets/kubernetes.io/serviceaccount",
      "mount -o remount,bind,ro /run/secrets/kubernetes.io/serviceaccount",
      "mount -o remount,bind,ro /sys",
      "mount -o remount,bind,ro /",
      "mount -o remount,bind,ro /sys/fs/cgroup",
      "mount -o remount,bind,ro '/srv/data dir'",
      "mount -o remount,bind,ro /run",
      "mount --bind /cache/run/pods/runs/p/termination-log /dev/termination-log",
      "mount -o remount,bind,rw /dev/termination-log",
      "mount --bind /cache/run/data/pod-volumes/u-1/tmp /tmp",
      "mount -o remount,bind,rw /tmp",
      "cd /; unset OLDPWD PWD",
      expect.stringMatching(/^PATH=\$podpath; exec "\$setpriv" /),
    ]);
    expect(p.argv.slice(0, 7)).toEqual([
      "/usr/bin/unshare",
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
    ]);
  });

  it("leaves the root filesystem writable without readOnlyRootFilesystem, and mounts a read-only emptyDir read-only", () => {
    const pod = plain(
      { volumeMounts: [{ name: "cache", mountPath: "/var/cache/x/", readOnly: true }] },
      {
        volumes: [{ name: "cache", emptyDir: {} }],
      },
    );
    const lines = script(plan(pod));
    expect(lines.filter((l) => l.includes("remount,bind,ro"))).toEqual([
      "mount -o remount,bind,ro /run/secrets/kubernetes.io/serviceaccount",
      "mount -o remount,bind,ro /var/cache/x",
    ]);
    expect(lines).toContain("mount --bind /cache/run/data/pod-volumes/u-1/cache /var/cache/x");
  });

  it("makes mount points below /run in the pod's own /run", () => {
    const pod = plain(
      { volumeMounts: [{ name: "sock", mountPath: "/run/app" }] },
      {
        volumes: [{ name: "sock", emptyDir: {} }],
      },
    );
    const lines = script(plan(pod));
    expect(lines.indexOf("mkdir -p /run/app")).toBeGreaterThan(0);
    expect(lines.indexOf("mkdir -p /run/app")).toBeLessThan(
      lines.indexOf("mount --bind /cache/run/data/pod-volumes/u-1/sock /run/app"),
    );
  });

  it("skips the token volume and says what other volumes it does not mount", () => {
    const pod = lockedDown({
      volumes: [
        { name: "tmp", emptyDir: {} },
        { name: "kube-api-access-x1", projected: { sources: [] } },
        { name: "conf", configMap: { name: "c" } },
      ],
    });
    pod.spec!.containers[0]!.volumeMounts!.push({ name: "conf", mountPath: "/etc/conf" });
    expect(plan(pod).notApplied).toEqual([
      "volume mount /etc/conf (conf): only emptyDir volumes are mounted",
    ]);
  });

  it.each([
    {
      name: "an unknown volume",
      mount: { name: "nope", mountPath: "/x" },
      reason: "CreateContainerConfigError",
    },
    {
      name: "a subPath",
      mount: { name: "tmp", mountPath: "/x", subPath: "a" },
      reason: "PodRunnerUnsupported",
    },
  ])("refuses $name", ({ mount, reason }) => {
    const pod = lockedDown({}, { volumeMounts: [mount] });
    expect(refusal(pod)?.reason).toBe(reason);
  });

  it("quotes what it hands to sh", () => {
    expect(shellQuote("plain/path-1.js")).toBe("plain/path-1.js");
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    const p = plan(plain({}), { commandLine: ["node", "-e", "console.log('a b')"] });
    expect(script(p).at(-1)).toBe(
      `PATH=$podpath; exec "$setpriv" --reuid=0 --regid=0 --clear-groups -- node -e 'console.log('\\''a b'\\'')'`,
    );
  });

  it("runs the command as it is when the runner cannot isolate it, saying what it leaves out", () => {
    const p = plan(lockedDown(), { isolation: undefined });
    expect(p.argv).toEqual(["/usr/bin/node", "/repo/dist/job-image/src/cli/main.js", "run"]);
    expect(p.env.KUBECONFIG).toBe("/cache/run/pods/runs/p/serviceaccount/kubeconfig");
    expect(p.notApplied).toEqual([
      "terminationMessagePath: the runner is not root",
      "user 1000:1000: the runner is not root",
      "readOnlyRootFilesystem: the runner is not root",
      "emptyDir mounts: the runner is not root",
    ]);
  });

  it("reads mount points and their read-only flag from mountinfo", () => {
    const text = [
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
      "28 27 0:25 / /mnt/tools ro,nosuid,nodev,relatime - tmpfs tools ro,size=4k",
      "29 27 0:26 / /srv/data\\040dir rw,relatime - tmpfs t rw",
      "",
    ].join("\n");
    expect(parseMountInfo(text)).toEqual([
      { mountPoint: "/", readOnly: false },
      { mountPoint: "/mnt/tools", readOnly: true },
      { mountPoint: "/srv/data dir", readOnly: false },
    ]);
  });
});

describe("the memory limit", () => {
  it("bounds the V8 heap to 75 % of the limit", () => {
    const p = plan(lockedDown());
    expect(p.memoryLimitBytes).toBe(2 ** 30);
    expect(p.env.NODE_OPTIONS).toBe("--max-old-space-size=768");
  });

  it.each([
    { current: undefined, limit: 64 * 2 ** 20, options: "--max-old-space-size=48" },
    {
      current: "--enable-source-maps",
      limit: 512 * 2 ** 20,
      options: "--enable-source-maps --max-old-space-size=384",
    },
    { current: "--max-old-space-size=100", limit: 2 ** 30, options: "--max-old-space-size=100" },
    { current: "--max_old_space_size=100", limit: 2 ** 30, options: "--max_old_space_size=100" },
    {
      current: "--trace-warnings --max-heap-size=200",
      limit: 2 ** 30,
      options: "--trace-warnings --max-heap-size=200",
    },
  ])("turns NODE_OPTIONS $current into $options", ({ current, limit, options }) => {
    expect(nodeOptions(current, limit)).toBe(options);
  });

  it("keeps the pod's own heap flag", () => {
    const p = plan(plain({ resources: { limits: { memory: "256M" } } }), {
      env: { NODE_OPTIONS: "--max-old-space-size=64" },
    });
    expect(p.env.NODE_OPTIONS).toBe("--max-old-space-size=64");
    expect(p.memoryLimitBytes).toBe(256e6);
  });

  it("sets nothing without a limit", () => {
    const p = plan(plain({ resources: { requests: { memory: "1Gi" } } }));
    expect(p.memoryLimitBytes).toBeUndefined();
    expect(p.env.NODE_OPTIONS).toBeUndefined();
  });

  it("refuses a limit that is no quantity", () => {
    expect(refusal(plain({ resources: { limits: { memory: "lots" } } }))?.reason).toBe(
      "CreateContainerConfigError",
    );
  });
});

describe("the service account token", () => {
  it.each([
    { pod: undefined, account: undefined, mounted: true },
    { pod: undefined, account: false, mounted: false },
    { pod: undefined, account: true, mounted: true },
    { pod: true, account: false, mounted: true },
    { pod: false, account: true, mounted: false },
  ])("pod $pod, account $account: mounted $mounted", ({ pod, account, mounted }) => {
    expect(mountsToken(plain({}, { automountServiceAccountToken: pod }), account)).toBe(mounted);
  });

  it("gives the process a KUBECONFIG in the token's directory when mounted", () => {
    const p = plan(lockedDown(), { env: { A: "1" } });
    expect(p.env).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      A: "1",
      NODE_OPTIONS: "--max-old-space-size=768",
      KUBECONFIG: `${SERVICE_ACCOUNT_DIR}/kubeconfig`,
    });
    expect(p.serviceAccount).toEqual({
      hostDir: "/cache/run/pods/runs/p/serviceaccount",
      kubeconfigHostPath: "/cache/run/pods/runs/p/serviceaccount/kubeconfig",
      kubeconfigPath: `${SERVICE_ACCOUNT_DIR}/kubeconfig`,
    });
  });

  it.each([
    { name: "the pod", pod: lockedDown({ automountServiceAccountToken: false }), account: true },
    { name: "its ServiceAccount", pod: plain(), account: false },
  ])("gives no KUBECONFIG and mounts no token when $name says automount false", ({ pod, account }) => {
    const p = plan(pod, { serviceAccountAutomount: account });
    expect(p.env.KUBECONFIG).toBeUndefined();
    expect(p.serviceAccount).toBeUndefined();
    expect(script(p).join("\n")).not.toContain("serviceaccount");
  });
});
