/**
 * The source record of a waiting pod's log: what the job image writes (`publicationProgress`
 * through its JSON logger) is what the operator reads back, the newest record wins, and lines that
 * are not source records are skipped.
 */
import { describe, expect, it } from "vitest";
import { latestSourceProgress } from "../../../job-image/src/api/index.js";
import { createLogger } from "../../../job-image/src/log/logger.js";
import { publicationProgress } from "../../../job-image/src/source/publication.js";

describe("latestSourceProgress", () => {
  it("reads back what a waiting member logs, the newest record first", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "json", level: "info", write: (line) => lines.push(line) });
    const progress = publicationProgress(log.child({ member: "ens01" }), 85);
    progress(12);
    progress(40);
    log.info({ step: 42 }, "mapped");
    expect(latestSourceProgress(lines.join(""))).toEqual({ published: 40, total: 85, complete: false });
    progress(85);
    expect(latestSourceProgress(lines.join(""))).toEqual({ published: 85, total: 85, complete: true });
  });

  it("skips what is not a source record: other messages, text lines, a line cut short, bad counts", () => {
    const source = (fields: object) => JSON.stringify({ level: 30, msg: "source", ...fields });
    const log = [
      source({ published: 3, total: 85, complete: false }),
      "INFO source  published=4 total=85",
      JSON.stringify({ msg: "running", published: 5, total: 85, complete: false }),
      source({ published: -1, total: 85, complete: false }),
      source({ published: 6, total: "85", complete: false }),
      source({ published: 7, total: 85 }),
      '{"level":30,"msg":"source","published":8,"to',
    ].join("\n");
    expect(latestSourceProgress(log)).toEqual({ published: 3, total: 85, complete: false });
    expect(latestSourceProgress("")).toBeUndefined();
    expect(latestSourceProgress('{"msg":"member done"}\n')).toBeUndefined();
  });
});
