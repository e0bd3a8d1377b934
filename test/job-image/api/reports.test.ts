/**
 * The reports pods leave in their termination message: within Kubernetes' 4096 bytes whatever the
 * messages (cut, still JSON), and read back defensively (a log tail, another kind, a field of the
 * wrong type give `undefined` or drop the field, never a throw).
 */
import { describe, expect, it } from "vitest";
import {
  ALL_MEMBERS,
  type CommitReport,
  encodeCommitReport,
  encodeMemberReport,
  type MemberReport,
  type MemberResult,
  parseCommitReport,
  parseMemberReport,
  TERMINATION_MESSAGE_LIMIT,
} from "../../../job-image/src/api/index.js";

const times = { startTime: "2025-01-01T06:00:00Z", completionTime: "2025-01-01T06:00:09Z" };
const committed: CommitReport = {
  kind: "gik-commit-report",
  phase: "Succeeded",
  ensemble: {
    status: "written",
    url: "s3://gik-out/20250101/00z/ensemble.parquet",
    failed: ["ens07"],
  },
  collection: {
    status: "appended",
    url: "s3://gik-out/collection",
    slot: 3,
    slots: 4,
    message: "12 objects (4096 bytes) written, 0 removed",
  },
  ...times,
};
const bytes = (text: string) => Buffer.byteLength(text);

describe("commit report", () => {
  it("goes through its JSON unchanged", () => {
    expect(parseCommitReport(encodeCommitReport(committed))).toEqual(committed);
    const threw: CommitReport = {
      kind: "gik-commit-report",
      phase: "Failed",
      reason: "StorageError",
      message: "s3://gik-out: 403",
      ...times,
    };
    expect(parseCommitReport(encodeCommitReport(threw))).toEqual(threw);
  });

  it("cuts every long message so the whole fits in 4096 bytes, and stays a report", () => {
    const long = 'é"\\\n'.repeat(3000);
    const report: CommitReport = {
      ...committed,
      phase: "Failed",
      message: long,
      ensemble: { ...committed.ensemble!, status: "failed", message: long },
      collection: { status: "failed", url: "s3://gik-out/collection", message: long },
    };
    const text = encodeCommitReport(report);
    expect(bytes(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const back = parseCommitReport(text)!;
    expect(back.phase).toBe("Failed");
    for (const message of [back.message, back.ensemble?.message, back.collection?.message]) {
      expect(message?.endsWith("…")).toBe(true);
      expect(long.startsWith(message!.slice(0, -1))).toBe(true);
    }
  });

  it.each<[string, string | undefined]>([
    ["nothing", undefined],
    ["a log tail (FallbackToLogsOnError)", '{"level":50,"msg":"commit failed"}\nSegmentation fault'],
    [
      "a member report",
      encodeMemberReport({
        kind: "gik-member-report",
        members: [{ member: "control", phase: "Succeeded" }],
        ...times,
      }),
    ],
    ["a report without times", JSON.stringify({ kind: "gik-commit-report", phase: "Succeeded" })],
    ["a report of an unknown phase", JSON.stringify({ ...committed, phase: "Done" })],
    ["an array", "[1,2]"],
  ])("is not read from %s", (_name, text) => {
    expect(parseCommitReport(text)).toBeUndefined();
  });

  it("drops parts and fields of the wrong shape", () => {
    const text = JSON.stringify({
      ...committed,
      ensemble: { status: "written", url: 7 },
      collection: { status: "appended", url: "s3://gik-out/collection", slot: "3", failed: 1 },
    });
    expect(parseCommitReport(text)).toEqual({
      kind: "gik-commit-report",
      phase: "Succeeded",
      collection: { status: "appended", url: "s3://gik-out/collection" },
      ...times,
    });
  });
});

describe("member report", () => {
  const report: MemberReport = {
    kind: "gik-member-report",
    members: [{ member: "ens07", phase: "Failed", reason: "IndexParseError", message: "x".repeat(10_000) }],
    ...times,
  };

  it("cuts its message to fit, and reads back", () => {
    const text = encodeMemberReport(report);
    expect(bytes(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    expect(bytes(text)).toBeGreaterThan(TERMINATION_MESSAGE_LIMIT - 16);
    expect(parseMemberReport(text)?.members).toMatchObject([{ member: "ens07", reason: "IndexParseError" }]);
  });

  it("a share of all 51 members, each failed at length, fits and reads back whole", () => {
    const members: MemberResult[] = ALL_MEMBERS.map((member, i) => ({
      member,
      phase: i % 2 === 0 ? ("Succeeded" as const) : ("Failed" as const),
      ...(i % 2 === 0
        ? { refs: 15565, message: "written" }
        : { reason: "StorageError", message: `é${i}${"y".repeat(500)}` }),
    }));
    const text = encodeMemberReport({ kind: "gik-member-report", members, ...times });
    expect(bytes(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const back = parseMemberReport(text)!;
    expect(back.members.map((m) => [m.member, m.phase, m.refs, m.reason])).toEqual(
      members.map((m) => [m.member, m.phase, m.refs, m.reason]),
    );
    expect(back.members[1]!.message).toMatch(/^é1y*…$/);
  });

  it("a share of all 51 members failed the same way: the failure written once, whole, and read back on each", () => {
    const said = `20261002000000-${"9".repeat(3)}h-enfo-ef.index and ${"x".repeat(600)} not published by 2026-10-02T12:00:00Z`;
    const members: MemberResult[] = ALL_MEMBERS.map((member, i) =>
      i === 7
        ? { member, phase: "Failed", reason: "StorageError", message: "503 SlowDown" }
        : { member, phase: "Failed", reason: "SourceNotPublishedError", message: said },
    );
    const text = encodeMemberReport({ kind: "gik-member-report", members, ...times });
    expect(bytes(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    expect(text.split(said)).toHaveLength(2);
    expect(parseMemberReport(text)?.members).toEqual(members);
  });

  it("a share of all 51 members, each failed its own way: reasons kept, messages left out when cut ones do not fit", () => {
    const members: MemberResult[] = ALL_MEMBERS.map((member, i) => ({
      member,
      phase: "Failed",
      reason: "SourceNotPublishedError",
      message: `step ${i}h not published`,
    }));
    const text = encodeMemberReport({ kind: "gik-member-report", members, ...times });
    expect(bytes(text)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    expect(parseMemberReport(text)?.members).toEqual(members.map(({ message: _, ...m }) => m));
  });

  it("one entry of the wrong shape: not a report (the operator falls back to the Job's verdict)", () => {
    const text = JSON.stringify({
      kind: "gik-member-report",
      members: [{ member: "ens01", phase: "Done" }],
      ...times,
    });
    expect(parseMemberReport(text)).toBeUndefined();
  });

  it("is not a commit report, nor is a commit report one", () => {
    expect(parseMemberReport(encodeCommitReport(committed))).toBeUndefined();
    expect(parseCommitReport(encodeMemberReport(report))).toBeUndefined();
  });
});
