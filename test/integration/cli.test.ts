import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { RawClient } from "../helpers/raw-client.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "src/cli/main.ts");

interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function run(args: readonly string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
    cwd: root,
    // The memory store, so the tests never write a ./data directory; the SQLite tests set their own.
    env: { ...process.env, SWITCHBOARD_SYS__INTERVAL: "0", SWITCHBOARD_STORAGE__KIND: "memory", ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the JSON log line announcing the TCP listener and returns its port. */
async function listeningPort(r: Run, timeout = 15_000): Promise<number> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const line of r.stdout().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === "Listening for MQTT over TCP" && typeof entry.port === "number") return entry.port;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The broker did not start: ${r.stdout()} ${r.stderr()}`);
}

describe("switchboard command", () => {
  const runs: Run[] = [];
  after(() => {
    for (const r of runs) r.child.kill("SIGKILL");
  });

  it("--help prints the flags and exits 0", async () => {
    const r = run(["--help"]);
    runs.push(r);
    assert.equal(await r.exited, 0);
    for (const flag of ["--port", "--ws-port", "--config", "--help"])
      assert.match(r.stdout(), new RegExp(flag));
  });

  it("a bad flag value exits non-zero with a message naming the flag", async () => {
    const r = run(["--port", "http"]);
    runs.push(r);
    assert.notEqual(await r.exited, 0);
    assert.match(r.stderr(), /--port/);
  });

  it("an invalid environment value stops start-up with a message naming the key", async () => {
    const r = run(["--port", "0"], { SWITCHBOARD_MQTT__RECEIVE_MAXIMUM: "70000" });
    runs.push(r);
    assert.equal(await r.exited, 1);
    assert.match(r.stderr(), /mqtt\.receiveMaximum/);
    assert.match(r.stderr(), /SWITCHBOARD_MQTT__RECEIVE_MAXIMUM/);
  });

  it("an unknown key in the YAML file stops start-up with a message naming it and the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));
    const file = join(dir, "switchboard.yaml");
    writeFileSync(file, "mqtt:\n  recieveMaximum: 10\n");
    const r = run(["--config", file, "--port", "0"]);
    runs.push(r);
    assert.equal(await r.exited, 1);
    assert.match(r.stderr(), /mqtt\.recieveMaximum/);
    assert.match(r.stderr(), /switchboard\.yaml/);
  });

  it("a port already in use stops start-up with a clear message", async () => {
    const first = run(["--port", "0"]);
    runs.push(first);
    const port = await listeningPort(first);
    const second = run(["--port", String(port)]);
    runs.push(second);
    assert.equal(await second.exited, 1);
    assert.match(second.stderr(), /already in use/);
    first.child.kill("SIGTERM");
    assert.equal(await first.exited, 0);
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`on ${signal} v5 clients get DISCONNECT 0x8B, v3 clients are closed, and the process exits 0`, async () => {
      const r = run(["--port", "0"]);
      runs.push(r);
      const port = await listeningPort(r);
      const v5 = await RawClient.connected(port, { protocolVersion: 5 });
      const v3 = await RawClient.connected(port, { protocolVersion: 4 });
      r.child.kill(signal);
      const disconnect = await v5.expect(PacketType.DISCONNECT, 5000);
      assert.equal(disconnect.reasonCode, ReasonCode.ServerShuttingDown);
      await v5.waitClosed(5000);
      await v3.waitClosed(5000);
      assert.equal(v3.received.length, 1, "v3 client got only its CONNACK");
      assert.equal(await r.exited, 0);
    });
  }
});
