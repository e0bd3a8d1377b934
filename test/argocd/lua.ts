/**
 * Runs an Argo CD health script (`argocd/health/<group>/<Kind>/health.lua`) in a real Lua
 * interpreter, the way Argo CD does: the object as the global `obj`, the script's returned table
 * as `{status, message}`. Argo CD embeds gopher-lua (Lua 5.1), so tests run each script in Debian's
 * `lua5.1` and `lua5.4`.
 *
 * @module
 */
import { spawn } from "node:child_process";

export const LUA_INTERPRETERS = ["lua5.1", "lua5.4"] as const;

export interface Health {
  status: string;
  message: string;
}

/**
 * `value` (JSON data) as a Lua expression. Strings are written byte by byte with decimal escapes
 * outside printable ASCII (both Lua versions read `\ddd`); JSON null becomes nil.
 */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not JSON: ${value}`);
    return String(value);
  }
  if (typeof value === "string") return luaString(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(", ")}}`;
  if (typeof value === "object") {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `[${luaString(k)}] = ${luaLiteral(v)}`);
    return `{${fields.join(", ")}}`;
  }
  throw new Error(`not JSON: ${typeof value}`);
}

function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, "utf8")) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** The health `script` (a file path) gives `obj` in `interpreter`. Rejects with Lua's error. */
export function runHealth(interpreter: string, script: string, obj: unknown): Promise<Health> {
  // JSON round trip: the object as the API server would hand it over (Dates become strings).
  const driver = [
    `obj = ${luaLiteral(JSON.parse(JSON.stringify(obj)))}`,
    `local hs = dofile(${luaString(script)})`,
    `io.write(tostring(hs.status), "\\n", tostring(hs.message))`,
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter, ["-"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${interpreter} ${script}: exit ${code}: ${stderr}`));
      const at = stdout.indexOf("\n");
      resolve({ status: stdout.slice(0, at), message: stdout.slice(at + 1) });
    });
    child.stdin.end(driver);
  });
}
