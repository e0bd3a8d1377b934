import { describe, expect, it } from "vitest";
import { createLogger } from "../../../job-image/src/log/logger.js";
import { renderBar, terminalProgress } from "../../../job-image/src/log/progress.js";

describe("progress", () => {
  it("renders a bar one column short of the terminal width", () => {
    const line = renderBar("mapping", 42, 85, "steps", 3100, 60);
    expect(line).toMatch(/^mapping \[#+-+\] 42\/85 steps 3\.1s$/);
    expect(line.length).toBe(59);
  });

  it("redraws in place and ends with a newline", () => {
    const out: string[] = [];
    const task = terminalProgress({ write: (t) => out.push(t), columns: 50, now: () => 0 }).begin(
      "stores",
      2,
      "members",
    );
    task.advance();
    task.advance();
    task.end();
    task.end();
    expect(out.filter((t) => t === "\n")).toHaveLength(1);
    expect(out.at(-2)).toMatch(/^\rstores \[#+\] 2\/2 members/);
  });
});

describe("logger", () => {
  it("writes pino JSON lines with bindings", () => {
    const lines: string[] = [];
    createLogger({ format: "json", level: "info", write: (l) => lines.push(l) })
      .child({ member: "ens01" })
      .info({ refs: 3 }, "written");
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ level: 30, msg: "written", member: "ens01", refs: 3, app: "gik" });
  });

  it("writes short text lines and honours the level", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "text", level: "warn", write: (l) => lines.push(l) });
    log.info("hidden");
    log.warn({ member: "ens02" }, "drift");
    expect(lines).toEqual(["WARN drift  member=ens02\n"]);
  });
});
