/**
 * A whole run as the operator's Job runs it with `membersPerPod` (docs/reading-on-kubernetes.md,
 * option D): `gik job` for each completion index in turn, each under the memory bound of a pod with
 * the chart's default limit, with the Job contract the operator writes. What the pods read, summed,
 * is what the run reads on Kubernetes.
 *
 * @module
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ALL_MEMBERS,
  encodeJobSpec,
  parseMemberReport,
  type RunJobSpec,
  shareCount,
  shareMembers,
} from "../job-image/src/api/index.js";
import { chartPodLimit } from "./bench-member.js";
import { TEMPLATES_PREFIX } from "./bench-templates.js";
import { OUTPUT_BUCKET, SOURCE_BUCKET } from "./buckets.js";
import type { BenchContext } from "./context.js";
import type { Measured } from "./measure-process.js";
import type { TrafficSummary } from "./traffic.js";

/** Members per pod: two pods, the most parallelism that keeps a run's reads within 2× its index files. */
export const MEMBERS_PER_POD = 26;

export interface SharesResult {
  membersPerPod: number;
  /** The chart's default memory limit the pods ran under. */
  limitBytes: number;
  /** One entry per completion index, in order. */
  pods: Array<{ members: number; measured: Measured; traffic: TrafficSummary }>;
}

export async function benchShares(ctx: BenchContext): Promise<SharesResult> {
  const { limitBytes, option } = chartPodLimit(ctx);
  const spec: RunJobSpec = {
    kind: "EcmwfRun",
    run: { date: ctx.target, cycle: 0 },
    members: [...ALL_MEMBERS],
    templates: { store: `s3://${OUTPUT_BUCKET}/${TEMPLATES_PREFIX}`, referenceDate: ctx.reference },
    source: `s3://${SOURCE_BUCKET}`,
    output: `s3://${OUTPUT_BUCKET}/shares`,
    format: "parquet",
    layout: "members",
    onDrift: "fail",
    membersPerPod: MEMBERS_PER_POD,
  };
  const dir = await mkdtemp(join(tmpdir(), "gik-bench-shares-"));
  try {
    const specFile = join(dir, "spec.json");
    await writeFile(specFile, encodeJobSpec(spec));
    const pods: SharesResult["pods"] = [];
    for (let index = 0; index < shareCount(spec); index++) {
      const members = shareMembers(spec, index);
      ctx.log(
        `run in pods of ${MEMBERS_PER_POD} members: gik job --index ${index} (${members.length} members) under ${option}`,
      );
      const report = join(dir, `report-${index}`);
      ctx.forgetTraffic();
      const measured = await ctx.gik(
        ["job", "--spec", specFile, "--index", String(index), "--report", report],
        [option],
      );
      const traffic = ctx.traffic();
      const said = parseMemberReport(await readFile(report, "utf8"));
      const done = said?.members.filter((m) => m.phase === "Succeeded").length ?? 0;
      if (done !== members.length)
        throw new Error(
          `gik job --index ${index}: ${done} of ${members.length} members succeeded:\n${measured.stdout}`,
        );
      pods.push({ members: members.length, measured, traffic });
    }
    return { membersPerPod: MEMBERS_PER_POD, limitBytes, pods };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
