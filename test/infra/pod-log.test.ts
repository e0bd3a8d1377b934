import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { CriRecord, LogQuery } from "./pod-log.js";
import {
  CONTAINER_LOG,
  CriLogEncoder,
  criTime,
  LogSelection,
  logText,
  MAX_RECORD_BYTES,
  parseCriLog,
  recordPodOutput,
} from "./pod-log.js";

const t0 = new Date("2026-03-01T10:00:00.123Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const T0 = "2026-03-01T10:00:00.123000000Z";

/** A log of `[seconds after t0, stream, text]` chunks, as the encoder writes it. */
function criLog(chunks: [number, "stdout" | "stderr", string][], end = true): Buffer {
  const enc = new CriLogEncoder();
  const out = chunks.map(([s, stream, text]) => enc.write(stream, Buffer.from(text), at(s)));
  if (end) out.push(enc.end("stdout", at(99)), enc.end("stderr", at(99)));
  return Buffer.concat(out);
}
const records = (log: Buffer) => parseCriLog(log).records;
/** What one read (not followed) returns. */
const read = (log: Buffer, query: LogQuery) => {
  const sel = new LogSelection(query);
  return sel.take(sel.tail(records(log))).out.toString("utf8");
};

describe("the CRI log encoder", () => {
  it("writes a record per complete line, in containerd's format", () => {
    expect(criTime(t0)).toBe(T0);
    const enc = new CriLogEncoder();
    expect(enc.write("stdout", Buffer.from("a\nb\n"), t0).toString()).toBe(
      `${T0} stdout F a\n${T0} stdout F b\n`,
    );
    expect(enc.write("stderr", Buffer.from('{"level":30}\n'), t0).toString()).toBe(
      `${T0} stderr F {"level":30}\n`,
    );
  });

  it("holds a partial line per stream until its newline; the rest becomes a full line at the end", () => {
    const enc = new CriLogEncoder();
    expect(enc.write("stdout", Buffer.from("hal"), t0).length).toBe(0);
    expect(enc.write("stderr", Buffer.from("err\n"), t0).toString()).toBe(`${T0} stderr F err\n`);
    expect(enc.write("stdout", Buffer.from("f\nwho"), at(1)).toString()).toMatch(/ stdout F half\n$/);
    expect(enc.end("stderr", at(2)).length).toBe(0);
    expect(enc.end("stdout", at(2)).toString()).toMatch(/ stdout F who\n$/);
  });

  it("splits a line longer than 16 KiB into partial records, as containerd", () => {
    const enc = new CriLogEncoder();
    const long = "x".repeat(MAX_RECORD_BYTES * 2 + 5);
    const log = enc.write("stdout", Buffer.from(`${long}\nnext\n`), t0);
    const tags = log
      .toString()
      .trimEnd()
      .split("\n")
      .map((l) => l.split(" ")[2]);
    expect(tags).toEqual(["P", "P", "F", "F"]);
    expect(logText(log)).toBe(`${long}\nnext\n`);
  });
});

describe("parseCriLog", () => {
  it("gives back the bytes written, both streams in order; an unfinished record waits", () => {
    const log = criLog([
      [0, "stdout", "one\n"],
      [0, "stderr", "two\n"],
      [1, "stdout", "three\n"],
    ]);
    const cut = log.subarray(0, log.length - 4);
    const parsed = parseCriLog(cut);
    expect(parsed.records.map((r) => r.content.toString())).toEqual(["one\n", "two\n"]);
    expect(parsed.consumed).toBe(log.indexOf("three") - `${T0} stdout F `.length);
    expect(logText(log)).toBe("one\ntwo\nthree\n");
    expect(records(Buffer.from(`garbage\n${T0} stdin F x\n${T0} stdout F:x y z\n`))).toEqual([
      { time: T0, stream: "stdout", content: Buffer.from("y z\n") },
    ] satisfies CriRecord[]);
  });
});

describe("LogSelection (the kubelet's ReadLogs)", () => {
  const log = criLog([
    [0, "stdout", "line 1\n"],
    [1, "stderr", '{"msg":"progress","step":1}\n'],
    [2, "stdout", "line 2\nline 3\n"],
    [3, "stderr", '{"msg":"progress","step":2}\n'],
  ]);

  it("returns everything, or the last tailLines lines of both streams", () => {
    expect(read(log, {})).toBe(logText(log));
    expect(read(log, { tailLines: 2 })).toBe('line 3\n{"msg":"progress","step":2}\n');
    expect(read(log, { tailLines: 1 })).toBe('{"msg":"progress","step":2}\n');
    expect(read(log, { tailLines: 0 })).toBe("");
    expect(read(log, { tailLines: 100 })).toBe(logText(log));
  });

  it("cuts at limitBytes, timestamps included", () => {
    expect(read(log, { limitBytes: 10 })).toBe('line 1\n{"m');
    expect(read(log, { tailLines: 1, limitBytes: 5 })).toBe('{"msg');
    expect(read(log, { timestamps: true, limitBytes: T0.length + 3 })).toBe(`${T0} li`);
    const sel = new LogSelection({ limitBytes: 7 });
    expect(sel.take(records(log))).toEqual({ out: Buffer.from("line 1\n"), done: true });
    expect(sel.take(records(log)).out.length).toBe(0);
  });

  it("prefixes each line with its time, once per line of partial records", () => {
    expect(read(log, { timestamps: true, tailLines: 1 })).toBe(
      `${criTime(at(3))} {"msg":"progress","step":2}\n`,
    );
    const long = criLog([[0, "stdout", `${"y".repeat(MAX_RECORD_BYTES + 1)}\n`]]);
    const out = read(long, { timestamps: true });
    expect(out).toBe(`${T0} ${"y".repeat(MAX_RECORD_BYTES + 1)}\n`);
  });

  it("keeps the records since a time, and one stream", () => {
    expect(read(log, { since: at(2) })).toBe('line 2\nline 3\n{"msg":"progress","step":2}\n');
    expect(read(log, { stream: "stderr" })).toBe(
      '{"msg":"progress","step":1}\n{"msg":"progress","step":2}\n',
    );
    expect(read(log, { stream: "stdout", since: at(1) })).toBe("line 2\nline 3\n");
  });

  it("goes on from where a followed read stopped", () => {
    const sel = new LogSelection({ tailLines: 1 });
    const first = records(log);
    expect(sel.take(sel.tail(first)).out.toString()).toBe('{"msg":"progress","step":2}\n');
    const more = records(criLog([[5, "stdout", "done\n"]]));
    expect(sel.take(more).out.toString()).toBe("done\n");
  });
});

describe("recordPodOutput", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    dirs.push(mkdtempSync(join(tmpdir(), "pod-log-")));
    return dirs.at(-1)!;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("appends each stream to its file and both, in arrival order, to the container log", async () => {
    const dir = tempDir();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const output = recordPodOutput(dir, { stdout, stderr }, () => t0);
    stdout.write("result 1\n");
    await new Promise((r) => setImmediate(r));
    stderr.write('{"level":30,"msg":"start"}\n');
    await new Promise((r) => setImmediate(r));
    stdout.write("result 2\nno newline");
    await new Promise((r) => setImmediate(r));
    expect(output.ended).toBe(false);
    expect(logText(readFileSync(output.logPath))).toBe('result 1\n{"level":30,"msg":"start"}\nresult 2\n');
    stdout.end();
    stderr.end();
    await output.done;
    expect(output.ended).toBe(true);
    expect(output.logPath).toBe(join(dir, CONTAINER_LOG));
    expect(readFileSync(join(dir, "stdout"), "utf8")).toBe("result 1\nresult 2\nno newline");
    expect(readFileSync(join(dir, "stderr"), "utf8")).toBe('{"level":30,"msg":"start"}\n');
    expect(logText(readFileSync(output.logPath))).toBe(
      'result 1\n{"level":30,"msg":"start"}\nresult 2\nno newline\n',
    );
  });

  it("ends when closed although a stream stays open", async () => {
    const dir = tempDir();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const output = recordPodOutput(dir, { stdout, stderr });
    stdout.write("bye\n");
    await new Promise((r) => setImmediate(r));
    output.close();
    await output.done;
    expect(logText(readFileSync(output.logPath))).toBe("bye\n");
  });
});
