/**
 * What the documented-example tests of docs/dialects/*.md share: the check that the mosquitto client
 * binaries exist, reading the fenced block after `<!-- example: <part> -->`, the registry requests of
 * a block, starting the broker a document configures, its commands made to run against that broker,
 * and running a script in bash with a time limit.
 * @module
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { pino } from "pino";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../../src/config/load-config.js";
import { startSwitchboard, type Switchboard } from "../../../src/main.js";
import { entityKinds, type EntityKind } from "../../../src/platform/registry/index.js";

/** How the documents' commands name the broker's port; the tests put the broker's ephemeral port there. */
export const DOC_PORT = "-p 1883";

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

/**
 * Starts the broker of a documented example: the `config` block (its MQTT listener, documented on port
 * 1883, and its admin listener, on 8080, both on ephemeral ports instead), a memory store and a silent
 * log; then sends the `registry` block's requests to the admin API as the `admin-key` block shows
 * (`X-API-Key` with the key it exports), each answered 201.
 */
export async function startExampleBroker(block: (part: string) => string): Promise<Switchboard> {
  const values = parseYaml(block("config")) as Record<string, unknown>;
  const listeners = values["listeners"] as { port: number }[];
  assert.deepEqual(
    listeners.map((l) => l.port),
    [1883, 8080],
  );
  for (const listener of listeners) listener.port = 0;
  const switchboard = await startSwitchboard({
    config: loadConfig({
      values: { ...values, storage: { kind: "memory" }, log: { level: "silent" }, sys: { interval: 0 } },
    }),
    logger: pino({ level: "silent" }),
  });
  const key = /^export OPS_KEY=(\S+)$/m.exec(block("admin-key"))?.[1];
  assert.ok(key !== undefined, "the admin-key block exports OPS_KEY");
  assert.match(block("admin-key"), /http:\/\/127\.0\.0\.1:8080\/api\/v1\/tenants -H "X-API-Key: \$OPS_KEY"/);
  const admin = switchboard.listeners[1]!.port;
  for (const { kind, body } of registryRequests(block("registry"))) {
    const response = await fetch(`http://127.0.0.1:${admin}/api/v1/${kind}`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(
      response.status,
      201,
      `POST /api/v1/${kind} ${JSON.stringify(body)}: ${await response.text()}`,
    );
  }
  return switchboard;
}

/**
 * The commands of block `part` for the broker on `port` ({@link DOC_PORT} replaced), after the block
 * `prelude` (the exported credentials); with `exec`, the last process replaces the shell.
 */
export function exampleScript(
  block: (part: string) => string,
  prelude: string,
  part: string,
  port: number,
  exec = false,
): string {
  const commands = block(part);
  assert.ok(commands.includes(DOC_PORT), `the "${part}" commands use ${DOC_PORT}`);
  return `${block(prelude)}${exec ? "exec " : ""}${commands.replaceAll(DOC_PORT, `-p ${port}`)}`;
}
