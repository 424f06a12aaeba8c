/**
 * The credential helpers of the `switchboard` command: `hash-password` and `generate-api-key`, whose
 * output the configuration accepts and the authenticators verify.
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseApiKey } from "../../src/auth/api-key.js";
import { parsePasswordHash, verifyPassword } from "../../src/auth/password-hash.js";
import { loadConfig } from "../../src/config/load-config.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function run(
  args: readonly string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? "");
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("switchboard hash-password and generate-api-key", () => {
  it("hash-password prints a scrypt hash of standard input that verifies and that auth.users accepts", async () => {
    const { code, stdout } = await run(["hash-password"], "horse battery staple\n");
    assert.equal(code, 0);
    const hash = stdout.trim();
    assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyPassword("horse battery staple", parsePasswordHash(hash)), true);
    assert.equal(await verifyPassword("horse battery stapler", parsePasswordHash(hash)), false);
    const config = loadConfig({ values: { auth: { users: [{ username: "u", password: hash }] } } });
    assert.equal(config.auth.users[0]?.password, hash);
  });

  it("generate-api-key prints a key and the hash auth.apiKeys accepts", async () => {
    const { code, stdout } = await run(["generate-api-key", "gateway-3"]);
    assert.equal(code, 0);
    const key = /^key: (\S+)$/m.exec(stdout)?.[1] ?? "";
    const hash = /^hash: (\S+)$/m.exec(stdout)?.[1] ?? "";
    assert.equal(parseApiKey(key)?.id, "gateway-3");
    loadConfig({ values: { auth: { apiKeys: [{ id: "gateway-3", hash }] } } });
  });

  it("generate-api-key refuses an id with characters keys cannot carry", async () => {
    const { code, stderr } = await run(["generate-api-key", "bad_id"]);
    assert.equal(code, 2);
    assert.match(stderr, /Cannot use "bad_id" as an API key id/);
  });
});
