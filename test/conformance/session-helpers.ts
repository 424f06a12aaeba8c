/**
 * Small helpers shared by the CONNECT / session / will / keep-alive conformance tests
 * (03-01-*.test.ts, 04-01-session.test.ts). Everything goes over real sockets through RawClient.
 * @module
 */

import assert from "node:assert/strict";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType, type QoS } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import type { ConnectPacket } from "../../src/protocol/packets/connect.js";
import type { Properties } from "../../src/protocol/properties.js";
import { bytes, type ConnectOptions, type PacketOf, RawClient } from "../helpers/raw-client.js";

/** The protocol versions these suites run for: MQTT 3.1.1 (level 4) and MQTT 5. */
export const VERSIONS = [4, 5] as const;
export type TestVersion = (typeof VERSIONS)[number];

let counter = 0;

/** A client identifier (or topic segment) unique within the test process. */
export function uniqueId(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The statement tag for the version under test: `tag(version, "MQTT-3.1.2-24", "MQTT-3.1.2-22")`. */
export function tag(version: TestVersion, v311: string, v5: string): string {
  return version === 5 ? v5 : v311;
}

/** Subscribes to one filter and returns the SUBACK (asserting it granted `qos`). */
export async function subscribe(
  client: RawClient,
  topicFilter: string,
  qos: QoS = 1,
  packetId = 1,
): Promise<PacketOf<typeof PacketType.SUBACK>> {
  client.send({
    type: PacketType.SUBSCRIBE,
    packetId,
    subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
  });
  const suback = await client.expect(PacketType.SUBACK);
  assert.equal(suback.packetId, packetId);
  assert.deepEqual(suback.reasonCodes, [qos]);
  return suback;
}

export interface PublishOptions {
  readonly qos?: QoS;
  readonly retain?: boolean;
  readonly packetId?: number;
  readonly properties?: Properties;
}

/** Publishes and, for QoS 1, waits for the PUBACK (QoS 2 is completed with PUBREL/PUBCOMP). */
export async function publish(
  client: RawClient,
  topic: string,
  payload: string,
  options: PublishOptions = {},
): Promise<void> {
  const qos = options.qos ?? 0;
  const packetId = options.packetId ?? 1;
  client.send({
    type: PacketType.PUBLISH,
    topic,
    payload: bytes(payload),
    qos,
    retain: options.retain ?? false,
    dup: false,
    ...(qos === 0 ? {} : { packetId }),
    ...(options.properties === undefined ? {} : { properties: options.properties }),
  });
  if (qos === 1) assert.equal((await client.expect(PacketType.PUBACK)).packetId, packetId);
  if (qos === 2) {
    assert.equal((await client.expect(PacketType.PUBREC)).packetId, packetId);
    client.send({ type: PacketType.PUBREL, packetId });
    assert.equal((await client.expect(PacketType.PUBCOMP)).packetId, packetId);
  }
}

/** Publishes from a short-lived extra client (v5, clean start). */
export async function publishFrom(
  port: number,
  topic: string,
  payload: string,
  options: PublishOptions = {},
): Promise<void> {
  const publisher = await RawClient.connected(port, { clientId: uniqueId("pub") });
  try {
    await publish(publisher, topic, payload, { qos: 1, ...options });
  } finally {
    await publisher.disconnect();
  }
}

/** Waits for the broker to close the connection and returns every packet not yet consumed by `next`. */
export async function packetsUntilClosed(client: RawClient, timeout = 2000): Promise<Packet[]> {
  await client.waitClosed(timeout);
  const rest: Packet[] = [];
  for (;;) {
    try {
      rest.push(await client.next(0));
    } catch {
      return rest;
    }
  }
}

/** Opens a TCP connection, writes `frame` as is and returns the client (its decoder set to `readAs`). */
export async function sendRaw(port: number, frame: Uint8Array, readAs: 3 | 4 | 5 = 4): Promise<RawClient> {
  const client = await RawClient.open(port, readAs);
  client.sendBytes(frame);
  return client;
}

/** The bytes of a CONNECT packet, built with the codec (so tests can patch single bytes). */
export function connectFrame(packet: Omit<ConnectPacket, "type">): Uint8Array {
  return encodePacket({ type: PacketType.CONNECT, ...packet }, packet.protocolVersion);
}

/**
 * Offset of the protocol level byte in a CONNECT frame with a one-byte Remaining Length:
 * fixed header (2) + protocol name length (2) + name.
 */
export function levelOffset(protocolName: string): number {
  return 2 + 2 + protocolName.length;
}

/** Sleeps for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Closes a client if a test left it open (socket destroyed, no DISCONNECT). */
export function closeAll(clients: RawClient[]): void {
  for (const client of clients.splice(0)) if (!client.closed) client.destroy();
}

/**
 * CONNECT options for a session that outlives its connection: v5 with a Session Expiry Interval
 * (`expiry` seconds), v3.1.1 with Clean Session 0 (`cleanStart` is then ignored: a clean v3.1.1
 * session cannot be persistent).
 */
export function persistent(
  version: TestVersion,
  clientId: string,
  options: { readonly cleanStart?: boolean; readonly expiry?: number } = {},
): ConnectOptions {
  if (version === 4) return { protocolVersion: 4, clientId, cleanStart: false };
  return {
    protocolVersion: 5,
    clientId,
    cleanStart: options.cleanStart ?? false,
    properties: { sessionExpiryInterval: options.expiry ?? 60 },
  };
}

/** Receives one PUBLISH, acknowledges it when QoS > 0, and returns it. */
export async function receive(
  client: RawClient,
  timeout = 2000,
): Promise<PacketOf<typeof PacketType.PUBLISH>> {
  const message = await client.expect(PacketType.PUBLISH, timeout);
  if (message.qos === 1) client.send({ type: PacketType.PUBACK, packetId: message.packetId! });
  if (message.qos === 2) {
    client.send({ type: PacketType.PUBREC, packetId: message.packetId! });
    await client.expect(PacketType.PUBREL);
    client.send({ type: PacketType.PUBCOMP, packetId: message.packetId! });
  }
  return message;
}

/** Concatenates frames, so several packets can be written in one TCP write. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.byteLength;
  }
  return out;
}
