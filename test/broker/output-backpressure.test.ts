/**
 * Output back-pressure: a client that sends requests but never reads the answers (PINGREQ, QoS 1
 * PUBLISH to a topic nobody subscribes to) stops being read once the broker's unsent output for it
 * reaches `mqtt.writeHighWaterMark`, instead of making the broker buffer PINGRESP and PUBACK without
 * bound. Once it reads again it gets every answer it is owed, in order. Over TCP and WebSocket.
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import type { Connection } from "../../src/broker/connection.js";
import { ALLOW } from "../../src/hooks/decision.js";
import type { Authorizer } from "../../src/hooks/authorizer.js";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { RawClient } from "../helpers/raw-client.js";
import { sub, subscribe, waitFor } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const MIB = 1024 * 1024;
/** What the broker may hold beyond the mark: a batch written early (64 KiB) and the answers of one chunk. */
const SLACK = 256 * 1024;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const connectFrame = (clientId: string, keepAlive = 0): Uint8Array =>
  encodePacket(
    {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 4,
      clientId,
      cleanStart: true,
      keepAlive,
    },
    4,
  );

/** A request a client sends over and over, and the size of the broker's answer to each. */
interface Request {
  /** `count` requests, the first one the `first`th (counted from 0). */
  frames(first: number, count: number): Buffer;
  readonly answerBytes: number;
}

/** PINGREQ (2 bytes), answered by PINGRESP (2 bytes). */
const PINGREQ: Request = {
  frames: (_first, count) => Buffer.alloc(count * 2, Buffer.from([0xc0, 0x00])),
  answerBytes: 2,
};

/** The packet id of the `n`th QoS 1 PUBLISH (from 0): 1 to 65535, then 1 again. */
const packetIdOf = (n: number): number => (n % 0xffff) + 1;

/**
 * MQTT 3.1.1 QoS 1 PUBLISH to `t` (nobody subscribes to it) with an empty payload (7 bytes), answered
 * by PUBACK (4 bytes). Written by hand: a test sends more than a million.
 */
const PUBLISH_QOS1: Request = {
  frames: (first, count) => {
    const frames = Buffer.alloc(count * 7);
    for (let i = 0; i < count; i++) {
      const at = i * 7;
      const packetId = packetIdOf(first + i);
      frames[at] = 0x32; // PUBLISH, QoS 1
      frames[at + 1] = 5; // remaining length
      frames[at + 3] = 1; // topic length 1 (its high byte is 0)
      frames[at + 4] = 0x74; // "t"
      frames[at + 5] = packetId >> 8;
      frames[at + 6] = packetId & 0xff;
    }
    return frames;
  },
  answerBytes: 4,
};

/** A client's byte stream, read or not as the test says. */
interface FloodClient {
  write(bytes: Buffer): void;
  /** Stops reading: what the broker sends waits in its buffers. */
  stopReading(): void;
  /** Reads again; every byte from then on goes to `received`. */
  startReading(): void;
  readonly received: Buffer[];
  receivedBytes(): number;
  close(): void;
}

/** A TCP client that has been sent CONNACK (and read it). */
async function tcpClient(port: number, clientId: string, keepAlive = 0): Promise<FloodClient> {
  const socket: Socket = tcpConnect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  await new Promise((resolve) => socket.once("connect", resolve));
  const received: Buffer[] = [];
  let bytes = 0;
  const connack = new Promise<Buffer>((resolve) => socket.once("data", resolve));
  socket.write(connectFrame(clientId, keepAlive));
  const first = await connack;
  assert.equal(first[0], 0x20, "CONNACK");
  assert.equal(first.byteLength, 4, "only the CONNACK so far");
  socket.on("data", (chunk: Buffer) => {
    received.push(chunk);
    bytes += chunk.byteLength;
  });
  return {
    write: (chunk) => void socket.write(chunk),
    stopReading: () => void socket.pause(),
    startReading: () => void socket.resume(),
    received,
    receivedBytes: () => bytes,
    close: () => socket.destroy(),
  };
}

/** A WebSocket client (subprotocol `mqtt`) that has been sent CONNACK (and read it). */
async function wsClient(url: string, clientId: string): Promise<FloodClient> {
  const ws = new WebSocket(url, "mqtt");
  ws.on("error", () => undefined);
  await new Promise((resolve) => ws.once("open", resolve));
  const received: Buffer[] = [];
  let bytes = 0;
  const connack = new Promise<Buffer>((resolve) => ws.once("message", (data) => resolve(data as Buffer)));
  ws.send(connectFrame(clientId));
  const first = await connack;
  assert.equal(first[0], 0x20, "CONNACK");
  ws.on("message", (data: Buffer) => {
    received.push(data);
    bytes += data.byteLength;
  });
  return {
    write: (chunk) => ws.send(chunk),
    stopReading: () => ws.pause(),
    startReading: () => ws.resume(),
    received,
    receivedBytes: () => bytes,
    close: () => ws.terminate(),
  };
}

function connectionOf(broker: TestBroker, clientId: string): Connection {
  for (const conn of broker.broker.connections) if (conn.clientId === clientId) return conn;
  throw new Error(`no connection for ${clientId}`);
}

/** Waits until the broker has read nothing more for a while (it stopped reading, or read everything). */
async function settled(broker: TestBroker): Promise<void> {
  let last = -1;
  for (let still = 0; still < 4;) {
    await delay(100);
    const now = broker.broker.metrics.bytesReceived;
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

/** Waits until `client` has received `bytes` bytes (or fails after `timeoutMs`). */
async function receivedAll(client: FloodClient, bytes: number, timeoutMs = 20_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  while (client.receivedBytes() < bytes) {
    assert.ok(Date.now() < deadline, `received ${client.receivedBytes()} of ${bytes} bytes`);
    await delay(20);
  }
  await delay(100); // nothing more than that
  return Buffer.concat(client.received);
}

/**
 * Stops reading and sends `request` over and over (64 KiB of answers at a time) until the broker's
 * output for `conn` starts to fill: the kernel's socket buffers (a few MiB on loopback) are full. Returns
 * the number of requests sent.
 */
async function fill(conn: Connection, client: FloodClient, request: Request): Promise<number> {
  const highWaterMark = conn.broker.config.mqtt.writeHighWaterMark;
  const perChunk = (64 * 1024) / request.answerBytes;
  client.stopReading();
  let sent = 0;
  while (conn.transport.bufferedBytes < highWaterMark / 2) {
    assert.ok(sent * request.answerBytes < 64 * MIB, "the broker's output never filled");
    client.write(request.frames(sent, perChunk));
    sent += perChunk;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return sent;
}

/**
 * Sends `request` over and over to a broker `client` does not read from: until the broker's output for
 * it starts to fill (the kernel's socket buffers, a few MiB on loopback, are full), then as many again as
 * take {@link EXTRA_ANSWERS} bytes to answer. Checks what the broker holds for the client once it stopped
 * reading (or read everything): its output near the mark, its unread input bounded. Returns the number
 * of requests sent.
 */
async function flood(
  broker: TestBroker,
  client: FloodClient,
  clientId: string,
  request: Request,
): Promise<number> {
  const highWaterMark = broker.broker.config.mqtt.writeHighWaterMark;
  const conn = connectionOf(broker, clientId);
  const perChunk = (64 * 1024) / request.answerBytes;
  let sent = await fill(conn, client, request);
  for (const end = sent + EXTRA_ANSWERS / request.answerBytes; sent < end; sent += perChunk)
    client.write(request.frames(sent, perChunk));
  await settled(broker);
  const unsent = conn.transport.bufferedBytes;
  assert.ok(
    unsent <= highWaterMark + SLACK,
    `the broker holds ${unsent} unsent bytes for a client that does not read (mark ${highWaterMark})`,
  );
  assert.ok(conn.reader.bufferedBytes <= SLACK, `the broker holds ${conn.reader.bufferedBytes} unread bytes`);
  assert.ok(conn.isOpen, "the client is not disconnected: it is only held back");
  return sent;
}

/** Checks that `received` is exactly `count` PINGRESP packets. */
function assertPingresps(received: Buffer, count: number): void {
  assert.equal(received.byteLength, count * 2, "one PINGRESP per PINGREQ");
  for (let i = 0; i < received.byteLength; i += 2)
    if (received[i] !== 0xd0 || received[i + 1] !== 0x00) assert.fail(`not a PINGRESP at byte ${i}`);
}

/** Checks that `received` is exactly `count` PUBACK packets, for the packet ids sent, in order. */
function assertPubacks(received: Buffer, count: number): void {
  assert.equal(received.byteLength, count * 4, "one PUBACK per QoS 1 PUBLISH");
  for (let i = 0; i < count; i++) {
    const at = i * 4;
    const packetId = packetIdOf(i);
    if (received[at] !== 0x40 || received[at + 1] !== 0x02 || received.readUInt16BE(at + 2) !== packetId)
      assert.fail(
        `PUBACK ${i} is ${received.subarray(at, at + 4).toString("hex")}, not for packet id ${packetId}`,
      );
  }
}

/**
 * Answers owed for what a client sends once its output has started to fill: without back-pressure the
 * broker would hold them all (at least half the mark and this, well past the mark and {@link SLACK}).
 */
const EXTRA_ANSWERS = 2 * MIB;

describe("a client that does not read what it is sent (memory store)", () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(() => broker.stop());

  it("PINGREQ flood over TCP: the broker stops reading at the write high-water mark, and every PINGRESP arrives once the client reads", async () => {
    const client = await tcpClient(broker.port, "bp-tcp-ping");
    try {
      const sent = await flood(broker, client, "bp-tcp-ping", PINGREQ);
      client.startReading();
      assertPingresps(await receivedAll(client, sent * 2), sent);
    } finally {
      client.close();
    }
  });

  it("QoS 1 PUBLISH flood to a topic nobody subscribes to, over TCP: bounded, then every PUBACK in order", async () => {
    const client = await tcpClient(broker.port, "bp-tcp-puback");
    try {
      const sent = await flood(broker, client, "bp-tcp-puback", PUBLISH_QOS1);
      client.startReading();
      assertPubacks(await receivedAll(client, sent * 4), sent);
    } finally {
      client.close();
    }
  });

  it("PINGREQ flood over WebSocket: bounded, then every PINGRESP", async () => {
    const client = await wsClient(broker.wsUrl, "bp-ws-ping");
    try {
      const sent = await flood(broker, client, "bp-ws-ping", PINGREQ);
      client.startReading();
      assertPingresps(await receivedAll(client, sent * 2), sent);
    } finally {
      client.close();
    }
  });

  it("a client held back past its keep-alive is disconnected by it, as one that sends nothing", async () => {
    const client = await tcpClient(broker.port, "bp-keep-alive", 1);
    try {
      const conn = connectionOf(broker, "bp-keep-alive");
      await fill(conn, client, PINGREQ);
      // its PINGREQs wait unread: 1.5 times the keep-alive after the last one handled, it is closed
      await waitFor(() => !conn.isOpen, "the connection closed by its keep-alive", 4000);
    } finally {
      client.close();
    }
  });
});

/** An authorizer that holds publishing to `gate/…` until the test releases it. */
function gateAuthorizer(): { authorizer: Authorizer; asked: Promise<void>; release: () => void } {
  let asked = (): void => undefined;
  let release = (): void => undefined;
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    authorizer: {
      name: "gate",
      authorizePublish: async (request) => {
        if (!request.topic.startsWith("gate/")) return ALLOW;
        asked();
        await released;
        return ALLOW;
      },
      authorizeSubscribe: () => ALLOW,
    },
    asked: wasAsked,
    release: () => release(),
  };
}

describe("input held both while handling waits and while output is backed up", () => {
  const gate = gateAuthorizer();
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker({ authorizers: [gate.authorizer] });
  });
  after(() => broker.stop());

  it("the end of one reason does not resume input the other still holds; then every answer arrives in order", async () => {
    const highWaterMark = broker.broker.config.mqtt.writeHighWaterMark;
    const subscriber = await RawClient.connected(broker.port, { protocolVersion: 4, clientId: "bp-both" });
    const publisher = await RawClient.connected(broker.port, { protocolVersion: 4, clientId: "bp-both-pub" });
    try {
      await subscribe(subscriber, [sub("big/#", 0)]);
      const conn = connectionOf(broker, "bp-both");
      subscriber.socket.pause();
      // a PUBLISH whose authorization waits, and PINGREQs behind it
      const pings = 128 * 1024;
      subscriber.sendBytes(
        encodePacket(
          {
            type: PacketType.PUBLISH,
            topic: "gate/x",
            payload: new Uint8Array(0),
            qos: 1,
            retain: false,
            dup: false,
            packetId: 7,
          },
          4,
        ),
      );
      subscriber.sendBytes(PINGREQ.frames(0, pings));
      await gate.asked;
      // while it waits, deliveries back its output up (the kernel's buffers first)
      const big = new Uint8Array(64 * 1024).fill(0x62);
      for (let i = 0; conn.transport.bufferedBytes < highWaterMark; i++) {
        assert.ok(i < 1024, "the subscriber's output never reached the mark");
        publisher.send({
          type: PacketType.PUBLISH,
          topic: "big/x",
          payload: big,
          qos: 0,
          retain: false,
          dup: false,
        });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const unread = conn.reader.bufferedBytes;
      assert.ok(unread > 0, "PINGREQs wait unread behind the PUBLISH");
      // the authorization ends: the PUBLISH is answered, but the PINGREQs still wait for the output
      const received = broker.broker.metrics.bytesReceived;
      gate.release();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(conn.reader.bufferedBytes, unread, "nothing more handled while the output is backed up");
      assert.equal(
        broker.broker.metrics.bytesReceived,
        received,
        "nothing more read while the output is backed up",
      );
      assert.ok(
        conn.transport.bufferedBytes <= highWaterMark + SLACK,
        `${conn.transport.bufferedBytes} bytes unsent`,
      );
      // the client reads again: the deliveries, then the PUBACK, then every PINGRESP
      subscriber.socket.resume();
      const pingresps = (): number =>
        subscriber.received.filter((p) => p.type === PacketType.PINGRESP).length;
      await waitFor(() => pingresps() === pings, `${pings} PINGRESP (got ${pingresps()})`, 20_000);
      const types = subscriber.received.map((p) => p.type);
      const puback = types.indexOf(PacketType.PUBACK);
      assert.ok(puback >= 0, "the PUBLISH was acknowledged");
      assert.equal((subscriber.received[puback] as { packetId: number }).packetId, 7);
      assert.ok(types.indexOf(PacketType.PINGRESP) > puback, "the PUBACK comes before the PINGRESPs");
      assert.ok(
        types.slice(puback + 1).every((type) => type === PacketType.PINGRESP),
        "only PINGRESPs after it",
      );
    } finally {
      subscriber.destroy();
      publisher.destroy();
    }
  });
});

describe("a client that does not read what it is sent (SQLite store: acknowledgements wait for commits)", () => {
  let broker: TestBroker;
  let directory: string;
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), "switchboard-backpressure-"));
    broker = await startTestBroker({
      config: { storage: { kind: "sqlite", path: directory, durability: "process" } },
    });
  });
  after(async () => {
    await broker.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("QoS 1 PUBLISH flood over TCP: bounded, then every PUBACK in order", async () => {
    const client = await tcpClient(broker.port, "bp-sqlite-puback");
    try {
      const sent = await flood(broker, client, "bp-sqlite-puback", PUBLISH_QOS1);
      client.startReading();
      assertPubacks(await receivedAll(client, sent * 4), sent);
    } finally {
      client.close();
    }
  });
});
