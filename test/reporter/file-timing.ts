/**
 * A vitest reporter that prints, after the run, where its time went: each test file's time (its
 * tests and hooks, the shared servers' start and any wait for the cluster lane's lock excluded:
 * `test/infra/cluster-lane.ts`), slowest first, with its project and test count, and the sum per
 * project. Beside vitest's own reporter in `vitest.config.ts`, so that every `npm test` says which
 * files to make faster.
 *
 * @module
 */
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/** Files shown by name; the rest are summed into one line. */
const SHOWN = 25;

export default class FileTimingReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const waitedMs = m.meta().clusterLaneWaitMs ?? 0;
        return {
          file: relative(process.cwd(), m.moduleId),
          project: m.project.name,
          tests: [...m.children.allTests()].length,
          seconds: (m.diagnostic().duration - waitedMs) / 1000,
          waited: waitedMs / 1000,
        };
      })
      .sort((a, b) => b.seconds - a.seconds);
    if (rows.length === 0) return;
    const line = (seconds: number, what: string) => `${seconds.toFixed(1).padStart(8)} s  ${what}`;
    const out = ["", "Time per test file (tests and hooks), slowest first:"];
    for (const r of rows.slice(0, SHOWN))
      out.push(
        line(
          r.seconds,
          `${r.file} [${r.project}, ${r.tests} tests]${r.waited >= 1 ? ` (and ${r.waited.toFixed(1)} s waiting for the cluster lane)` : ""}`,
        ),
      );
    const rest = rows.slice(SHOWN);
    if (rest.length > 0) {
      out.push(
        line(
          rest.reduce((s, r) => s + r.seconds, 0),
          `${rest.length} other files`,
        ),
      );
    }
    const projects = [...new Set(rows.map((r) => r.project))];
    for (const p of projects) {
      const of = rows.filter((r) => r.project === p);
      out.push(
        line(
          of.reduce((s, r) => s + r.seconds, 0),
          `all ${of.length} ${p} files`,
        ),
      );
    }
    process.stdout.write(`${out.join("\n")}\n`);
  }
}
