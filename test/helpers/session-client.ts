/**
 * An event-driven MQTT client over raw packets whose session state outlives its connections, for the
 * crash test: it reconnects (to a new port, after a broker restart) with Clean Start 0 and does what the
 * spec asks of a client resuming a session.
 *
 * - Publisher: keeps every QoS 1/2 PUBLISH until PUBACK / PUBCOMP; on reconnecting it resends the
 *   unacknowledged ones with DUP 1 and their original packet identifiers, and PUBREL for those whose
 *   PUBREC arrived [MQTT-4.4.0-1].
 * - Subscriber: QoS 2 "method B" of spec 4.3.3: a message is handed to the application when its PUBLISH
 *   first arrives and its packet id is kept until PUBREL; a PUBLISH with a kept id is a resend (it must
 *   carry DUP 1 and the same message [MQTT-3.3.1-1]) and is acknowledged without being handed over
 *   again [MQTT-4.3.3-10]. This state survives reconnections, as the spec requires of a client's session.
 * @module
 */

import { connect as netConnect, type Socket } from "node:net";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { FrameReader } from "../../src/protocol/frame-reader.js";
import {
  PacketType,
  packetTypeName,
  type ProtocolVersion,
  type QoS,
} from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";

export interface SessionClientOptions {
  readonly clientId: string;
  readonly version: ProtocolVersion;
  /** v5 Session Expiry Interval; v3 clients use Clean Session 0. */
  readonly sessionExpiry?: number;
}

interface Outgoing {
  readonly packet: PublishPacket;
  phase: "publish" | "pubrel";
  readonly done: () => void;
}

/** What the client saw of one message, by payload. */
export interface Delivery {
  count: number;
  readonly qos: QoS;
  readonly topic: string;
}

export class SessionClient {
  readonly options: SessionClientOptions;
  /** Messages handed to the application, by payload text. */
  readonly deliveries = new Map<string, Delivery>();
  /** QoS 2 resends recognised by packet id and not handed over again. */
  resendsDeduplicated = 0;
  /** Protocol problems seen (a resend without DUP, a different message under a kept id, ...). */
  readonly problems: string[] = [];
  connected = false;
  lastSessionPresent: boolean | undefined;

  #socket: Socket | undefined;
  #reader: FrameReader;
  readonly #outgoing = new Map<number, Outgoing>();
  /** Inbound QoS 2: packet id -> payload of the message awaiting PUBREL. */
  readonly #awaitingRelease = new Map<number, string>();
  /** Outbound QoS 2: packet ids whose PUBREL was resent on reconnecting. */
  readonly #releaseResent = new Set<number>();
  #nextId = 1;
  #connack: ((sessionPresent: boolean) => void) | undefined;
  #suback: (() => void) | undefined;
  #everConnected = false;
  /** Rejects the answer being waited for (CONNACK, SUBACK) when the connection closes first. */
  #waiting: ((error: Error) => void) | undefined;

  constructor(options: SessionClientOptions) {
    this.options = options;
    this.#reader = this.#newReader();
  }

  get inFlight(): number {
    return this.#outgoing.size;
  }

  /** Connects (Clean Start 1 the first time, 0 afterwards); resends what is unacknowledged. */
  async connect(port: number): Promise<boolean> {
    const { version, clientId, sessionExpiry } = this.options;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: "127.0.0.1", port }, () => {
        s.off("error", reject);
        resolve(s);
      });
      s.once("error", reject);
    });
    this.#socket = socket;
    this.#reader = this.#newReader();
    socket.on("data", (chunk: Buffer) => this.#data(socket, chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (this.#socket !== socket) return;
      this.connected = false;
      this.#waiting?.(new Error(`${clientId}: connection closed`));
    });
    const answered = this.#await<boolean>((resolve) => (this.#connack = resolve), "CONNACK");
    this.#send({
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: version,
      clientId,
      cleanStart: version === 5 ? !this.#everConnected : false,
      keepAlive: 0,
      ...(version === 5 ? { properties: { sessionExpiryInterval: sessionExpiry ?? 3600 } } : {}),
    });
    const sessionPresent = await answered;
    this.#everConnected = true;
    this.connected = true;
    this.lastSessionPresent = sessionPresent;
    // [MQTT-4.4.0-1] resend unacknowledged PUBLISH (DUP 1) and PUBREL with their original packet ids
    for (const [packetId, entry] of this.#outgoing) {
      if (entry.phase === "publish") this.#send({ ...entry.packet, dup: true });
      else {
        this.#releaseResent.add(packetId);
        this.#send({ type: PacketType.PUBREL, packetId });
      }
    }
    return sessionPresent;
  }

  async subscribe(topicFilter: string, qos: QoS): Promise<void> {
    const done = this.#await<true>((resolve) => (this.#suback = () => resolve(true)), "SUBACK");
    this.#send({
      type: PacketType.SUBSCRIBE,
      packetId: this.#allocate(),
      subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
    });
    await done;
  }

  /** Publishes; resolves once acknowledged (PUBACK, or PUBCOMP for QoS 2), across reconnections. */
  publish(topic: string, payload: string, qos: 1 | 2, retain = false): Promise<void> {
    return new Promise((resolve) => {
      const packetId = this.#allocate();
      const packet: PublishPacket = {
        type: PacketType.PUBLISH,
        topic,
        payload: new TextEncoder().encode(payload),
        qos,
        retain,
        dup: false,
        packetId,
      };
      this.#outgoing.set(packetId, { packet, phase: "publish", done: resolve });
      if (this.connected) this.#send(packet);
    });
  }

  /** Closes the connection abruptly; the session state stays for the next `connect`. */
  drop(): void {
    this.connected = false;
    this.#socket?.destroy();
  }

  async disconnect(): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return;
    this.#send({ type: PacketType.DISCONNECT });
    this.connected = false;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.end();
    });
  }

  /** A promise for the broker's answer; rejects when the connection closes first or after 10 s. */
  #await<T>(register: (resolve: (value: T) => void) => void, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`${this.options.clientId}: no ${what} within 10 s`)),
        10_000,
      );
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.#waiting = undefined;
        reject(error);
      };
      this.#waiting = fail;
      register((value) => {
        clearTimeout(timer);
        this.#waiting = undefined;
        resolve(value);
      });
    });
  }

  #newReader(): FrameReader {
    const reader = new FrameReader({ maximumPacketSize: 268_435_460 });
    reader.version = this.options.version;
    return reader;
  }

  #send(packet: Packet): void {
    const socket = this.#socket;
    if (socket !== undefined && !socket.destroyed) socket.write(encodePacket(packet, this.options.version));
  }

  #allocate(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id === 65_535 ? 1 : id + 1;
      if (!this.#outgoing.has(id)) return id;
    }
  }

  #data(socket: Socket, chunk: Buffer): void {
    if (socket !== this.#socket) return;
    this.#reader.push(chunk);
    for (;;) {
      let packet: Packet | null;
      try {
        packet = this.#reader.read();
      } catch (error) {
        this.problems.push(`cannot decode: ${String(error)}`);
        socket.destroy();
        return;
      }
      if (packet === null) return;
      this.#handle(packet);
    }
  }

  #handle(packet: Packet): void {
    switch (packet.type) {
      case PacketType.CONNACK:
        if (packet.reasonCode !== 0) this.problems.push(`CONNACK refused ${packet.reasonCode}`);
        this.#connack?.(packet.sessionPresent);
        return;
      case PacketType.SUBACK:
        this.#suback?.();
        return;
      case PacketType.PUBLISH:
        this.#received(packet);
        return;
      case PacketType.PUBREL:
        this.#awaitingRelease.delete(packet.packetId);
        this.#send({ type: PacketType.PUBCOMP, packetId: packet.packetId });
        return;
      case PacketType.PUBACK:
      case PacketType.PUBCOMP: {
        const entry = this.#outgoing.get(packet.packetId);
        const code = packet.reasonCode ?? 0;
        // A resent PUBREL may find the flow already completed (its PUBCOMP was lost): v5 answers
        // 0x92 Packet Identifier Not Found, which completes the flow all the same [spec 3.7.2.1].
        const completedBefore =
          packet.type === PacketType.PUBCOMP && code === 0x92 && this.#releaseResent.has(packet.packetId);
        if (code >= 0x80 && !completedBefore)
          this.problems.push(`${packetTypeName[packet.type]} with reason code ${code}`);
        this.#releaseResent.delete(packet.packetId);
        if (entry === undefined) return;
        this.#outgoing.delete(packet.packetId);
        entry.done();
        return;
      }
      case PacketType.PUBREC: {
        const entry = this.#outgoing.get(packet.packetId);
        if ((packet.reasonCode ?? 0) >= 0x80) this.problems.push(`PUBREC with ${packet.reasonCode}`);
        if (entry !== undefined) entry.phase = "pubrel";
        this.#send({ type: PacketType.PUBREL, packetId: packet.packetId });
        return;
      }
      case PacketType.DISCONNECT:
        return;
      default:
        this.problems.push(`unexpected packet type ${packet.type}`);
    }
  }

  #received(packet: PublishPacket): void {
    const payload = new TextDecoder().decode(packet.payload);
    const packetId = packet.packetId ?? 0;
    if (packet.qos === 2) {
      const kept = this.#awaitingRelease.get(packetId);
      if (kept !== undefined) {
        // a resend of a message already handed over: acknowledge, do not deliver again
        if (!packet.dup) this.problems.push(`QoS 2 resend of "${payload}" without DUP`);
        if (kept !== payload)
          this.problems.push(`packet id ${packetId} reused for "${payload}" while "${kept}" awaits PUBREL`);
        this.resendsDeduplicated++;
        this.#send({ type: PacketType.PUBREC, packetId });
        return;
      }
      this.#awaitingRelease.set(packetId, payload);
      this.#deliver(packet, payload);
      this.#send({ type: PacketType.PUBREC, packetId });
      return;
    }
    this.#deliver(packet, payload);
    if (packet.qos === 1) this.#send({ type: PacketType.PUBACK, packetId });
  }

  #deliver(packet: PublishPacket, payload: string): void {
    const seen = this.deliveries.get(payload);
    if (seen === undefined) this.deliveries.set(payload, { count: 1, qos: packet.qos, topic: packet.topic });
    else seen.count++;
  }
}
