import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../job-image/src/cli/main.js";

/** Runs the CLI in-process, capturing what it writes. */
function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliEnv({}, ...argv);
}

async function cliEnv(
  env: NodeJS.ProcessEnv,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const code = await main(argv, env);
  vi.restoreAllMocks();
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe("gik", () => {
  it("lists its commands", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const name of ["run", "templates build", "verify", "job"]) expect(r.out).toContain(`  ${name} `);
  });

  it("shows a command's options with their defaults", async () => {
    const r = await cli("run", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--source URL +root of the ECMWF tree \(default: s3:\/\/ecmwf-forecasts\)/);
    expect(r.out).toMatch(/--on-drift fail\|rebuild/);
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["run", "--date"], /gik run: Option '--date <value>' argument missing/],
    [["run", "--nope", "1"], /Unknown option '--nope'/],
  ])("exits 2 on %j", async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("exits 2 naming the field of a bad value, with the command's help", async () => {
    const r = await cli("run", "--date", "20251301", "--log-format", "text");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--date: 20251301 is not a calendar date/);
    expect(r.err).toMatch(/Usage: gik run/);
  });

  it("exits 2 when a Job pod has no contract, naming the variable", async () => {
    const r = await cli("job", "--log-format", "text");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/GIK_JOB_SPEC: not set/);
  });

  it("exits 2 when a Job pod's contract is bad, naming the field", async () => {
    const spec = JSON.stringify({ kind: "TemplateBuild", referenceRun: { date: "20241301", cycle: 0 } });
    const r = await cliEnv({ GIK_JOB_SPEC: spec }, "job", "--log-format", "text");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/GIK_JOB_SPEC.referenceRun.date: 20241301 is not a calendar date/);
  });

  it("exits 2 when a Job pod has no completion index", async () => {
    const spec = JSON.stringify({
      kind: "TemplateBuild",
      referenceRun: { date: "20240529", cycle: 0 },
      members: ["control"],
      source: "s3://ecmwf-forecasts",
      store: "/tmp/x",
      shards: 2,
    });
    const r = await cliEnv({ GIK_JOB_SPEC: spec }, "job", "--log-format", "text");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--index: no completion index/);
  });
});
