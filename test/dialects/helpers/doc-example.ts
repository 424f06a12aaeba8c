/**
 * What the documented-example tests of docs/dialects/*.md share: the check that the mosquitto client
 * binaries exist, reading the fenced block after `<!-- example: <part> -->`, the registry requests of
 * a block, and running a script in bash with a time limit.
 * @module
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { entityKinds, type EntityKind } from "../../../src/platform/registry/index.js";

/** Fails (at import) when mosquitto_pub or mosquitto_sub is missing. */
export function requireMosquittoClients(): void {
  for (const binary of ["mosquitto_pub", "mosquitto_sub"])
    assert.equal(
      spawnSync(binary, ["--help"], { stdio: "ignore" }).error,
      undefined,
      `${binary} not found: install Debian's mosquitto-clients to run the documented example`,
    );
}

/** The fenced block right after `<!-- example: <part> -->` in `doc` (named `docName`), exactly as written. */
export function exampleBlock(doc: string, part: string, docName: string): string {
  const pattern = new RegExp(`<!-- example: ${part} -->\\n+\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n`, "g");
  const found = [...doc.matchAll(pattern)];
  assert.equal(found.length, 1, `${docName} has one "${part}" example block`);
  return found[0]![1]!;
}

/** The `POST /api/v1/<kind>` requests of a registry block, with their JSON bodies. */
export function registryRequests(block: string): { kind: EntityKind; body: Record<string, unknown> }[] {
  return block
    .trim()
    .split(/\n\s*\n/)
    .map((request) => {
      const [line, ...body] = request.split("\n");
      const kind = /^POST \/api\/v1\/([A-Za-z]+)$/.exec(line!)?.[1];
      assert.ok(kind !== undefined && (entityKinds as readonly string[]).includes(kind), `a POST: ${line}`);
      return { kind: kind as EntityKind, body: JSON.parse(body.join("\n")) as Record<string, unknown> };
    });
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a script in bash; resolves when it exits; killed (and rejected) after `timeout` ms. */
export function bash(
  script: string,
  timeout: number,
): { readonly child: ChildProcess; readonly done: Promise<Run> } {
  const child = spawn("bash", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Still running after ${timeout} ms: ${script}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeout);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}
