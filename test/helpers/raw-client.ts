/**
 * A raw MQTT client for conformance tests: it sends exactly the packets (or bytes) a test gives it and
 * hands back every packet the broker sends, so tests can check what client libraries would hide.
 * @module
 */

import { connect as netConnect, type Socket } from "node:net";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { FrameReader } from "../../src/protocol/frame-reader.js";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import type { ConnackPacket } from "../../src/protocol/packets/connack.js";
import type { ConnectPacket } from "../../src/protocol/packets/connect.js";

export type PacketOf<T extends Packet["type"]> = Extract<Packet, { type: T }>;

/** CONNECT fields a test may set; the rest get defaults (v5, clean start, keep alive 0). */
export type ConnectOptions = Partial<Omit<ConnectPacket, "type">>;

const DEFAULT_TIMEOUT = 2000;

export class RawClient {
  readonly socket: Socket;
  version: ProtocolVersion;
  /** Every packet received so far, in order (also those already returned by `next`). */
  readonly received: Packet[] = [];
  #reader = new FrameReader({ maximumPacketSize: 268_435_460 });
  #queue: Packet[] = [];
  #waiter: ((packet: Packet | undefined) => void) | undefined;
  #closed = false;
  #closeWaiters: (() => void)[] = [];
  #error: Error | undefined;

  private constructor(socket: Socket, version: ProtocolVersion) {
    this.socket = socket;
    this.version = version;
    this.#reader.version = version;
    socket.on("data", (chunk: Buffer) => {
      this.#reader.push(chunk);
      for (;;) {
        let packet: Packet | null;
        try {
          packet = this.#reader.read();
        } catch (error) {
          this.#error = error as Error;
          socket.destroy();
          return;
        }
        if (packet === null) break;
        this.received.push(packet);
        if (this.#waiter) {
          const waiter = this.#waiter;
          this.#waiter = undefined;
          waiter(packet);
        } else this.#queue.push(packet);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#closed = true;
      if (this.#waiter) {
        const waiter = this.#waiter;
        this.#waiter = undefined;
        waiter(undefined);
      }
      for (const w of this.#closeWaiters) w();
    });
  }

  /** Wraps a connected socket (e.g. a TLS one) whose MQTT exchange has not started. */
  static fromSocket(socket: Socket, version: ProtocolVersion = 5): RawClient {
    return new RawClient(socket, version);
  }

  /** Opens a TCP connection (no MQTT yet). */
  static open(port: number, version: ProtocolVersion = 5): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: "127.0.0.1", port }, () => {
        socket.off("error", reject);
        resolve(new RawClient(socket, version));
      });
      socket.once("error", reject);
    });
  }

  /** Opens a connection and completes CONNECT/CONNACK; throws unless the CONNACK reports success. */
  static async connected(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    const client = await RawClient.open(port, options.protocolVersion ?? 5);
    const connack = await client.connect(options);
    if (connack.reasonCode !== 0) throw new Error(`CONNACK refused: 0x${connack.reasonCode.toString(16)}`);
    return client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends CONNECT and returns the CONNACK. */
  async connect(options: ConnectOptions = {}): Promise<ConnackPacket> {
    const version = options.protocolVersion ?? this.version;
    this.version = version;
    this.#reader.version = version;
    const packet: ConnectPacket = {
      type: PacketType.CONNECT,
      protocolName: version === 3 ? "MQIsdp" : "MQTT",
      protocolVersion: version,
      clientId: options.clientId ?? `raw-${Math.random().toString(36).slice(2, 10)}`,
      cleanStart: options.cleanStart ?? true,
      keepAlive: options.keepAlive ?? 0,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.will === undefined ? {} : { will: options.will }),
      ...(options.properties === undefined ? {} : { properties: options.properties }),
    };
    this.send(packet);
    return this.expect(PacketType.CONNACK);
  }

  send(packet: Packet): void {
    this.socket.write(encodePacket(packet, this.version));
  }

  sendBytes(bytes: Uint8Array | readonly number[]): void {
    this.socket.write(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }

  /** The next packet from the broker; rejects on timeout or when the connection closes first. */
  next(timeout = DEFAULT_TIMEOUT): Promise<Packet> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed)
      return Promise.reject(new Error(`Connection closed while waiting for a packet${this.#why()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`No packet within ${timeout} ms`));
      }, timeout);
      this.#waiter = (packet) => {
        clearTimeout(timer);
        if (packet === undefined)
          reject(new Error(`Connection closed while waiting for a packet${this.#why()}`));
        else resolve(packet);
      };
    });
  }

  /** The next packet, which must be of `type`. */
  async expect<T extends Packet["type"]>(type: T, timeout = DEFAULT_TIMEOUT): Promise<PacketOf<T>> {
    const packet = await this.next(timeout);
    if (packet.type !== type) {
      throw new Error(`Expected packet type ${type}, got ${JSON.stringify(packet, replacer)}`);
    }
    return packet as PacketOf<T>;
  }

  /** Resolves once the broker has closed the connection; rejects after `timeout`. */
  waitClosed(timeout = DEFAULT_TIMEOUT): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Connection still open after ${timeout} ms`)), timeout);
      this.#closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Asserts that no packet arrives within `ms`. */
  async expectNothing(ms = 200): Promise<void> {
    if (this.#queue.length > 0)
      throw new Error(`Unexpected packet ${JSON.stringify(this.#queue[0], replacer)}`);
    await new Promise((r) => setTimeout(r, ms));
    if (this.#queue.length > 0)
      throw new Error(`Unexpected packet ${JSON.stringify(this.#queue[0], replacer)}`);
  }

  /** Closes the socket abruptly (no DISCONNECT). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Sends DISCONNECT (normal) and closes. */
  async disconnect(reasonCode?: number): Promise<void> {
    this.send(
      reasonCode === undefined
        ? { type: PacketType.DISCONNECT }
        : { type: PacketType.DISCONNECT, reasonCode },
    );
    await this.waitClosed().catch(() => this.socket.destroy());
  }

  #why(): string {
    return this.#error ? ` (client could not decode: ${this.#error.message})` : "";
  }
}

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? `<${value.byteLength} bytes>` : value;
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A string from UTF-8 bytes. */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
