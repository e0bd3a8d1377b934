import { describe, expect, it } from "vitest";
import {
  MAX_MESSAGE,
  memberStatusPatch,
  reportMemberStatus,
  type StatusPatcher,
} from "../../../job-image/src/job/report-status.js";

const target = {
  name: "run-20250101",
  namespace: "gik",
  member: "ens07",
  status: {
    phase: "Succeeded" as const,
    output: "s3://gik-out/stores/20250101/00z/ens07.parquet",
    refs: 4096,
    completionTime: "2025-01-01T06:00:09Z",
  },
};

/** A patcher that answers with the given HTTP statuses in turn (200 = accepted). */
function patcher(answers: number[]) {
  const calls: Array<{ namespace: string; name: string; patch: object }> = [];
  const patch: StatusPatcher = async (namespace, name, body) => {
    calls.push({ namespace, name, patch: body });
    const code = answers.shift() ?? 200;
    if (code !== 200) throw Object.assign(new Error(`HTTP ${code}`), { code });
  };
  return { calls, patch };
}

function deps(answers: number[]) {
  const p = patcher(answers);
  const warnings: Array<Record<string, unknown>> = [];
  const delays: number[] = [];
  return {
    ...p,
    warnings,
    delays,
    deps: {
      patch: p.patch,
      log: { warn: (fields: Record<string, unknown>) => warnings.push(fields) },
      delay: async (ms: number) => {
        delays.push(ms);
      },
    },
  };
}

describe("memberStatusPatch", () => {
  it("touches only status.members.<member>, dropping undefined fields and cutting long messages", () => {
    expect(memberStatusPatch(target)).toEqual({ status: { members: { ens07: target.status } } });
    const failed = memberStatusPatch({
      ...target,
      status: { phase: "Failed", message: "x".repeat(5000), reason: "StorageError", output: undefined },
    }) as { status: { members: { ens07: { message: string } } } };
    expect(Object.keys(failed.status.members.ens07).sort()).toEqual(["message", "phase", "reason"]);
    expect(failed.status.members.ens07.message).toHaveLength(MAX_MESSAGE);
  });
});

describe("reportMemberStatus", () => {
  it("sends the merge patch for the run once when accepted", async () => {
    const t = deps([]);
    expect(await reportMemberStatus(target, t.deps)).toBe(true);
    expect(t.calls).toEqual([{ namespace: "gik", name: "run-20250101", patch: memberStatusPatch(target) }]);
    expect(t.warnings).toEqual([]);
  });

  it.each([
    { name: "409 then ok", answers: [409], ok: true, calls: 2, delays: [250] },
    { name: "503, 500, then ok", answers: [503, 500], ok: true, calls: 3, delays: [250, 500] },
    {
      name: "429 every time: gives up after 4 attempts",
      answers: [429, 429, 429, 429],
      ok: false,
      calls: 4,
      delays: [250, 500, 1000],
    },
    { name: "403 (not allowed): no retry", answers: [403], ok: false, calls: 1, delays: [] },
    { name: "404 (run gone): no retry", answers: [404], ok: false, calls: 1, delays: [] },
  ])("$name", async ({ answers, ok, calls, delays }) => {
    const t = deps([...answers]);
    expect(await reportMemberStatus(target, t.deps)).toBe(ok);
    expect(t.calls).toHaveLength(calls);
    expect(t.delays).toEqual(delays);
    expect(t.warnings).toHaveLength(ok ? 0 : 1);
    if (!ok)
      expect(t.warnings[0]).toMatchObject({
        run: "gik/run-20250101",
        member: "ens07",
        status: answers.at(-1),
      });
  });

  it("retries an error without an HTTP status (network), and never rejects", async () => {
    const warnings: unknown[] = [];
    let calls = 0;
    const result = await reportMemberStatus(target, {
      patch: async () => {
        calls++;
        throw new Error("ECONNRESET");
      },
      log: { warn: (f) => warnings.push(f) },
      delay: async () => {},
      attempts: 2,
    });
    expect(result).toBe(false);
    expect(calls).toBe(2);
    expect(warnings).toHaveLength(1);
  });
});
