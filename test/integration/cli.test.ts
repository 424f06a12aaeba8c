import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { delay, RawClient } from "../helpers/raw-client.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "src/cli/main.ts");

interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * `fileSizeLimit`: runs the command under `ulimit -f` (in the shell's blocks): a write past it fails
 * with EFBIG (Node ignores SIGXFSZ), as a full disk fails it, without root or a small file system.
 */
function run(args: readonly string[], env: Record<string, string> = {}, fileSizeLimit?: number): Run {
  const command = [process.execPath, "--import", "tsx", cli, ...args];
  const [file, ...argv] =
    fileSizeLimit === undefined
      ? command
      : ["/bin/sh", "-c", `ulimit -f ${fileSizeLimit} && exec "$@"`, "sh", ...command];
  const child = spawn(file!, argv, {
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
  const dirs: string[] = [];
  after(() => {
    for (const r of runs) r.child.kill("SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
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

  it("on SIGTERM while the store cannot commit, clients still get DISCONNECT 0x8B, the store error is logged, and the process exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-cli-full-"));
    dirs.push(dir);
    // 2048 blocks: 1 MiB (512-byte blocks) or 2 MiB (1 KiB), whichever the shell counts in
    const r = run(
      ["--port", "0"],
      {
        SWITCHBOARD_STORAGE__KIND: "sqlite",
        SWITCHBOARD_STORAGE__PATH: dir,
        SWITCHBOARD_STORAGE__HOUSEKEEPING_INTERVAL: "0",
      },
      2048,
    );
    runs.push(r);
    const port = await listeningPort(r);
    const idle = await RawClient.connected(port, { protocolVersion: 5 }); // before the disk is full
    const publisher = await RawClient.connected(port, { protocolVersion: 5 });
    // retained messages of 256 KiB until a commit fails: the publisher is disconnected without PUBACK
    const payload = new Uint8Array(256 * 1024).fill(0x61);
    let full = false;
    for (let i = 1; i <= 40 && !full; i++) {
      publisher.send({
        type: PacketType.PUBLISH,
        topic: `fill/${i}`,
        payload,
        qos: 1,
        packetId: i,
        retain: true,
        dup: false,
      });
      const answer = await publisher.next(5000);
      if (answer.type === PacketType.DISCONNECT) full = true;
      else assert.equal(answer.type, PacketType.PUBACK);
    }
    assert.ok(full, "the store's commits failed");

    r.child.kill("SIGTERM");
    const disconnect = await idle.expect(PacketType.DISCONNECT, 5000);
    assert.equal(disconnect.reasonCode, ReasonCode.ServerShuttingDown);
    await idle.waitClosed(5000);
    const exited = await Promise.race([r.exited, delay(4000).then(() => "still running")]);
    assert.equal(exited, 1, `exit status (${r.stderr()})`);
    assert.doesNotMatch(r.stderr(), /still running after stopping/, "no handle kept the process alive");
    const logged = r
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string; code?: string; step?: string });
    assert.ok(
      logged.some((l) => l.step === "close the broker and its store" && l.code === "SB_ERR_STORE"),
      "the store's failure is logged with its code",
    );
    assert.ok(logged.some((l) => l.level >= 50 && /not clean/.test(l.msg)));
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
