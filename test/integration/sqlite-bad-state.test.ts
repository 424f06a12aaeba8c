import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import Database from "better-sqlite3";
import { StoreError } from "../../src/errors.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { SCHEMA_VERSION } from "../../src/storage/sqlite/migrations.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { bytes, RawClient } from "../helpers/raw-client.js";

/**
 * A database the store must not use stops start-up with a StoreError (SB_ERR_STORE) naming the file,
 * and is left exactly as it was: locked by another broker, unreadable, not a (Switchboard) database,
 * from a newer schema version, or corrupt.
 */

const root = mkdtempSync(join(tmpdir(), "sb-sqlite-bad-"));
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));
const projectRoot = new URL("../..", import.meta.url).pathname;
const cli = join(projectRoot, "src/cli/main.ts");
let dirs = 0;

function dataDir(): string {
  const dir = join(root, `data-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function open(file: string): SqliteStore {
  return new SqliteStore({
    file,
    durability: "strict",
    commitInterval: 5,
    housekeepingInterval: 0,
    compactThreshold: 0,
  });
}

/** The bytes of the database and its side files, to prove nothing was written. */
function fingerprint(file: string): string {
  const hash = createHash("sha256");
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    const path = file + suffix;
    hash.update(`${suffix}:`);
    if (existsSync(path)) hash.update(readFileSync(path));
    else hash.update("absent");
  }
  return hash.digest("hex");
}

function assertRefused(file: string, pattern: RegExp): StoreError {
  const before = fingerprint(file);
  let caught: unknown;
  try {
    open(file)
      .close()
      .catch(() => undefined);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StoreError, `expected a StoreError, got ${String(caught)}`);
  assert.equal(caught.code, "SB_ERR_STORE");
  assert.ok(caught.message.includes(`"${file}"`), `the message names the file: ${caught.message}`);
  assert.match(caught.message, pattern);
  assert.equal(fingerprint(file), before, "the file was not modified");
  return caught;
}

/** A valid store file with a session, queued messages and a retained message. */
async function populated(dir: string, messages = 50): Promise<string> {
  const file = join(dir, "switchboard.db");
  const store = open(file);
  store.putSession({ clientId: "c", protocolVersion: 5, expiryInterval: 60, disconnectedAt: 1 });
  for (let id = 1; id <= messages; id++) {
    store.putMessage({
      id,
      topic: `t/${id}`,
      payload: new Uint8Array(2000).fill(id),
      qos: 1,
      retain: false,
      properties: undefined,
      createdAt: 1,
      expiresAt: undefined,
      publisherId: undefined,
    });
    store.putQueued("c", { seq: id, messageId: id, qos: 1, retain: false, subscriptionIdentifiers: [] });
  }
  await store.close();
  return file;
}

function runCli(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0"], {
    cwd: projectRoot,
    env: { ...process.env, SWITCHBOARD_SYS__INTERVAL: "0", ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

async function listeningPort(run: ReturnType<typeof runCli>): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const line of run.stdout().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === "Listening for MQTT over TCP" && typeof entry.port === "number") return entry.port;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The broker did not start: ${run.stdout()} ${run.stderr()}`);
}

describe("SqliteStore refuses a database it must not use, and leaves it untouched", () => {
  it("a database held by another store in this process is refused as locked", async () => {
    const file = await populated(dataDir());
    const first = open(file);
    try {
      const error = assertRefused(file, /locked by another process/);
      assert.match(error.message, /another broker/);
    } finally {
      await first.close();
    }
    // once released it opens again, with its data
    const again = open(file);
    assert.equal((await again.load()).sessions.length, 1);
    await again.close();
  });

  it("a file that is not a SQLite database is refused", () => {
    const dir = dataDir();
    const file = join(dir, "switchboard.db");
    writeFileSync(file, Buffer.from("this is not a database, it is a text file ".repeat(200)));
    assertRefused(file, /not a SQLite database/);
  });

  it("a SQLite database of another application is refused", () => {
    const file = join(dataDir(), "switchboard.db");
    const other = new Database(file);
    other.exec(
      "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts VALUES (1, 'x')",
    );
    other.close();
    assertRefused(file, /not a Switchboard store/);
  });

  it("a database from a newer schema version is refused, naming both versions", async () => {
    const file = await populated(dataDir());
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = assertRefused(file, /newer version of Switchboard/);
    assert.match(error.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}`));
  });

  it("a corrupt database (a damaged page) is refused by the quick check", async () => {
    const file = await populated(dataDir(), 200);
    const size = statSync(file).size;
    const pageSize = 4096;
    assert.ok(size > 20 * pageSize, `a database of ${size} bytes`);
    // Overwrite a b-tree page in the middle of the file (not the header page) with garbage.
    const fd = openSync(file, "r+");
    for (const page of [3, 4, 5]) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    closeSync(fd);
    assertRefused(file, /corrupt/);
  });

  it("an empty or missing database beside a write-ahead log that holds data is refused, not started afresh", async () => {
    const file = await populated(dataDir());
    writeFileSync(`${file}-wal`, Buffer.alloc(8192, 0x5a)); // what a crash left, in shape only
    writeFileSync(file, ""); // the database lost (a bad restore, a damaged file system)
    assertRefused(file, /the database file is empty but its write-ahead log ".*-wal" holds 8192 bytes/);
    rmSync(file);
    assertRefused(file, /the database file is missing but its write-ahead log/);
    // an empty file with no log (or an empty one) is a new store
    rmSync(`${file}-wal`);
    writeFileSync(file, "");
    const store = open(file);
    assert.deepEqual((await store.load()).sessions, []);
    await store.close();
  });

  it("a database path that is a directory is refused", () => {
    const dir = dataDir();
    const file = join(dir, "switchboard.db");
    mkdirSync(file);
    let caught: unknown;
    try {
      open(file);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof StoreError);
    assert.match(caught.message, /not a regular file/);
    assert.ok(statSync(file).isDirectory());
  });

  it("a database the broker's user cannot read or write is refused (permission denied)", async (t: TestContext) => {
    const dir = dataDir();
    const file = await populated(dir);
    chmodSync(file, 0o600);
    const before = fingerprint(file);
    const script = `
      import { SqliteStore } from ${JSON.stringify(join(projectRoot, "src/storage/sqlite/sqlite-store.ts"))};
      try {
        new SqliteStore({ file: ${JSON.stringify(file)}, durability: "strict", commitInterval: 5, housekeepingInterval: 0, compactThreshold: 0 });
        console.log("OPENED");
      } catch (error) { console.log(error.code + " " + error.message); }
    `;
    const scriptFile = join(root, `permission-${dirs}.mts`);
    writeFileSync(scriptFile, script);
    chmodSync(scriptFile, 0o644);
    if (process.getuid?.() === 0) {
      // root reads everything: run the store as an unprivileged user, for whom the file is 0600 root's
      chmodSync(dir, 0o777);
      const run = spawnSync(process.execPath, ["--import", "tsx", scriptFile], {
        cwd: projectRoot,
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        env: { ...process.env, HOME: root },
      });
      t.diagnostic(`as uid 65534: ${run.stdout.trim()} ${run.stderr.trim().slice(0, 300)}`);
      assert.match(run.stdout, /SB_ERR_STORE Cannot open the store ".*switchboard\.db": permission denied/);
    } else {
      chmodSync(file, 0o000);
      const run = spawnSync(process.execPath, ["--import", "tsx", scriptFile], {
        cwd: projectRoot,
        encoding: "utf8",
      });
      chmodSync(file, 0o600);
      assert.match(run.stdout, /SB_ERR_STORE Cannot open the store ".*switchboard\.db": permission denied/);
    }
    assert.equal(fingerprint(file), before, "the file was not modified");
  });
});

describe("switchboard command with a bad data directory", () => {
  it("a second broker on the same data directory exits 1 naming the locked file; the first keeps serving", async () => {
    const dir = dataDir();
    const env = { SWITCHBOARD_STORAGE__KIND: "sqlite", SWITCHBOARD_STORAGE__PATH: dir };
    const first = runCli(env);
    try {
      const port = await listeningPort(first);
      const second = runCli(env);
      assert.equal(await second.exited, 1, "the second broker stops with status 1");
      const file = join(dir, "switchboard.db");
      assert.match(second.stderr(), /^switchboard: Cannot open the store/);
      assert.ok(second.stderr().includes(file), `names the file: ${second.stderr()}`);
      assert.match(second.stderr(), /locked by another process/);
      const client = await RawClient.connected(port, { protocolVersion: 5 });
      client.send({
        type: PacketType.PUBLISH,
        topic: "still/alive",
        payload: bytes("x"),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 1,
      });
      assert.equal(
        (await client.expect(PacketType.PUBACK)).packetId,
        1,
        "the first broker still acknowledges",
      );
      await client.disconnect();
      first.child.kill("SIGTERM");
      assert.equal(await first.exited, 0);
    } finally {
      first.child.kill("SIGKILL");
    }
  });

  it("a database from a newer version stops start-up with status 1 and is left as it was", async () => {
    const dir = dataDir();
    const file = await populated(dir);
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 7}`);
    db.close();
    const before = fingerprint(file);
    const run = runCli({ SWITCHBOARD_STORAGE__KIND: "sqlite", SWITCHBOARD_STORAGE__PATH: dir });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /newer version of Switchboard/);
    assert.ok(run.stderr().includes(file));
    assert.equal(fingerprint(file), before);
  });
});
