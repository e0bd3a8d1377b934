/**
 * A small reader of `job-image/Dockerfile` for the tests that stand in for a Docker engine: the
 * stages and their instructions (comments, parser directives and line continuations handled), and a
 * handful of hadolint-style checks (hadolint itself is not packaged in Debian).
 *
 * @module
 */

export interface Instruction {
  /** Upper-case keyword, e.g. `COPY`. */
  keyword: string;
  /** `--name=value` flags before the arguments (`--from`, `--mount`, `--chown`). */
  flags: Record<string, string>;
  /** The arguments after the flags, whitespace-trimmed. */
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
}

export interface Stage {
  base: string;
  name?: string;
  /** Every instruction of the stage after its FROM. */
  instructions: Instruction[];
}

/** The stages of a Dockerfile, in order. Throws naming the line of an instruction before any FROM. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === "FROM") {
      const [base, as, name] = ins.args.split(/\s+/);
      stages.push({ base: base!, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile:${ins.line}: ${ins.keyword} before any FROM`);
      stage.instructions.push(ins);
    }
  }
  return stages;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, i) => {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === "" || trimmed.startsWith("#"))) return;
    if (pending !== undefined && trimmed.startsWith("#")) return;
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: i + 1 };
    if (!continued) {
      out.push(instruction(pending.text, pending.line));
      pending = undefined;
    }
  });
  if (pending) out.push(instruction(pending.text, pending.line));
  return out;
}

function instruction(text: string, line: number): Instruction {
  const [keyword = "", ...rest] = text.trim().split(/\s+/);
  const flags: Record<string, string> = {};
  let i = 0;
  for (; i < rest.length && rest[i]!.startsWith("--"); i++) {
    const [name, value = ""] = rest[i]!.slice(2).split(/=(.*)/s);
    flags[name!] = value;
  }
  return { keyword: keyword.toUpperCase(), flags, args: rest.slice(i).join(" "), line };
}

/** The words of an exec-form (`["a", "b"]`) or shell-form argument list. */
export function words(args: string): string[] {
  if (args.startsWith("[")) return JSON.parse(args) as string[];
  return args.split(/\s+/).filter(Boolean);
}

/** `KEY=value` pairs of an ENV instruction (the legacy `ENV KEY value` form too). */
export function envPairs(args: string): [string, string][] {
  if (!args.includes("=")) {
    const [key, ...value] = args.split(/\s+/);
    return [[key!, value.join(" ")]];
  }
  return args.split(/\s+/).map((pair) => {
    const at = pair.indexOf("=");
    return [pair.slice(0, at), pair.slice(at + 1).replace(/^"(.*)"$/, "$1")];
  });
}

/**
 * Problems found by checks that mirror hadolint's rules (DL3000, DL3002, DL3006, DL3007, DL3020,
 * DL3025) plus the image's own contract: a multi-stage build whose final stage installs production
 * dependencies only (`npm ci --omit=dev`, never `npm install`). Each names the line.
 */
export function lintDockerfile(stages: readonly Stage[]): string[] {
  const problems: string[] = [];
  const names = new Set(stages.map((s) => s.name).filter(Boolean));
  for (const stage of stages) {
    if (!names.has(stage.base)) {
      const tag = /^[^@]+:([^/@]+)$/.exec(stage.base)?.[1];
      if (tag === undefined && !stage.base.includes("@"))
        problems.push(`FROM ${stage.base}: DL3006 pin the image tag`);
      if (tag === "latest") problems.push(`FROM ${stage.base}: DL3007 do not use the latest tag`);
    }
    for (const ins of stage.instructions) {
      const at = `line ${ins.line}`;
      if (ins.keyword === "WORKDIR" && !ins.args.startsWith("/"))
        problems.push(`${at}: DL3000 WORKDIR must be absolute`);
      if (ins.keyword === "ADD") problems.push(`${at}: DL3020 use COPY, not ADD`);
      if ((ins.keyword === "ENTRYPOINT" || ins.keyword === "CMD") && !ins.args.startsWith("["))
        problems.push(`${at}: DL3025 ${ins.keyword} in JSON (exec) form`);
      if (ins.keyword === "RUN" && /\bnpm (install|i)\b/.test(ins.args))
        problems.push(`${at}: npm install; use npm ci (the lockfile decides)`);
    }
  }
  const final = stages.at(-1);
  if (!final || stages.length < 2) return [...problems, "a multi-stage build: build stage and final stage"];
  const users = final.instructions.filter((i) => i.keyword === "USER");
  const user = users.at(-1)?.args.split(":")[0];
  if (user === undefined || user === "root" || user === "0")
    problems.push("DL3002 the final stage must end as a non-root USER");
  else if (!/^\d+$/.test(user)) problems.push(`USER ${user}: numeric, so runAsNonRoot can check it`);
  for (const ins of final.instructions) {
    if (ins.keyword === "RUN" && /\bnpm ci\b/.test(ins.args) && !/--omit=dev\b/.test(ins.args))
      problems.push(`line ${ins.line}: the final stage installs production dependencies only (--omit=dev)`);
  }
  if (!final.instructions.some((i) => i.keyword === "ENTRYPOINT"))
    problems.push("the final stage has no ENTRYPOINT");
  return problems;
}
