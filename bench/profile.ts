/**
 * CPU profiles of gik where a target is missed: the same command run again under
 * `node --cpu-prof`, the profile kept in `bench/.out/profiles/<name>/` and summarized.
 *
 * @module
 */

import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext } from "./context.js";
import { type CpuProfile, hotFunctions, timeByCategory } from "./cpu-profile.js";
import type { ProfileSummary } from "./report-profiles.js";

/** Functions listed per profile. */
export const TOP_FUNCTIONS = 12;

export async function profileGik(ctx: BenchContext, name: string, args: string[]): Promise<ProfileSummary> {
  const dir = join(ctx.repo, "bench", ".out", "profiles", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  ctx.log(`profile: gik ${args.slice(0, 2).join(" ")} under --cpu-prof → ${dir}`);
  ctx.forgetTraffic();
  const measured = await ctx.gik(args, ["--cpu-prof", "--cpu-prof-dir", dir]);
  const traffic = ctx.traffic();
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const { totalMs, functions } = hotFunctions(profile, TOP_FUNCTIONS, ctx.repo);
  return {
    name,
    command: `gik ${args.join(" ")}`,
    measured,
    traffic,
    path: join("bench", ".out", "profiles", name, file),
    totalMs,
    functions,
    categories: timeByCategory(profile, ctx.repo),
  };
}
