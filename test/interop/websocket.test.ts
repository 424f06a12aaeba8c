/**
 * MQTT over WebSocket (spec 6) with the `ws` package as a raw client: subprotocol negotiation, the
 * path, packets split across or packed into WebSocket messages, text frames, and plain HTTP requests.
 * @module
 */

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { FrameReader } from "../../src/protocol/frame-reader.js";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import { bytes, RawClient, text, type PacketOf } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const TIMEOUT = 3000;

/** A WebSocket MQTT client that sends exact bytes, one WebSocket message per `sendBytes`. */
class WsRawClient {
  readonly ws: WebSocket;
  readonly received: Packet[] = [];
  /** Whether each WebSocket message from the broker was binary. */
  readonly messageKinds: ("binary" | "text")[] = [];
  readonly #reader = new FrameReader({ maximumPacketSize: 268_435_460 });
  readonly #queue: Packet[] = [];
  #waiter: ((packet: Packet | undefined) => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  #isClosed = false;

  private constructor(ws: WebSocket, version: ProtocolVersion) {
    this.ws = ws;
    this.#reader.version = version;
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      this.messageKinds.push(isBinary ? "binary" : "text");
      this.#reader.push(new Uint8Array(data));
      for (let packet = this.#reader.read(); packet !== null; packet = this.#reader.read()) {
        this.received.push(packet);
        const waiter = this.#waiter;
        this.#waiter = undefined;
        if (waiter) waiter(packet);
        else this.#queue.push(packet);
      }
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code: number, reason: Buffer) => {
        this.#isClosed = true;
        const waiter = this.#waiter;
        this.#waiter = undefined;
        waiter?.(undefined);
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** Opens a WebSocket offering `protocols`; rejects with the HTTP status when the upgrade is refused. */
  static open(
    url: string,
    version: ProtocolVersion = 5,
    protocols: string[] = ["mqtt"],
  ): Promise<WsRawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.binaryType = "nodebuffer";
      ws.once("open", () => {
        ws.on("error", () => {});
        resolve(new WsRawClient(ws, version));
      });
      ws.once("unexpected-response", (_request, response: IncomingMessage) => {
        reject(new UpgradeRefused(response.statusCode ?? 0));
        ws.terminate();
      });
      ws.once("error", reject);
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  sendBytes(data: Uint8Array | readonly number[]): void {
    this.ws.send(data instanceof Uint8Array ? data : Uint8Array.from(data), { binary: true });
  }

  encode(packet: Packet, version: ProtocolVersion = 5): Uint8Array {
    return encodePacket(packet, version);
  }

  next(timeout = TIMEOUT): Promise<Packet> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#isClosed) return Promise.reject(new Error("WebSocket closed while waiting for a packet"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`No packet within ${timeout} ms`));
      }, timeout);
      this.#waiter = (packet) => {
        clearTimeout(timer);
        if (packet === undefined) reject(new Error("WebSocket closed while waiting for a packet"));
        else resolve(packet);
      };
    });
  }

  async expect<T extends Packet["type"]>(type: T): Promise<PacketOf<T>> {
    const packet = await this.next();
    assert.equal(packet.type, type, `expected packet type ${type}, got ${packet.type}`);
    return packet as PacketOf<T>;
  }

  waitClosed(timeout = TIMEOUT): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`WebSocket still open after ${timeout} ms`)), timeout).unref(),
      ),
    ]);
  }

  close(): void {
    this.ws.terminate();
  }
}

class UpgradeRefused extends Error {
  override readonly name = "UpgradeRefused";
  readonly status: number;
  constructor(status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
    this.status = status;
  }
}

function connectPacket(clientId: string, extra: Partial<PacketOf<typeof PacketType.CONNECT>> = {}): Packet {
  return {
    type: PacketType.CONNECT,
    protocolName: "MQTT",
    protocolVersion: 5,
    clientId,
    cleanStart: true,
    keepAlive: 0,
    ...extra,
  };
}

describe("MQTT over WebSocket (ws as a raw client)", () => {
  let broker: TestBroker;
  const open: WsRawClient[] = [];

  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  after(() => broker.stop());

  async function client(protocols?: string[], url = broker.wsUrl): Promise<WsRawClient> {
    const c = await WsRawClient.open(url, 5, protocols);
    open.push(c);
    return c;
  }

  it('[MQTT-6.0.0-4] the server selects the subprotocol "mqtt"', async () => {
    const c = await client(["mqtt"]);
    assert.equal(c.ws.protocol, "mqtt");
  });

  it('[MQTT-6.0.0-4] "mqtt" is selected when the client offers it after other subprotocols', async () => {
    const c = await client(["chat", "mqtt"]);
    assert.equal(c.ws.protocol, "mqtt");
  });

  for (const path of ["/", "/other", "/mqtt/extra", "/MQTT"]) {
    it(`[spec 6] a WebSocket upgrade on path "${path}" (not /mqtt) is refused with HTTP 404`, async () => {
      const url = `ws://127.0.0.1:${broker.wsPort}${path}`;
      await assert.rejects(client(["mqtt"], url), (error: unknown) => {
        assert.ok(error instanceof UpgradeRefused, String(error));
        assert.equal(error.status, 404);
        return true;
      });
    });
  }

  it("[spec 6] refused upgrades: a client resetting the connection does not stop the broker, one never closing does not hold its socket", async () => {
    const own = await startTestBroker();
    const request =
      "GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const socket = tcpConnect({ port: own.wsPort, host: "127.0.0.1", allowHalfOpen: true });
        socket.on("error", () => undefined);
        socket.once("data", () => resolve(socket)); // the 404
        socket.on("connect", () => socket.write(request));
      });
    const resetting = await Promise.all(Array.from({ length: 20 }, open));
    for (const socket of resetting) socket.resetAndDestroy();
    const halfOpen = await Promise.all(Array.from({ length: 5 }, open)); // never end their side
    await new Promise((resolve) => setTimeout(resolve, 100));
    // still serving MQTT
    const c = await WsRawClient.open(own.wsUrl, 5, ["mqtt"]);
    c.sendBytes(c.encode(connectPacket("after-resets")));
    assert.equal((await c.expect(PacketType.CONNACK)).reasonCode, 0);
    c.close();
    // and it stops without waiting for the half-open clients
    const stopped = await Promise.race([
      own.stop().then(() => "stopped"),
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2000)),
    ]);
    for (const socket of halfOpen) socket.destroy();
    assert.equal(stopped, "stopped");
  });

  it("[MQTT-6.0.0-1] everything the broker sends is in binary WebSocket messages", async () => {
    const c = await client();
    c.sendBytes(c.encode(connectPacket("ws-binary")));
    await c.expect(PacketType.CONNACK);
    c.sendBytes(c.encode({ type: PacketType.PINGREQ }));
    await c.expect(PacketType.PINGRESP);
    assert.ok(c.messageKinds.length >= 2);
    assert.deepEqual(new Set(c.messageKinds), new Set(["binary"]));
  });

  it("[MQTT-6.0.0-2] a CONNECT split across two WebSocket messages (after the first byte) is reassembled", async () => {
    const c = await client();
    const connect = c.encode(connectPacket("ws-split-1"));
    c.sendBytes(connect.subarray(0, 1));
    c.sendBytes(connect.subarray(1));
    assert.equal((await c.expect(PacketType.CONNACK)).reasonCode, 0);
  });

  it("[MQTT-6.0.0-2] a CONNECT sent one byte per WebSocket message is reassembled", async () => {
    const c = await client();
    const connect = c.encode(connectPacket("ws-split-bytes", { username: "u", keepAlive: 30 }));
    for (let i = 0; i < connect.length; i++) c.sendBytes(connect.subarray(i, i + 1));
    assert.equal((await c.expect(PacketType.CONNACK)).reasonCode, 0);
  });

  it("[MQTT-6.0.0-2] two packets in one WebSocket message, and one packet split across messages, all work", async () => {
    const c = await client();
    const topic = "ws/packed";
    const connect = c.encode(connectPacket("ws-packed"));
    const subscribe = c.encode({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: topic, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    });
    // CONNECT and SUBSCRIBE in one message
    c.sendBytes(Uint8Array.from([...connect, ...subscribe]));
    assert.equal((await c.expect(PacketType.CONNACK)).reasonCode, 0);
    assert.deepEqual((await c.expect(PacketType.SUBACK)).reasonCodes, [1]);
    // PUBLISH, PINGREQ and the first half of a second PUBLISH in one message; the rest in another
    const publish = (n: number): Uint8Array =>
      c.encode({
        type: PacketType.PUBLISH,
        topic,
        payload: bytes(`message ${n}`),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 10 + n,
      });
    const first = publish(1);
    const second = publish(2);
    const half = Math.floor(second.length / 2);
    c.sendBytes(
      Uint8Array.from([...first, ...c.encode({ type: PacketType.PINGREQ }), ...second.subarray(0, half)]),
    );
    c.sendBytes(second.subarray(half));
    const answers: Packet[] = [];
    for (let i = 0; i < 5; i++) answers.push(await c.next());
    const acks = answers.filter((p) => p.type === PacketType.PUBACK).map((p) => p.packetId);
    const pings = answers.filter((p) => p.type === PacketType.PINGRESP);
    const delivered = answers.filter((p) => p.type === PacketType.PUBLISH).map((p) => text(p.payload));
    assert.deepEqual(acks, [11, 12]);
    assert.equal(pings.length, 1);
    assert.deepEqual(delivered, ["message 1", "message 2"]);
  });

  it("[MQTT-6.0.0-1] a text WebSocket frame closes the connection, and the Will is published", async () => {
    const watcher = await RawClient.connected(broker.port, { protocolVersion: 5 });
    watcher.send({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: "ws/text/will", qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    });
    await watcher.expect(PacketType.SUBACK);
    const c = await client();
    c.sendBytes(
      c.encode(
        connectPacket("ws-text", {
          will: { topic: "ws/text/will", payload: bytes("gone"), qos: 0, retain: false },
        }),
      ),
    );
    await c.expect(PacketType.CONNACK);
    c.ws.send("hello", { binary: false });
    const { code } = await c.waitClosed();
    assert.equal(code, 1003, "close code 1003 (unsupported data)");
    assert.deepEqual(
      c.received.map((p) => p.type),
      [PacketType.CONNACK],
    );
    const will = await watcher.expect(PacketType.PUBLISH);
    assert.equal(text(will.payload), "gone");
    await watcher.disconnect();
  });

  it("[MQTT-6.0.0-1] a text WebSocket frame before CONNECT closes the connection", async () => {
    const c = await client();
    c.ws.send("CONNECT", { binary: false });
    await c.waitClosed();
    assert.deepEqual(c.received, []);
  });

  it("[MQTT-4.13.1-1] a malformed packet over WebSocket gets DISCONNECT 0x81 and the WebSocket closes", async () => {
    const c = await client();
    c.sendBytes(c.encode(connectPacket("ws-malformed")));
    await c.expect(PacketType.CONNACK);
    c.sendBytes([0xc1, 0x00]); // PINGREQ with a reserved flag set
    assert.equal((await c.expect(PacketType.DISCONNECT)).reasonCode, 0x81);
    await c.waitClosed();
  });

  for (const path of ["/", "/mqtt", "/anything?x=1"]) {
    it(`[spec 6] a plain HTTP GET ${path} on the WebSocket port gets 404 with a JSON body`, async () => {
      const response = await fetch(`http://127.0.0.1:${broker.wsPort}${path}`, {
        signal: AbortSignal.timeout(TIMEOUT),
      });
      assert.equal(response.status, 404);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
      assert.equal(body.error?.code, "NOT_FOUND");
      assert.equal(typeof body.error.message, "string");
    });
  }

  it("[spec 6] the MQTT session over WebSocket exchanges messages with a TCP client", async () => {
    const c = await client();
    c.sendBytes(c.encode(connectPacket("ws-bridge")));
    await c.expect(PacketType.CONNACK);
    c.sendBytes(
      c.encode({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          { topicFilter: "ws/bridge/#", qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        ],
      }),
    );
    await c.expect(PacketType.SUBACK);
    const tcp = await RawClient.connected(broker.port, { protocolVersion: 4 });
    const payload = new Uint8Array(100_000).fill(0x42);
    tcp.send({
      type: PacketType.PUBLISH,
      topic: "ws/bridge/big",
      payload,
      qos: 0,
      retain: false,
      dup: false,
    });
    const message = await c.expect(PacketType.PUBLISH);
    assert.equal(message.topic, "ws/bridge/big");
    assert.equal(message.payload.length, payload.length);
    await tcp.disconnect();
  });
});
