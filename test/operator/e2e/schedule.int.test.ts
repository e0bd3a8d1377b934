/**
 * EcmwfSchedules end to end on the real control plane: the operator is its own process acting as
 * its service account, on a shifted clock 1200 times as fast as real time (`GIK_CLOCK_*`: one
 * forecast hour every 3 s, 2025-01-01T02:00Z when the file's timeline starts), so a day of
 * cycles takes about 85 s. (At 1800 times, the steps between the restart and 00:00 had 3–4 s
 * of real time to spare, too little on a loaded machine.) Four schedules of the four cycles
 * from 20250101 share one timeline in one namespace:
 *
 * | schedule  | policy  | deadline | what it shows                                                |
 * | --------- | ------- | -------- | ------------------------------------------------------------ |
 * | `allow`   | Allow   | 1 h      | exactly three runs (00, 06, 18 z) with the right names; 12 z, due while the operator is down, skipped with one Event |
 * | `forbid`  | Forbid  | —        | 06 z waits while 00 z is active; made when 00 z ends; 12 z then waits for 06 z |
 * | `replace` | Replace | —        | each new cycle's run replaces the active one; one run left    |
 * | `history` | Allow   | —        | history limits 1/1: the oldest ended runs pruned, Events     |
 *
 * The operator is SIGKILLed at 12:30 and restarted after 19:15 (12 z was due at 18:00, missed at
 * 19:00), then SIGKILLed and restarted once more at the end: a watch of the namespace's runs shows
 * every run ADDED once, and the Events show every create, skip, replace and prune once.
 *
 * The runs name a TemplateBuild that does not exist, so their Jobs never start and they stay
 * Pending, i.e. active (no pods are run). Where a run must end (Forbid, the history), the test
 * writes its status as the admin, as the run's own reconciler records a run whose Job ended and
 * was deleted after its TTL (`phase` and `completionTime`; that reconciler then leaves the run
 * alone). Nothing here depends on pods succeeding.
 */
import { type CoreV1Event, KubeConfig, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import type { EcmwfRun, EcmwfSchedule, RunPhase } from "../../../job-image/src/api/index.js";
import { until } from "../helpers/until.js";
import { gikObject, ok } from "./cluster.js";
import { type E2e, OUT_BUCKET, setUpE2e } from "./harness.js";
import { eventsOf } from "./run-status.js";

const infra = inject("infra");
/** Forecast milliseconds per real millisecond. */
const SCALE = 1200;
const START = Date.parse("2025-01-01T02:00:00Z");
let origin = 0;
/** The operator's clock settings, fixed at its first start so that restarts continue the timeline. */
const clockEnv = () => {
  if (origin === 0) origin = Date.now() + 5_000;
  return {
    GIK_CLOCK_START: new Date(START).toISOString(),
    GIK_CLOCK_ORIGIN: new Date(origin).toISOString(),
    GIK_CLOCK_SCALE: String(SCALE),
  };
};
/** What the operator's clock reads now. */
const clockNow = () => new Date(START + (Date.now() - origin) * SCALE);
/** Resolves once the operator's clock reads `iso` (UTC). */
const clockReaches = async (iso: string) => {
  const realAt = origin + (Date.parse(`${iso}Z`) - START) / SCALE;
  await new Promise((r) => setTimeout(r, Math.max(0, realAt - Date.now())));
};

let e2e: E2e;
let ns: string;
let added: Awaited<ReturnType<typeof watchRuns>>;

beforeAll(async () => {
  e2e = await setUpE2e(infra, "schedule", { mirror: false, env: clockEnv });
  ns = await e2e.namespace("gik-e2e-schedule");
  added = await watchRuns(ns);
});
afterAll(async () => {
  added?.stop();
  await e2e?.close();
});

const runTemplate = (ns: string) => ({
  templates: { templateBuild: "not-there" },
  members: ["control"],
  output: `s3://${OUT_BUCKET}/${ns}`,
});

function scheduleObject(name: string, spec: object) {
  return gikObject("EcmwfSchedule", ns, name, {
    cycles: [0, 6, 12, 18],
    startFrom: "20250101",
    runTemplate: runTemplate(ns),
    ...spec,
  });
}

async function runs(): Promise<EcmwfRun[]> {
  return (JSON.parse(ok(await e2e.kubectl(["get", "er", "-n", ns, "-o", "json"]))) as { items: EcmwfRun[] })
    .items;
}
const namesOf = async (schedule: string) =>
  (await runs())
    .map((r) => r.metadata.name)
    .filter((n) => n.startsWith(`${schedule}-`))
    .sort();
const getSchedule = async (name: string) =>
  JSON.parse(ok(await e2e.kubectl(["get", "es", name, "-n", ns, "-o", "json"]))) as EcmwfSchedule;
/** Polls until the schedule's runs are exactly `names` (by cycle). */
const runsAre = (schedule: string, stamps: string[], timeoutMs = 20_000) =>
  until(
    `${schedule}'s runs to be ${stamps.join(", ")} (clock ${clockNow().toISOString()})`,
    async () => {
      const names = await namesOf(schedule);
      return names.join() === stamps.map((s) => `${schedule}-${s}`).join() ? names : undefined;
    },
    timeoutMs,
  );
/** Ends a run as the admin, as its own reconciler records a run whose Job ended and went. */
const endRun = async (name: string, phase: RunPhase) =>
  ok(
    await e2e.kubectl([
      "patch",
      "er",
      name,
      "-n",
      ns,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { phase, completionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") } }),
    ]),
  );
const reasons = async (schedule: string) =>
  (await eventsOf(e2e.kubectl, ns, schedule)).map((e: CoreV1Event) => `${e.reason}: ${e.message}`);

describe("EcmwfSchedules over a day of cycles, on a clock 1200 times as fast", () => {
  it("make each due cycle's run once, skip a missed one, honour Forbid and Replace, prune the history, across SIGKILLs", async () => {
    onTestFailed(async () => console.error(await e2e.diagnose(ns)));
    expect(clockNow().getTime(), "set-up took too long for the timeline").toBeLessThan(
      Date.parse("2025-01-01T05:00:00Z"),
    );
    await e2e.apply(
      "schedules.yaml",
      scheduleObject("allow", { startingDeadlineSeconds: 3600 }),
      scheduleObject("forbid", { concurrencyPolicy: "Forbid" }),
      scheduleObject("replace", { concurrencyPolicy: "Replace" }),
      scheduleObject("history", { successfulRunsHistoryLimit: 1, failedRunsHistoryLimit: 1 }),
    );
    const nextOf = async (name: string) =>
      (await getSchedule(name)).status?.conditions?.find((c) => c.type === "Ready")?.message;
    expect(
      await until("allow to be seen", async () => (await nextOf("allow"))?.startsWith("next") || undefined),
    ).toBe(true);
    expect(await nextOf("allow")).toBe("next cycle 2025010100, due at 2025-01-01T06:00:00Z");

    // 06:00: 00z of every schedule.
    await clockReaches("2025-01-01T06:00:00");
    for (const s of ["allow", "forbid", "replace", "history"]) await runsAre(s, ["2025010100"]);
    const run00 = (await runs()).find((r) => r.metadata.name === "allow-2025010100")!;
    expect(run00.spec).toMatchObject({ date: "20250101", cycle: 0, ...runTemplate(ns) });
    expect(run00.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: "EcmwfSchedule",
        name: "allow",
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    expect(run00.metadata.labels).toMatchObject({ "gik.dev/schedule": "allow" });

    // 12:00: 06z; Forbid waits for 00z, Replace replaces it.
    await clockReaches("2025-01-01T12:00:00");
    await runsAre("allow", ["2025010100", "2025010106"]);
    await runsAre("replace", ["2025010106"]);
    await runsAre("history", ["2025010100", "2025010106"]);
    const waiting = await until("forbid to wait", async () => {
      const ready = (await getSchedule("forbid")).status?.conditions?.find((c) => c.type === "Ready");
      return ready?.reason === "WaitingForActiveRun" ? ready : undefined;
    });
    expect(waiting.message).toBe(
      "cycle 2025010106 is due; waiting for forbid-2025010100 to end (concurrencyPolicy Forbid)",
    );
    expect(await namesOf("forbid")).toEqual(["forbid-2025010100"]);

    // Down from ~12:30 to after 19:15: 12z is due at 18:00 and missed (allow's deadline) at 19:00.
    const first = e2e.operator();
    first.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    console.log(`operator SIGKILLed at ${clockNow().toISOString()}`);
    await clockReaches("2025-01-01T19:15:00");
    await e2e.startOperator();
    console.log(`operator restarted, leading at ${clockNow().toISOString()}`);

    await runsAre("replace", ["2025010112"]);
    await runsAre("history", ["2025010100", "2025010106", "2025010112"]);
    await until(
      "allow's skip of 12z",
      async () => (await reasons("allow")).some((r) => r.startsWith("RunSkipped")) || undefined,
    );
    expect(await namesOf("allow")).toEqual(["allow-2025010100", "allow-2025010106"]);
    expect(await namesOf("forbid")).toEqual(["forbid-2025010100"]);

    // Forbid: 00z ends; 06z (the oldest due) is made, and 12z waits for it in turn.
    await endRun("forbid-2025010100", "Succeeded");
    await runsAre("forbid", ["2025010100", "2025010106"]);

    // History limits 1 succeeded, 1 failed: 00z goes once 12z has succeeded too.
    await endRun("history-2025010100", "Succeeded");
    await endRun("history-2025010106", "Failed");
    await endRun("history-2025010112", "Succeeded");
    await runsAre("history", ["2025010106", "2025010112"]);

    // 00:00: 18z.
    await clockReaches("2025-01-02T00:00:00");
    await runsAre("allow", ["2025010100", "2025010106", "2025010118"]);
    await runsAre("replace", ["2025010118"]);
    await runsAre("history", ["2025010106", "2025010112", "2025010118"]);
    expect(await namesOf("forbid")).toEqual(["forbid-2025010100", "forbid-2025010106"]);

    // 18z partially succeeds: the older failed run, 06z, goes.
    await endRun("history-2025010118", "PartiallySucceeded");
    await runsAre("history", ["2025010112", "2025010118"]);
    const history = await until("history's status", async () => {
      const es = await getSchedule("history");
      const last = es.status?.conditions?.find((c) => c.type === "LastRunSucceeded");
      return last?.status === "False" ? es : undefined;
    });
    expect(history.status?.lastSuccessfulRun).toBe("history-2025010112");
    expect(history.status?.conditions?.find((c) => c.type === "LastRunSucceeded")).toMatchObject({
      reason: "RunFailed",
      message: "run history-2025010118 partially succeeded",
    });

    // Killed and restarted once more: nothing is made, skipped or pruned again.
    const schedules = ["allow", "forbid", "replace", "history"];
    const eventsNow = async () =>
      Object.fromEntries(await Promise.all(schedules.map(async (s) => [s, await reasons(s)] as const)));
    const before = { watched: added.events.length, events: await eventsNow() };
    const second = e2e.operator();
    second.kill("SIGKILL");
    await second.exited;
    await e2e.startOperator();
    await new Promise((r) => setTimeout(r, 2_000));
    console.log(`operator restarted again; checked at ${clockNow().toISOString()}`);
    expect(clockNow().getTime(), "the checks must end before the next cycle is due").toBeLessThan(
      Date.parse("2025-01-02T06:00:00Z"),
    );
    expect(added.events.slice(before.watched)).toEqual([]);
    expect(await eventsNow()).toEqual(before.events);

    // Every run ADDED once, ever; the right ones deleted.
    const addedNames = added.events.filter((e) => e.type === "ADDED").map((e) => e.name);
    console.log(`runs ADDED: ${addedNames.join(", ")}`);
    expect(new Set(addedNames).size).toBe(addedNames.length);
    const stamps = (s: string, list: string[]) => list.map((x) => `${s}-${x}`);
    expect([...addedNames].sort()).toEqual(
      [
        ...stamps("allow", ["2025010100", "2025010106", "2025010118"]),
        ...stamps("forbid", ["2025010100", "2025010106"]),
        ...stamps("history", ["2025010100", "2025010106", "2025010112", "2025010118"]),
        ...stamps("replace", ["2025010100", "2025010106", "2025010112", "2025010118"]),
      ].sort(),
    );
    expect(
      added.events
        .filter((e) => e.type === "DELETED")
        .map((e) => e.name)
        .sort(),
    ).toEqual([
      "history-2025010100",
      "history-2025010106",
      ...stamps("replace", ["2025010100", "2025010106", "2025010112"]),
    ]);

    const events = before.events;
    console.log(
      Object.entries(events)
        .map(([s, list]) => `${s}:\n  ${list.join("\n  ")}`)
        .join("\n"),
    );
    expect(events.allow).toEqual([
      "RunCreated: Created run allow-2025010100",
      "RunCreated: Created run allow-2025010106",
      "RunSkipped: allow-2025010112 (cycle 2025010112) not made: due at 2025-01-01T18:00:00Z, its starting deadline passed at 2025-01-01T19:00:00Z",
      "RunCreated: Created run allow-2025010118",
    ]);
    expect(events.forbid).toEqual([
      "RunCreated: Created run forbid-2025010100",
      "RunCreated: Created run forbid-2025010106",
    ]);
    expect(events.replace?.filter((r) => r.startsWith("RunReplaced"))).toEqual([
      "RunReplaced: Deleted active run replace-2025010100 for replace-2025010106 (concurrencyPolicy Replace)",
      "RunReplaced: Deleted active run replace-2025010106 for replace-2025010112 (concurrencyPolicy Replace)",
      "RunReplaced: Deleted active run replace-2025010112 for replace-2025010118 (concurrencyPolicy Replace)",
    ]);
    expect(events.replace?.filter((r) => r.startsWith("RunCreated"))).toHaveLength(4);
    expect(events.history?.filter((r) => !r.startsWith("RunCreated"))).toEqual([
      "RunPruned: Deleted run history-2025010100 (Succeeded): beyond the history limit",
      "RunPruned: Deleted run history-2025010106 (Failed): beyond the history limit",
    ]);

    // What kubectl shows.
    const table = ok(await e2e.kubectl(["get", "es", "-n", ns]));
    console.log(table);
    const row = (name: string) =>
      table
        .split("\n")
        .find((l) => l.startsWith(`${name} `))
        ?.split(/\s+/);
    expect(row("allow")?.slice(0, 5)).toEqual(["allow", "[0,6,12,18]", "false", "3", "allow-2025010118"]);
    expect(row("forbid")?.slice(0, 5)).toEqual(["forbid", "[0,6,12,18]", "false", "1", "forbid-2025010106"]);
    expect(row("replace")?.slice(0, 5)).toEqual([
      "replace",
      "[0,6,12,18]",
      "false",
      "1",
      "replace-2025010118",
    ]);
    expect(row("history")?.slice(0, 5)).toEqual([
      "history",
      "[0,6,12,18]",
      "false",
      "0",
      "history-2025010118",
    ]);
    expect((await getSchedule("allow")).status).toMatchObject({
      lastScheduleTime: "2025-01-01T18:00:00Z",
      lastScheduledRun: "allow-2025010118",
      active: ["allow-2025010100", "allow-2025010106", "allow-2025010118"],
      activeCount: 3,
    });
  });
});

/**
 * Watches the EcmwfRuns of `ns` from now on (admin), collecting ADDED and DELETED events by name;
 * the watch is re-established if the server ends it.
 */
async function watchRuns(namespace: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(infra.kube.kubeconfig);
  const watch = new Watch(kc);
  const events: { type: string; name: string; uid: string }[] = [];
  let stopped = false;
  let request: AbortController | undefined;
  let resourceVersion: string | undefined;
  const start = async () => {
    request = await watch.watch(
      `/apis/gik.dev/v1alpha1/namespaces/${namespace}/ecmwfruns`,
      resourceVersion ? { resourceVersion, allowWatchBookmarks: true } : { allowWatchBookmarks: true },
      (type: string, run: EcmwfRun) => {
        resourceVersion = run.metadata?.resourceVersion ?? resourceVersion;
        if (type === "ADDED" || type === "DELETED")
          events.push({ type, name: run.metadata?.name ?? "", uid: run.metadata?.uid ?? "" });
      },
      () => {
        if (!stopped) void start();
      },
    );
  };
  await start();
  return {
    events,
    stop: () => {
      stopped = true;
      request?.abort();
    },
  };
}
