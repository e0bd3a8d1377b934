/**
 * A pod's container log as a node keeps it: the pod runner reads the process's stdout and stderr
 * from pipes and writes each chunk as it arrives to three files of the pod's directory:
 *
 * - `stdout` and `stderr`: the bytes of each stream, as before;
 * - {@link CONTAINER_LOG}: both streams in arrival order, in the CRI log format containerd writes
 *   (`<RFC 3339 time, 9 digits> <stdout|stderr> <F|P> <content>`, one record per line; `F` a full
 *   line, `P` a part of a line longer than {@link MAX_RECORD_BYTES}; a last line without newline
 *   becomes a full one when the stream ends, as containerd does).
 *
 * The kubelet server (`kubelet-server.ts`) serves the container log with the kubelet's options,
 * selected as the kubelet's CRI log reader does (`k8s.io/cri-client/pkg/logs`, {@link LogSelection}).
 *
 * The order between stdout and stderr is the order their chunks reach the runner: a line written
 * to stderr right after one to stdout may come first, as with containerd's two pipes.
 *
 * @module
 */

import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";

/** The CRI log of the container, in the pod's directory. */
export const CONTAINER_LOG = "container.log";
/** containerd's line buffer: longer lines are split into partial records of this size. */
export const MAX_RECORD_BYTES = 16 * 1024;

export type LogStream = "stdout" | "stderr";

export interface CriRecord {
  /** As written: RFC 3339 UTC with 9 fraction digits. */
  time: string;
  stream: LogStream;
  /** The bytes the container wrote: a full record's line ends with its newline, a partial one's does not. */
  content: Buffer;
}

/** A time as the CRI log writes it: `2006-01-02T15:04:05.000000000Z`. */
export function criTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** Turns chunks of the two streams into CRI log records, holding partial lines per stream. */
export class CriLogEncoder {
  private readonly pending: Record<LogStream, Buffer> = {
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
  };

  /** The records of the complete lines `chunk` ends (and of line parts past the maximum). */
  write(stream: LogStream, chunk: Buffer, time: Date): Buffer {
    let data = Buffer.concat([this.pending[stream], chunk]);
    const out: Buffer[] = [];
    const ts = criTime(time);
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
      let line = data.subarray(0, nl);
      for (; line.length > MAX_RECORD_BYTES; line = line.subarray(MAX_RECORD_BYTES))
        out.push(record(ts, stream, "P", line.subarray(0, MAX_RECORD_BYTES)));
      out.push(record(ts, stream, "F", line));
      data = data.subarray(nl + 1);
    }
    for (; data.length >= MAX_RECORD_BYTES; data = data.subarray(MAX_RECORD_BYTES))
      out.push(record(ts, stream, "P", data.subarray(0, MAX_RECORD_BYTES)));
    this.pending[stream] = Buffer.from(data);
    return Buffer.concat(out);
  }

  /** The record of what is left of `stream` when it ends: a full line, as containerd writes it. */
  end(stream: LogStream, time: Date): Buffer {
    const rest = this.pending[stream];
    this.pending[stream] = Buffer.alloc(0);
    return rest.length ? record(criTime(time), stream, "F", rest) : Buffer.alloc(0);
  }
}

const record = (time: string, stream: LogStream, tag: "F" | "P", content: Buffer) =>
  Buffer.concat([Buffer.from(`${time} ${stream} ${tag} `), content, Buffer.from("\n")]);

/**
 * The records of the complete lines of `data` and the number of bytes they take; an unfinished
 * last line (a record being written) is left for the next read. Lines that are no CRI record are
 * skipped, as the kubelet does.
 */
export function parseCriLog(data: Buffer): { records: CriRecord[]; consumed: number } {
  const records: CriRecord[] = [];
  let start = 0;
  for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
    const lineStart = start;
    const line = data.subarray(lineStart, nl);
    start = nl + 1;
    const s1 = line.indexOf(32);
    const s2 = line.indexOf(32, s1 + 1);
    const s3 = line.indexOf(32, s2 + 1);
    if (s1 < 0 || s2 < 0 || s3 < 0) continue;
    const stream = line.subarray(s1 + 1, s2).toString();
    if (stream !== "stdout" && stream !== "stderr") continue;
    const partial =
      line
        .subarray(s2 + 1, s3)
        .toString()
        .split(":")[0] === "P";
    // A full record's content is the line with its newline.
    const content = data.subarray(lineStart + s3 + 1, partial ? nl : nl + 1);
    records.push({ time: line.subarray(0, s1).toString(), stream, content: Buffer.from(content) });
  }
  return { records, consumed: start };
}

/** The text of a container log: what the container wrote, both streams in log order. */
export function logText(data: Buffer): string {
  return Buffer.concat(parseCriLog(data).records.map((r) => r.content)).toString("utf8");
}

/** The kubelet's log options (`PodLogOptions`), as far as they select what a read returns. */
export interface LogQuery {
  /** The last records of the log (all when unset). */
  tailLines?: number;
  /** Stop after this many bytes (timestamps included). */
  limitBytes?: number;
  /** Only records written at or after this time. */
  since?: Date;
  /** Each line prefixed with its time and a space. */
  timestamps?: boolean;
  /** One stream only; default both. */
  stream?: LogStream;
}

/**
 * What one read of the log returns, record by record, as the kubelet's `ReadLogs` writes it:
 * `tailLines` picks the last records of the log as it is when the read starts (counting records
 * of both streams, partial ones too); `since` and `stream` then drop records; `timestamps` prefixes
 * each record that starts a line; `limitBytes` cuts the output and ends the read.
 */
export class LogSelection {
  private remain: number;
  private atLineStart = true;

  constructor(private readonly query: LogQuery) {
    this.remain = query.limitBytes ?? Number.POSITIVE_INFINITY;
  }

  /** The records a read starts with: the last `tailLines` of those in the log now. */
  tail(records: CriRecord[]): CriRecord[] {
    const n = this.query.tailLines;
    return n === undefined ? records : records.slice(Math.max(0, records.length - n));
  }

  /** The output of `records`; `done` once `limitBytes` are out. */
  take(records: CriRecord[]): { out: Buffer; done: boolean } {
    const out: Buffer[] = [];
    for (const r of records) {
      if (this.remain <= 0) break;
      const prefix = this.query.timestamps && this.atLineStart;
      this.atLineStart = r.content.length === 0 || r.content[r.content.length - 1] === 10;
      if (this.query.since && Date.parse(r.time) < this.query.since.getTime()) continue;
      if (this.query.stream && r.stream !== this.query.stream) continue;
      let line = prefix ? Buffer.concat([Buffer.from(`${r.time} `), r.content]) : r.content;
      if (line.length > this.remain) line = line.subarray(0, this.remain);
      out.push(line);
      this.remain -= line.length;
    }
    return { out: Buffer.concat(out), done: this.remain <= 0 };
  }
}

/** The output of a running process being recorded into its pod's directory. */
export interface PodOutput {
  /** The path of the container log ({@link CONTAINER_LOG}). */
  logPath: string;
  /** True once both streams ended and everything is written. */
  readonly ended: boolean;
  /** Settles when `ended` becomes true. */
  done: Promise<void>;
  /** Stops reading (for a stream held open by a process that left the group): ends the log. */
  close(): void;
}

/**
 * Records `streams` into `dir`: appended to `stdout` and `stderr`, and to a fresh
 * {@link CONTAINER_LOG} (a pod of the same name before this one leaves its own streams' files,
 * but not its container log). Writes are synchronous, so a reader sees every chunk the moment
 * the runner got it.
 */
export function recordPodOutput(
  dir: string,
  streams: Record<LogStream, Readable>,
  now: () => Date = () => new Date(),
): PodOutput {
  const logPath = join(dir, CONTAINER_LOG);
  const log = openSync(logPath, "w");
  const files = { stdout: openSync(join(dir, "stdout"), "a"), stderr: openSync(join(dir, "stderr"), "a") };
  const encoder = new CriLogEncoder();
  let open = 2;
  let ended = false;
  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const writeAll = (fd: number, data: Buffer) => {
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
  };
  for (const name of ["stdout", "stderr"] as const) {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      writeAll(log, encoder.end(name, now()));
      closeSync(files[name]);
      if (--open > 0) return;
      closeSync(log);
      ended = true;
      resolveDone();
    };
    streams[name].on("data", (chunk: Buffer) => {
      if (finished) return;
      writeAll(files[name], chunk);
      writeAll(log, encoder.write(name, chunk, now()));
    });
    streams[name].on("end", finish);
    streams[name].on("close", finish);
    streams[name].on("error", finish);
  }
  return {
    logPath,
    get ended() {
      return ended;
    },
    done,
    close: () => {
      for (const s of Object.values(streams)) s.destroy();
    },
  };
}
