/**
 * `job-image/Dockerfile` without a Docker engine: it passes the hadolint-style checks of
 * `dockerfile.ts` (which catch each broken variant below), everything it COPYs from the context is
 * allowed by the allow-list `.dockerignore`, and the `gik` it puts on PATH is the package's bin.
 * That the image's install really runs is `dockerfile.int.test.ts`.
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { envPairs, lintDockerfile, parseDockerfile, words } from "./dockerfile.js";

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const DOCKERFILE = readFileSync(repo("job-image/Dockerfile"), "utf8");
const stages = parseDockerfile(DOCKERFILE);
const final = stages.at(-1)!;
const finalWorkdir = final.instructions.find((i) => i.keyword === "WORKDIR")!.args;

describe("job-image/Dockerfile", () => {
  it("passes the checks", () => {
    expect(lintDockerfile(stages)).toEqual([]);
  });

  it("builds on one Node LTS image in both stages and runs gik", () => {
    expect(stages).toHaveLength(2);
    const bases = new Set(stages.map((s) => s.base));
    expect([...bases]).toHaveLength(1);
    const major = Number(/^node:(\d+)-slim$/.exec(stages[0]!.base)?.[1]);
    // Even majors up to 26 are the LTS lines; from 27 every major is (Node's 2026 schedule).
    expect(major >= 27 || (major >= 24 && major % 2 === 0), `${stages[0]!.base}`).toBe(true);
    const entrypoint = final.instructions.find((i) => i.keyword === "ENTRYPOINT")!;
    expect(words(entrypoint.args)).toEqual(["gik"]);
  });

  it("copies from the context only what .dockerignore lets in", () => {
    const ignore = readFileSync(repo(".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    // Kept as a pure allow-list, so that this simple reading of it is Docker's.
    expect(ignore[0]).toBe("*");
    const allowed = ignore.slice(1).map((l) => {
      expect(l.startsWith("!") && !/[*?[]/.test(l), l).toBe(true);
      return l.slice(1);
    });
    const sources = stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.keyword === "COPY" && i.flags.from === undefined)
        .flatMap((i) => words(i.args).slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(
        allowed.some((a) => source === a || source.startsWith(`${a}/`)),
        `${source} is ignored`,
      ).toBe(true);
    }
  });

  it("puts the package's bin on PATH as gik", () => {
    const pkg = JSON.parse(readFileSync(repo("package.json"), "utf8")) as { bin: Record<string, string> };
    const link = final.instructions
      .filter((i) => i.keyword === "RUN")
      .map((i) => /\bln -s (\S+) (\S+)/.exec(i.args))
      .find(Boolean);
    expect(link, "a RUN that links gik").toBeTruthy();
    const [, target, name] = link!;
    const linkPath = posix.join(finalWorkdir, name!);
    expect(posix.basename(linkPath)).toBe("gik");
    expect(posix.join(posix.dirname(linkPath), target!)).toBe(posix.join(finalWorkdir, pkg.bin.gik!));
    const path = final.instructions
      .filter((i) => i.keyword === "ENV")
      .flatMap((i) => envPairs(i.args))
      .find(([k]) => k === "PATH")?.[1];
    expect(path?.split(":")[0]).toBe(posix.dirname(linkPath));
  });
});

describe("the checks", () => {
  const good = `FROM node:26-slim AS build
WORKDIR /src
RUN npm ci
FROM node:26-slim
WORKDIR /app
RUN npm ci --omit=dev
USER 1000:1000
ENTRYPOINT ["gik"]
`;
  it("pass a good file, with comments and continued lines", () => {
    const text = good.replace("RUN npm ci\n", "# a comment\nRUN npm \\\n  # inside\n  ci\n");
    expect(parseDockerfile(text)[0]!.instructions[1]!.args).toBe("npm ci");
    expect(lintDockerfile(parseDockerfile(text))).toEqual([]);
  });

  it.each([
    ["an unpinned base", good.replace("FROM node:26-slim\n", "FROM node\n"), "DL3006"],
    ["the latest tag", good.replace("FROM node:26-slim\n", "FROM node:latest\n"), "DL3007"],
    ["a relative WORKDIR", good.replace("WORKDIR /app", "WORKDIR app"), "DL3000"],
    ["ADD", good.replace("RUN npm ci\n", "ADD x.tgz /x\n"), "DL3020"],
    ["a shell-form ENTRYPOINT", good.replace('["gik"]', "gik"), "DL3025"],
    ["root at the end", good.replace("USER 1000:1000", "USER root"), "DL3002"],
    ["no USER", good.replace("USER 1000:1000\n", ""), "DL3002"],
    ["a named USER", good.replace("USER 1000:1000", "USER node"), "numeric"],
    ["dev dependencies in the image", good.replace(" --omit=dev", ""), "--omit=dev"],
    ["npm install", good.replace("RUN npm ci\n", "RUN npm install\n"), "npm install"],
    ["one stage", good.split("FROM node:26-slim\n")[1]!.replace(/^/, "FROM node:26-slim\n"), "multi-stage"],
  ])("catch %s", (_name, text, problem) => {
    expect(lintDockerfile(parseDockerfile(text)).join("\n")).toContain(problem);
  });
});
