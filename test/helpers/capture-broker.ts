/**
 * A broker started in process on a fixed clock, and subscribers on a transport that captures what the
 * broker writes, for tests of the bytes a subscriber is handed (test/broker/delivery-*.test.ts). The
 * transport keeps each chunk as it was handed over (not a copy) as well as a copy made at that moment:
 * the copies are what the subscriber received, and a chunk that no longer equals its copy was changed
 * after the broker gave it away (a frame overwritten in a slab while a socket still held it).
 * @module
 */

import { pino } from "pino";

import { AnonymousAuthenticator } from "../../src/auth/index.js";
import { Broker } from "../../src/broker/broker.js";
import { loadConfig } from "../../src/config/index.js";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType, type ProtocolVersion, type QoS } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import type { Properties } from "../../src/protocol/properties.js";
import { MemoryStore } from "../../src/storage/index.js";
import type { Transport, TransportSink } from "../../src/transport/transport.js";

/** The broker's clock: every message is created, and every expiry counted, from this instant. */
export const NOW = 1_700_000_000_000;

/** Keeps every chunk the broker writes, and a copy of each; feeds the broker the client's packets. */
export class CaptureTransport implements Transport {
  readonly kind = "memory" as const;
  readonly remoteAddress = "capture";
  readonly bufferedBytes = 0;
  sink: TransportSink | undefined;
  /** The chunks as they were handed over, not copies. */
  readonly kept: Uint8Array[] = [];
  /** A copy of each chunk, made when it was handed over. */
  readonly copies: Uint8Array[] = [];
  /** How many copies take() has given back. */
  #taken = 0;
  #closed = false;

  start(sink: TransportSink): void {
    this.sink = sink;
  }

  write(chunk: Uint8Array): boolean {
    this.kept.push(chunk);
    this.copies.push(chunk.slice());
    return true;
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    queueMicrotask(() => this.sink?.closed(undefined));
  }

  pause(): void {}

  resume(): void {}

  /** Everything written since the last call (as it was when written). */
  take(): Uint8Array {
    const out = concat(this.copies.slice(this.#taken));
    this.#taken = this.copies.length;
    return out;
  }

  /** Everything written after the first `skip` chunks (the handshake's), as it was when written. */
  bytes(skip = 0): Uint8Array {
    return concat(this.copies.slice(skip));
  }

  /** How many chunks have bytes that changed after they were written. */
  changed(): number {
    return this.kept.filter((chunk, i) => !Buffer.from(chunk).equals(Buffer.from(this.copies[i]!))).length;
  }
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Lets the broker finish what the last calls started in this turn (a connection's batch is written). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Lets the broker answer a CONNECT or SUBSCRIBE (its handlers may wait for promises). */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

export interface CaptureBrokerOptions {
  /** Anonymous clients are mounted in this tenant's namespace (`$t/<tenant>/`). */
  readonly tenant?: string | undefined;
  /**
   * A memory store that says `ackAfterCommit`, so the broker hands each turn's batch over and writes
   * it after the commit (src/broker/write-ahead.ts), as with the SQLite store in `strict` mode.
   */
  readonly writeAhead?: boolean;
}

/** A started broker with no listeners, a memory store, anonymous clients and the clock at NOW. */
export async function startBroker(options: CaptureBrokerOptions = {}): Promise<Broker> {
  const store = new MemoryStore();
  if (options.writeAhead === true) (store as { ackAfterCommit: boolean }).ackAfterCommit = true;
  const config = loadConfig({
    env: {},
    values: { listeners: [], storage: { kind: "memory" }, sys: { interval: 0 }, log: { level: "silent" } },
  });
  const broker = new Broker({
    config,
    logger: pino({ level: "silent" }),
    authenticators: [
      new AnonymousAuthenticator({
        allowAnonymous: true,
        ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      }),
    ],
    clock: () => NOW,
    store,
  });
  await broker.start();
  return broker;
}

/** One subscription; each is sent in a SUBSCRIBE of its own, `id` as its Subscription Identifier. */
export interface Filter {
  readonly filter: string;
  readonly qos: QoS;
  readonly id?: number;
  readonly noLocal?: boolean;
  readonly retainAsPublished?: boolean;
}

/** A subscriber's CONNECT (clean start, no keep-alive) and one SUBSCRIBE per filter, packet ids from 1. */
export function handshake(
  version: ProtocolVersion,
  clientId: string,
  filters: readonly Filter[],
  connectProperties?: Properties,
): Packet[] {
  return [
    {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: version,
      clientId,
      cleanStart: true,
      keepAlive: 0,
      ...(connectProperties === undefined ? {} : { properties: connectProperties }),
    },
    ...filters.map((f, i): Packet => ({
      type: PacketType.SUBSCRIBE,
      packetId: i + 1,
      subscriptions: [
        {
          topicFilter: f.filter,
          qos: f.qos,
          noLocal: f.noLocal ?? false,
          retainAsPublished: f.retainAsPublished ?? false,
          retainHandling: 0,
        },
      ],
      ...(f.id === undefined ? {} : { properties: { subscriptionIdentifiers: [f.id] } }),
    })),
  ];
}

/**
 * A client connected to `broker` on a CaptureTransport and subscribed to `filters`, each packet
 * answered before the next goes out. The handshake's answers (CONNACK, SUBACKs) are taken, so take()
 * gives what came after; they stay in the copies, and `copies.length` counts them for bytes(skip).
 */
export async function subscriber(
  broker: Broker,
  version: ProtocolVersion,
  clientId: string,
  filters: readonly Filter[],
  connectProperties?: Properties,
): Promise<CaptureTransport> {
  const transport = new CaptureTransport();
  broker.accept(transport, { name: "capture", loopback: true });
  for (const packet of handshake(version, clientId, filters, connectProperties)) {
    transport.sink!.data(encodePacket(packet, version));
    await settle();
  }
  transport.take();
  return transport;
}
