/**
 * Stopping while the store cannot commit (a full disk): every step of the shutdown still runs. Clients
 * get DISCONNECT 0x8B, the listeners close, the store is closed (its database released), and `stop()`
 * rejects with the store's error, logged with its code. Found by a review: the first failed commit
 * (the bridges' outboxes) ended the shutdown there, and the process ran on with its clients connected.
 */

import assert from "node:assert/strict";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { pino } from "pino";
import { PacketType } from "../../src/protocol/packet-type.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { MemoryStore } from "../../src/storage/memory/memory-store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { failCommits, sqliteTestFiles } from "../contract/sqlite-test-store.js";
import { CommitTrackingStore } from "../helpers/commit-tracking-store.js";
import { bytes, RawClient } from "../helpers/raw-client.js";
import { startTestBroker } from "../helpers/test-broker.js";

const files = sqliteTestFiles("sb-shutdown-failure-");

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly code?: string;
  readonly step?: string;
}

function captureLogger(lines: LogLine[]): pino.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n"))
        if (line !== "") lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return pino({ level: "info" }, stream);
}

/** Resolves true when a TCP connection to `port` is refused (the listener is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/** The memory store, whose commits fail on demand; records whether it was closed. */
class ClosingTrackingStore extends CommitTrackingStore {
  closed = false;

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }
}

describe("stopping while the store cannot commit", () => {
  it("disconnects the clients (0x8B), closes the listeners and the store, and rejects with the store's error", async () => {
    const lines: LogLine[] = [];
    const store = new ClosingTrackingStore(new MemoryStore());
    const broker = await startTestBroker({ store, logger: captureLogger(lines) });
    const v5 = await RawClient.connected(broker.port, { protocolVersion: 5 });
    const v3 = await RawClient.connected(broker.port, { protocolVersion: 4 });
    store.failCommits = true;

    const stopping = broker.stop();
    assert.equal(broker.stop(), stopping, "a second stop() waits for the same shutdown");
    const disconnect = await v5.expect(PacketType.DISCONNECT, 5000);
    assert.equal(disconnect.reasonCode, ReasonCode.ServerShuttingDown);
    await v5.waitClosed(5000);
    await v3.waitClosed(5000);
    await assert.rejects(stopping, (error: Error & { code?: string }) => {
      assert.equal(error.code, "SB_ERR_STORE");
      assert.match(error.message, /disk is full/);
      return true;
    });

    assert.ok(store.closed, "the store was closed");
    assert.equal(broker.broker.running, false);
    assert.ok(await refused(broker.port), "the TCP listener is closed");
    assert.ok(await refused(broker.wsPort), "the WebSocket listener is closed");
    const logged = lines.filter((l) => l.level >= 50 && l.step !== undefined);
    assert.deepEqual(
      logged.map((l) => [l.step, l.code]),
      [["close the broker and its store", "SB_ERR_STORE"]],
    );
  });

  it("SQLite (strict): a DISCONNECT waiting for a commit that fails still goes out, the bridges' failed commit does not stop the rest, and the database is released", async () => {
    const lines: LogLine[] = [];
    const file = files.fresh("strict");
    const store = files.open(file, "strict");
    const broker = await startTestBroker({ store, logger: captureLogger(lines) });
    // a message acknowledged while the store works survives whatever happens at the shutdown
    const publisher = await RawClient.connected(broker.port, { protocolVersion: 5 });
    publisher.send({
      type: PacketType.PUBLISH,
      topic: "kept",
      payload: bytes("acknowledged"),
      qos: 1,
      packetId: 1,
      retain: true,
      dup: false,
    });
    await publisher.expect(PacketType.PUBACK);
    const v5 = await RawClient.connected(broker.port, { protocolVersion: 5 });
    failCommits(store); // the disk is full from now on

    const stopping = broker.stop();
    const disconnect = await v5.expect(PacketType.DISCONNECT, 5000);
    assert.equal(disconnect.reasonCode, ReasonCode.ServerShuttingDown);
    await v5.waitClosed(5000);
    await publisher.waitClosed(5000);
    await assert.rejects(stopping, (error: Error) => {
      assert.ok(error instanceof AggregateError, "both failed steps are reported");
      assert.deepEqual(
        (error.errors as { code?: string }[]).map((e) => e.code),
        ["SB_ERR_STORE", "SB_ERR_STORE"],
      );
      return true;
    });
    assert.deepEqual(
      lines.filter((l) => l.level >= 50 && l.step !== undefined).map((l) => [l.step, l.code]),
      [
        ["stop the bridges", "SB_ERR_STORE"],
        ["close the broker and its store", "SB_ERR_STORE"],
      ],
    );
    assert.ok(await refused(broker.port), "the TCP listener is closed");

    // released: a second store takes the database's exclusive lock, and finds what was acknowledged
    const reopened = new SqliteStore({
      file,
      durability: "strict",
      commitInterval: 5,
      housekeepingInterval: 0,
      compactThreshold: 1024 * 1024,
    });
    try {
      const snapshot = await reopened.load();
      assert.ok(snapshot.retained.has("kept"), "the acknowledged retained message is there");
    } finally {
      await reopened.close();
    }
  });

  it("the DISCONNECT 0x8B still goes out when the commit it waited behind was in flight and fails", async () => {
    // a write-ahead store whose commit is in flight when the stop begins, then fails, as does the next
    class InFlightFailure extends CommitTrackingStore {
      mode: "ok" | "hold" | "fail" = "ok";
      release: ((error: Error) => void) | undefined;
      override get ackAfterCommit(): boolean {
        return true;
      }
      override commit(): Promise<void> {
        if (this.mode === "hold") {
          this.mode = "fail";
          return new Promise((_resolve, reject) => (this.release = reject));
        }
        if (this.mode === "fail") return Promise.reject(new Error("disk full (injected)"));
        return super.commit();
      }
      override close(): Promise<void> {
        return this.inner.close();
      }
    }
    const store = new InFlightFailure(new MemoryStore());
    const broker = await startTestBroker({ store });
    const client = await RawClient.connected(broker.port, { protocolVersion: 5 });
    store.mode = "hold";
    client.send({
      type: PacketType.PUBLISH,
      topic: "t",
      payload: bytes("x"),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
    });
    while (store.release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopping = broker.stop().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    store.release(new Error("disk full (injected)"));
    const disconnect = await client.expect(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, ReasonCode.ServerShuttingDown);
    await client.waitClosed();
    await stopping;
  });
});
