/**
 * Helpers shared by the PUBLISH-path conformance suites (03-03-*.test.ts, 04-03-qos.test.ts,
 * 04-09-flow-control.test.ts). Everything goes over real sockets through RawClient; the broker object
 * is only read to wait for a state change (a disconnection to be processed) or to read its counters.
 * @module
 */

import assert from "node:assert/strict";
import { PacketType, type QoS } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import type { Properties } from "../../src/protocol/properties.js";
import { bytes, type ConnectOptions, type PacketOf, RawClient } from "../helpers/raw-client.js";
import type { TestBroker } from "../helpers/test-broker.js";

/** The protocol versions the suites run for: MQTT 3.1.1 (level 4) and MQTT 5. */
export const VERSIONS = [4, 5] as const;
export type TestVersion = (typeof VERSIONS)[number];

let counter = 0;

/** An identifier (client id or topic level) unique within the test process. */
export function uid(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The statement tag for the version under test. */
export function tag(version: TestVersion, v311: string, v5: string): string {
  return version === 5 ? v5 : v311;
}

/** A client set that closes whatever a test left open. */
export class Clients {
  readonly #open: RawClient[] = [];

  async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    return this.track(await RawClient.connected(port, { clientId: uid("c"), ...options }));
  }

  /** Closes `client` after the test; disables Nagle so small packets are not held back by delayed ACKs. */
  track(client: RawClient): RawClient {
    client.socket.setNoDelay(true);
    this.#open.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.#open.splice(0)) if (!client.closed) client.destroy();
  }
}

/** CONNECT options for a session that outlives its connection. */
export function persistent(
  version: TestVersion,
  clientId: string,
  extra: ConnectOptions = {},
): ConnectOptions {
  return {
    protocolVersion: version,
    clientId,
    cleanStart: false,
    ...extra,
    ...(version === 5 ? { properties: { sessionExpiryInterval: 300, ...(extra.properties ?? {}) } } : {}),
  };
}

/** Subscribes to one filter and returns the granted reason code. */
export async function subscribe(
  client: RawClient,
  topicFilter: string,
  qos: QoS = 2,
  packetId = 1,
  properties?: Properties,
): Promise<number> {
  client.send({
    type: PacketType.SUBSCRIBE,
    packetId,
    subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
    ...(properties === undefined ? {} : { properties }),
  });
  const suback = await client.expect(PacketType.SUBACK);
  assert.equal(suback.packetId, packetId);
  assert.equal(suback.reasonCodes.length, 1);
  return suback.reasonCodes[0]!;
}

export interface SendOptions {
  readonly packetId?: number;
  readonly retain?: boolean;
  readonly dup?: boolean;
  readonly properties?: Properties;
}

/** Sends one PUBLISH (no waiting for acknowledgements). */
export function sendPublish(
  client: RawClient,
  topic: string,
  payload: string | Uint8Array,
  qos: QoS,
  options: SendOptions = {},
): void {
  client.send({
    type: PacketType.PUBLISH,
    topic,
    payload: typeof payload === "string" ? bytes(payload) : payload,
    qos,
    retain: options.retain ?? false,
    dup: options.dup ?? false,
    ...(qos === 0 ? {} : { packetId: options.packetId ?? 1 }),
    ...(options.properties === undefined ? {} : { properties: options.properties }),
  });
}

/** Publishes and completes the acknowledgement flow; returns the PUBACK/PUBREC reason code (0 if absent). */
export async function publish(
  client: RawClient,
  topic: string,
  payload: string | Uint8Array,
  qos: QoS,
  options: SendOptions = {},
): Promise<number> {
  const packetId = options.packetId ?? 1;
  sendPublish(client, topic, payload, qos, options);
  if (qos === 0) {
    await ping(client); // packets are handled in order: the PUBLISH was routed before the PINGRESP
    return 0;
  }
  if (qos === 1) {
    const puback = await client.expect(PacketType.PUBACK);
    assert.equal(puback.packetId, packetId);
    return puback.reasonCode ?? 0;
  }
  const pubrec = await client.expect(PacketType.PUBREC);
  assert.equal(pubrec.packetId, packetId);
  if ((pubrec.reasonCode ?? 0) >= 0x80) return pubrec.reasonCode!;
  client.send({ type: PacketType.PUBREL, packetId });
  const pubcomp = await client.expect(PacketType.PUBCOMP);
  assert.equal(pubcomp.packetId, packetId);
  return pubrec.reasonCode ?? 0;
}

/** PINGREQ/PINGRESP round trip: everything the client sent before has been handled. */
export async function ping(client: RawClient): Promise<void> {
  client.send({ type: PacketType.PINGREQ });
  await client.expect(PacketType.PINGRESP);
}

/** The next PUBLISH from the broker. */
export function nextPublish(client: RawClient, timeout?: number): Promise<PublishPacket> {
  return client.expect(PacketType.PUBLISH, timeout);
}

/** Acknowledges a received PUBLISH as a well-behaved client would (QoS 2: PUBREC, PUBREL, PUBCOMP). */
export async function ack(client: RawClient, packet: PublishPacket): Promise<void> {
  if (packet.qos === 1) client.send({ type: PacketType.PUBACK, packetId: packet.packetId! });
  if (packet.qos === 2) {
    client.send({ type: PacketType.PUBREC, packetId: packet.packetId! });
    const pubrel = await client.expect(PacketType.PUBREL);
    assert.equal(pubrel.packetId, packet.packetId);
    client.send({ type: PacketType.PUBCOMP, packetId: packet.packetId! });
  }
}

/**
 * Receives `count` PUBLISH packets and returns them in order. With `acknowledge`, each is acknowledged
 * as it arrives (QoS 1: PUBACK; QoS 2: PUBREC, and PUBCOMP for the PUBREL that follows), while further
 * PUBLISH packets may arrive in between; the function returns once every flow it started is complete.
 */
export async function receive(
  client: RawClient,
  count: number,
  acknowledge = true,
  timeout?: number,
): Promise<PublishPacket[]> {
  const out: PublishPacket[] = [];
  const awaitingPubrel = new Set<number>();
  while (out.length < count || awaitingPubrel.size > 0) {
    const packet = await client.next(timeout);
    if (packet.type === PacketType.PUBLISH) {
      if (out.length >= count)
        throw new Error(`More than ${count} PUBLISH packets: ${JSON.stringify(packet.topic)}`);
      out.push(packet);
      if (!acknowledge) continue;
      if (packet.qos === 1) client.send({ type: PacketType.PUBACK, packetId: packet.packetId! });
      if (packet.qos === 2) {
        client.send({ type: PacketType.PUBREC, packetId: packet.packetId! });
        awaitingPubrel.add(packet.packetId!);
      }
    } else if (packet.type === PacketType.PUBREL && awaitingPubrel.delete(packet.packetId)) {
      client.send({ type: PacketType.PUBCOMP, packetId: packet.packetId });
    } else {
      throw new Error(`Unexpected packet type ${packet.type} while receiving PUBLISH packets`);
    }
  }
  return out;
}

/** Payloads as text. */
export function payloads(packets: readonly PublishPacket[]): string[] {
  return packets.map((p) => new TextDecoder().decode(p.payload));
}

/**
 * The broker ends the connection because of a protocol error: a v5 client first gets DISCONNECT with
 * `reasonCode` [MQTT-4.13.1-1]; a v3.1.1 client is closed without any packet.
 */
export async function expectClosedWith(
  client: RawClient,
  version: TestVersion,
  reasonCode: number,
): Promise<PacketOf<typeof PacketType.DISCONNECT> | undefined> {
  if (version === 5) {
    const disconnect = await client.expect(PacketType.DISCONNECT);
    assert.equal(
      disconnect.reasonCode,
      reasonCode,
      `DISCONNECT reason 0x${(disconnect.reasonCode ?? 0).toString(16)}, expected 0x${reasonCode.toString(16)}`,
    );
    await client.waitClosed();
    return disconnect;
  }
  const packet = await client.next().catch(() => undefined);
  assert.equal(
    packet,
    undefined,
    `v3.1.1: expected a plain close, got packet ${JSON.stringify(packet?.type)}`,
  );
  await client.waitClosed();
  return undefined;
}

/** Polls `condition` until true; fails after `timeout` ms. */
export async function waitFor(condition: () => boolean, what: string, timeout = 2000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Waits until the broker has processed the end of a session's connection. */
export function waitOffline(broker: TestBroker, clientId: string): Promise<void> {
  return waitFor(
    () => broker.broker.sessions.get(clientId)?.connected === false,
    `${clientId} to be offline`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Records the raw frames a client receives (for byte-level comparisons). Call right after CONNACK,
 * before the broker can send anything else.
 */
export function captureFrames(client: RawClient): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let pending = Buffer.alloc(0);
  client.socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let i = 1;
      for (;;) {
        if (i >= pending.length) return;
        const byte = pending[i]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        i++;
        if ((byte & 0x80) === 0) break;
      }
      if (pending.length < i + length) return;
      frames.push(Uint8Array.from(pending.subarray(0, i + length)));
      pending = pending.subarray(i + length);
    }
  });
  return frames;
}

/** A PUBLISH frame with its packet identifier bytes zeroed (QoS > 0), to compare deliveries. */
export function withoutPacketId(frame: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(frame);
  const qos = (copy[0]! >> 1) & 3;
  if (qos === 0) return copy;
  let i = 1;
  while ((copy[i]! & 0x80) !== 0) i++;
  i++;
  const topicLength = (copy[i]! << 8) | copy[i + 1]!;
  const at = i + 2 + topicLength;
  copy[at] = 0;
  copy[at + 1] = 0;
  return copy;
}

/** Every packet received so far of the given type. */
export function receivedOf<T extends Packet["type"]>(client: RawClient, type: T): PacketOf<T>[] {
  return client.received.filter((p): p is PacketOf<T> => p.type === type);
}
