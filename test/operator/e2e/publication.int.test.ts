/**
 * Runs that wait for ECMWF's files (issue 12), end to end on the real control plane: the operator
 * is its own process, the member pods real `gik` processes, the files and stores in MinIO. Each
 * scenario has its namespace, its source bucket and three members (control, ens01, ens02, on
 * templates built once for the file); they run at once, so the file takes about as long as the
 * longest (the first, whose files are published over a minute):
 *
 * - a run applied before its first file: the run's files are published over a minute in ECMWF's
 *   order (`test/helpers/publish.ts`); the run waits with `SourceAvailable=False` and a rising count
 *   in `status.source` (read from a waiting member's log), then succeeds; the time from the last
 *   index written to `Succeeded` is printed;
 * - a run whose last step never appears fails at its deadline (25 s from its apply) with reason
 *   `SourceNotPublished`, naming the missing index; each member once (exit 2, no retries);
 * - a corrupt index fails at once, though the deadline is far: bad input is not "not yet published";
 * - a schedule whose run template names a collection (on a clock set to 2026-05-11 07:00 UTC, so
 *   that its two due cycles are runs of the 20260510/11 mirror; `Forbid`, since a collection grows
 *   forward from its first run and the older run must append first): both runs append to it, one
 *   after the other, and the collection holds both.
 *
 * The runs are of 20250101 (or 2026): their default deadline (12 h after the run time) has long
 * passed, so the tests give deadlines as the time since the run time plus what they mean to wait.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, it, type OnTestFailedHandler } from "vitest";
import { type EcmwfRun, type RunPhase, stepsOf } from "../../../job-image/src/api/index.js";
import { gikS3Env, runGik } from "../../helpers/gik-cli.js";
import { ensureMirror } from "../../helpers/mirror.js";
import { publishOverTime } from "../../helpers/publish.js";
import { ensureBucket, putObject, uploadTree } from "../../helpers/s3-objects.js";
import { until } from "../helpers/until.js";
import { CREDENTIALS_SECRET, gikObject } from "./cluster.js";
import { type E2e, setUpE2e, TEMPLATES_BUCKET } from "./harness.js";
import { ecmwfRun, outputOf, RUN, TEMPLATE_BUILD, templateBuild, templatesStore } from "./manifests.js";
import { condition, eventsWith, exitCode, expectSucceededRun, podsByIndex } from "./run-status.js";

const infra = inject("infra");
const MEMBERS = ["control", "ens01", "ens02"];
const RUN_TIME = Date.parse("2025-01-01T00:00:00Z");
/** The run's files as the mirror lays them out. */
const stepFile = (step: number) => `20250101/00z/ifs/0p25/enfo/20250101000000-${step}h-enfo-ef`;
/** The mirror whose 20260510 and 20260511 runs the schedule makes (the collection tests' mirror). */
const GROWTH_DATES = ["20260510", "20260511", "20260512"];

let e2e: E2e;
/** The templates of 20240529 the runs share, built while the scenarios set up. */
let templates: Promise<{ store: string; referenceDate: string }>;

beforeAll(async () => {
  e2e = await setUpE2e(infra, "publication", {
    env: () => ({ GIK_CLOCK_START: "2026-05-11T07:00:00Z" }),
  });
  const ns = await e2e.namespace("gik-e2e-pub-templates");
  await e2e.apply("templates.yaml", templateBuild(ns, { members: MEMBERS }));
  templates = until(
    "the templates",
    async () =>
      (await e2e.templateBuild(ns, TEMPLATE_BUILD)).status?.phase === "Succeeded"
        ? { store: templatesStore(ns), referenceDate: "20240529" }
        : undefined,
    300_000,
  );
});
afterAll(async () => {
  await e2e?.close();
});

const ended = (r: EcmwfRun) => ["Succeeded", "PartiallySucceeded", "Failed"].includes(r.status?.phase ?? "");

/** `spec.sourceDeadline` for a deadline `seconds` from now (the duration is counted from the run time). */
const deadlineIn = (seconds: number) => `${Math.ceil((Date.now() - RUN_TIME) / 1000) + seconds}s`;

/** A namespace for one scenario, whose bucket of the same name is the run's source. */
async function scenario(prefix: string, onTestFailed: (fn: OnTestFailedHandler) => void) {
  const ns = await e2e.namespace(prefix);
  onTestFailed(async () => console.error(await e2e.diagnose(ns)));
  await ensureBucket(e2e.s3, ns);
  return ns;
}

/** The run of namespace `ns` on the file's templates, reading the bucket `ns`, members at once. */
const waitingRun = async (ns: string, sourceDeadline: string) =>
  ecmwfRun(ns, {
    members: MEMBERS,
    parallelism: MEMBERS.length,
    templates: await templates,
    source: `s3://${ns}`,
    sourceDeadline,
    sourcePollSeconds: 2,
  });

it.concurrent("a run applied before its first file waits, counting the steps as they appear, then succeeds", async ({
  onTestFailed,
}) => {
  const ns = await scenario("gik-e2e-pub-wait", onTestFailed);
  await e2e.apply("wait.yaml", await waitingRun(ns, deadlineIn(600)));
  await e2e.waitForRun(ns, RUN, "its members to run", (r) =>
    MEMBERS.every((m) => r.status?.members?.[m]?.phase === "Running"),
  );
  const before = await e2e.run(ns, RUN);
  expect(before.status?.phase).toBe("Running");
  expect(condition(before, "SourceAvailable")?.status).not.toBe("True");

  let lastIndexAt: number | undefined;
  const publishing = publishOverTime(e2e.s3, e2e.mirror, ns, { date: "20250101", spanMs: 60_000 }).then(
    (p) => {
      lastIndexAt = p.lastIndexAt;
      return p;
    },
  );
  const waiting: number[] = [];
  let endedAt = 0;
  const done = await e2e.waitForRun(
    ns,
    RUN,
    "to end",
    (r) => {
      const source = condition(r, "SourceAvailable");
      const published = r.status?.source?.published;
      if (source?.reason === "Waiting" && published !== undefined && waiting.at(-1) !== published)
        waiting.push(published);
      if (!ended(r)) return false;
      endedAt = Date.now();
      return true;
    },
    240_000,
  );
  const { keys } = await publishing;
  expect(lastIndexAt).toBeDefined();
  console.log(`steps published seen while waiting: ${waiting.join(", ")}`);
  console.log(
    `last index object written → run Succeeded seen: ${((endedAt - lastIndexAt!) / 1000).toFixed(1)} s`,
  );
  expect(keys).toHaveLength(170);
  for (const step of stepsOf(0)) {
    const [grib, index] = [".grib2", ".index"].map((ext) => keys.indexOf(`${stepFile(step)}${ext}`));
    expect(grib, `step ${step}`).toBeGreaterThanOrEqual(0);
    expect(grib, `step ${step}: its GRIB file before its index`).toBeLessThan(index!);
  }
  expectSucceededRun(done, ns, MEMBERS);
  expect(new Set(waiting).size).toBeGreaterThanOrEqual(2);
  expect(waiting).toEqual([...waiting].sort((a, b) => a - b));
  expect(Math.max(...waiting)).toBeLessThan(85);
  expect(condition(done, "SourceAvailable")).toMatchObject({ status: "True", reason: "Published" });
  expect(done.status?.source).toEqual({ published: 85, total: 85, progress: "85/85" });
  const row = (await e2e.kubectl(["get", "er", "-n", ns, "--no-headers"])).stdout.trim().split(/\s+/);
  expect(row.slice(3, 8)).toEqual(["Succeeded", "3", "0", "3", "85/85"]);

  const events = (await eventsWith(e2e.kubectl, ns, RUN, ["SourcePublished"])).map(
    (e) => `${e.reason}: ${e.message}`,
  );
  console.log(events.join("\n"));
  expect(events.filter((e) => e.startsWith("SourceWaiting"))).toHaveLength(1);
  expect(events.filter((e) => e.startsWith("SourcePublished"))).toEqual([
    "SourcePublished: all 85 steps published",
  ]);
});

it.concurrent("a run whose last step never appears fails at its deadline with SourceNotPublished naming it", async ({
  onTestFailed,
}) => {
  const ns = await scenario("gik-e2e-pub-late", onTestFailed);
  await publishOverTime(e2e.s3, e2e.mirror, ns, { date: "20250101", spanMs: 0, withhold: [360] });
  await templates;
  // Long enough for the pods to start and report 84/85 on a loaded machine; this scenario still
  // ends before the first one, which sets the file's length.
  const sourceDeadline = deadlineIn(50);
  const deadline = RUN_TIME + Number(sourceDeadline.slice(0, -1)) * 1000;
  await e2e.apply("late.yaml", await waitingRun(ns, sourceDeadline));

  const waiting = await e2e.waitForRun(
    ns,
    RUN,
    "to wait for its last step",
    (r) => condition(r, "SourceAvailable")?.reason === "Waiting" || ended(r),
  );
  expect(waiting.status?.source?.progress).toBe("84/85");
  expect(condition(waiting, "SourceAvailable")?.message).toBe(
    `84 of 85 steps published; waiting until ${new Date(deadline).toISOString()}`,
  );

  const done = await e2e.waitForRun(ns, RUN, "to end", ended, 120_000);
  const missing = `s3://${ns}/${stepFile(360)}.index`;
  const failed = condition(done, "Failed");
  console.log(`Failed: ${failed?.reason}: ${failed?.message}`);
  expect(done.status?.phase).toBe("Failed");
  expect(failed).toMatchObject({ status: "True", reason: "SourceNotPublished" });
  expect(failed?.message).toContain(missing);
  expect(failed?.message).toContain("failed members: control, ens01, ens02");
  expect(condition(done, "SourceAvailable")).toMatchObject({ status: "False", reason: "SourceNotPublished" });
  for (const member of MEMBERS) {
    expect(done.status?.members?.[member], member).toMatchObject({
      phase: "Failed",
      reason: "SourceNotPublishedError",
    });
    expect(done.status?.members?.[member]?.message, member).toContain(missing);
  }
  expect(Date.parse(done.status?.completionTime ?? "")).toBeGreaterThanOrEqual(
    Math.floor(deadline / 1000) * 1000,
  );
  // Bad input: each member ran once and exited 2.
  const byIndex = podsByIndex(await e2e.runPods(ns, RUN));
  for (const i of [0, 1, 2]) expect(byIndex.get(i)?.map(exitCode), `index ${i}`).toEqual([2]);
});

it.concurrent("a run with a corrupt index fails at once, though its deadline is far", async ({
  onTestFailed,
}) => {
  const ns = await scenario("gik-e2e-pub-corrupt", onTestFailed);
  await publishOverTime(e2e.s3, e2e.mirror, ns, { date: "20250101", spanMs: 0 });
  await putObject(e2e.s3, ns, `${stepFile(24)}.index`, "this is not an index\n");
  const run = await waitingRun(ns, deadlineIn(600));
  const applied = Date.now();
  await e2e.apply("corrupt.yaml", run);

  const done = await e2e.waitForRun(ns, RUN, "to end", ended, 120_000);
  const took = Date.parse(done.status?.completionTime ?? "") - applied;
  console.log(`corrupt index: ${done.status?.phase} after ${(took / 1000).toFixed(0)} s`);
  expect(done.status?.phase).toBe("Failed");
  expect(took).toBeLessThan(300_000);
  expect(condition(done, "Failed")?.reason).toBe("IndexesFailed");
  expect(condition(done, "SourceAvailable")?.reason).not.toBe("SourceNotPublished");
  for (const member of MEMBERS) {
    expect(done.status?.members?.[member], member).toMatchObject({
      phase: "Failed",
      reason: "IndexParseError",
    });
    expect(done.status?.members?.[member]?.message, member).toContain(`${stepFile(24)}.index:1`);
  }
  const byIndex = podsByIndex(await e2e.runPods(ns, RUN));
  for (const i of [0, 1, 2]) expect(byIndex.get(i)?.map(exitCode), `index ${i}`).toEqual([2]);
});
it.concurrent("a schedule whose run template names a collection: each run appends, the collection grows", async ({
  onTestFailed,
}) => {
  const ns = await scenario("gik-e2e-pub-grow", onTestFailed);
  const mirror = await ensureMirror({ dates: GROWTH_DATES });
  await Promise.all(GROWTH_DATES.slice(0, 2).map((d) => uploadTree(e2e.s3, join(mirror, d), ns, d)));
  const members = ["control"];
  const credentials = { secretRef: { name: CREDENTIALS_SECRET } };
  const collection = `${outputOf(ns)}/collection`;
  await e2e.apply(
    "growth.yaml",
    gikObject("TemplateBuild", ns, "ref-20260510", {
      referenceDate: "20260510",
      members,
      source: `s3://${ns}`,
      store: `s3://${TEMPLATES_BUCKET}/${ns}/20260510`,
      credentials,
    }),
    gikObject("EcmwfSchedule", ns, "grow", {
      cycles: [0],
      startFrom: "20260510",
      // A collection grows forward from its first run: the older run must append first.
      concurrencyPolicy: "Forbid",
      runTemplate: {
        templates: { templateBuild: "ref-20260510" },
        members,
        source: `s3://${ns}`,
        output: outputOf(ns),
        credentials,
        collection: { url: collection },
      },
    }),
  );
  // The schedule's clock reads 2026-05-11 07:00: the 00z cycles of the 10th and 11th are due.
  const names = ["grow-2026051000", "grow-2026051100"];
  const phases = await until(
    "both runs of the schedule to end",
    async () => {
      const runs = await Promise.all(names.map((n) => e2e.run(ns, n).catch(() => undefined)));
      return runs.every((r) => r && ended(r)) ? runs.map((r) => r!.status?.phase as RunPhase) : undefined;
    },
    300_000,
  );
  const runs = await Promise.all(names.map((n) => e2e.run(ns, n)));
  for (const r of runs) console.log(`${r.metadata.name}: ${JSON.stringify(r.status?.collection)}`);
  expect(phases).toEqual(["Succeeded", "Succeeded"]);
  for (const r of runs) {
    expect(r.spec.collection).toEqual({ url: collection, cycles: [0] });
    expect(r.status?.collection).toMatchObject({ url: collection, phase: "Succeeded" });
  }
  expect(runs.map((r) => [r.status?.collection?.slot, r.status?.collection?.slots])).toEqual([
    [0, 1],
    [1, 2],
  ]);

  const info = await runGik(["collection", "info", collection], gikS3Env(infra.s3));
  console.log(info.stdout.trim());
  expect(info.code, info.stderr).toBe(0);
  expect(info.stdout).toMatch(/: 2 runs in 2 slots/);
});
