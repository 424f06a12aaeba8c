/**
 * Small helpers for the subscription, topic, retained and shared-subscription conformance tests: build
 * SUBSCRIBE requests, publish at any QoS (completing the handshake), collect what a subscriber gets and
 * check how the broker ends a connection after a protocol error.
 * @module
 */

import assert from "node:assert/strict";
import { PacketType, type ProtocolVersion, type QoS } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import type { SubackPacket } from "../../src/protocol/packets/suback.js";
import type { SubscriptionRequest } from "../../src/protocol/packets/subscribe.js";
import type { UnsubackPacket } from "../../src/protocol/packets/unsuback.js";
import type { Properties } from "../../src/protocol/properties.js";
import { bytes, delay, type RawClient, text } from "./raw-client.js";

export type SubscriptionOptions = Partial<Omit<SubscriptionRequest, "topicFilter" | "qos">>;

/** A subscription request with the default options (no local off, retain as published off, retain handling 0). */
export function sub(
  topicFilter: string,
  qos: QoS = 0,
  options: SubscriptionOptions = {},
): SubscriptionRequest {
  return { topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0, ...options };
}

let nextPacketId = 1;

/** A packet identifier (1..65535) not used by the previous calls for a while. */
export function packetId(): number {
  nextPacketId = (nextPacketId % 65_535) + 1;
  return nextPacketId;
}

/** Sends one SUBSCRIBE and returns its SUBACK (which must carry the same packet identifier). */
export async function subscribe(
  client: RawClient,
  requests: readonly (SubscriptionRequest | string)[],
  properties?: Properties,
): Promise<SubackPacket> {
  const id = packetId();
  client.send({
    type: PacketType.SUBSCRIBE,
    packetId: id,
    subscriptions: requests.map((r) => (typeof r === "string" ? sub(r) : r)),
    ...(properties === undefined ? {} : { properties }),
  });
  const suback = await client.expect(PacketType.SUBACK);
  assert.equal(suback.packetId, id, "SUBACK packet identifier");
  return suback;
}

/** Sends one UNSUBSCRIBE and returns its UNSUBACK (which must carry the same packet identifier). */
export async function unsubscribe(
  client: RawClient,
  topicFilters: readonly string[],
): Promise<UnsubackPacket> {
  const id = packetId();
  client.send({ type: PacketType.UNSUBSCRIBE, packetId: id, topicFilters: [...topicFilters] });
  const unsuback = await client.expect(PacketType.UNSUBACK);
  assert.equal(unsuback.packetId, id, "UNSUBACK packet identifier");
  return unsuback;
}

export interface PublishOptions {
  readonly qos?: QoS;
  readonly retain?: boolean;
  readonly properties?: Properties;
}

/**
 * Publishes and, for QoS 1 and 2, completes the handshake, so the broker has routed the message when
 * this resolves. The publisher must not have other packets coming (it must not subscribe to the topic).
 */
export async function publish(
  client: RawClient,
  topic: string,
  payload: string | Uint8Array,
  options: PublishOptions = {},
): Promise<void> {
  const qos = options.qos ?? 0;
  const packet: PublishPacket = {
    type: PacketType.PUBLISH,
    topic,
    payload: typeof payload === "string" ? bytes(payload) : payload,
    qos,
    retain: options.retain ?? false,
    dup: false,
  };
  if (options.properties !== undefined) packet.properties = options.properties;
  if (qos === 0) {
    client.send(packet);
    return;
  }
  const id = packetId();
  packet.packetId = id;
  client.send(packet);
  if (qos === 1) {
    const puback = await client.expect(PacketType.PUBACK);
    assert.equal(puback.packetId, id);
    return;
  }
  const pubrec = await client.expect(PacketType.PUBREC);
  assert.equal(pubrec.packetId, id);
  client.send({ type: PacketType.PUBREL, packetId: id });
  assert.equal((await client.expect(PacketType.PUBCOMP)).packetId, id);
}

/**
 * Acknowledges a PUBLISH the client received: PUBACK for QoS 1, PUBREC for QoS 2 (the PUBREL that
 * follows is answered by `receive` or `drain` when it arrives, so other packets may come in between).
 */
export function acknowledge(client: RawClient, packet: PublishPacket): void {
  if (packet.qos === 1) client.send({ type: PacketType.PUBACK, packetId: packet.packetId! });
  if (packet.qos === 2) client.send({ type: PacketType.PUBREC, packetId: packet.packetId! });
}

/**
 * The next PUBLISH, acknowledged; PUBREL packets before it are answered with PUBCOMP and skipped, any
 * other packet fails.
 */
export async function receive(client: RawClient, timeout?: number): Promise<PublishPacket> {
  for (;;) {
    const packet = await client.next(timeout);
    if (packet.type === PacketType.PUBREL) {
      client.send({ type: PacketType.PUBCOMP, packetId: packet.packetId });
      continue;
    }
    if (packet.type !== PacketType.PUBLISH) assert.fail(`Expected a PUBLISH, got packet type ${packet.type}`);
    acknowledge(client, packet);
    return packet;
  }
}

/**
 * Every packet that arrives until none has arrived for `quietMs` (or the connection closed). PUBLISH
 * packets are acknowledged as they come; PUBREL packets are answered with PUBCOMP and left out.
 */
export async function drain(client: RawClient, quietMs = 150): Promise<Packet[]> {
  const packets: Packet[] = [];
  for (;;) {
    let packet: Packet;
    try {
      packet = await client.next(quietMs);
    } catch {
      return packets;
    }
    if (packet.type === PacketType.PUBREL) {
      client.send({ type: PacketType.PUBCOMP, packetId: packet.packetId });
      continue;
    }
    packets.push(packet);
    if (packet.type === PacketType.PUBLISH) acknowledge(client, packet);
  }
}

/** The PUBLISH packets among `packets`. */
export function publishes(packets: readonly Packet[]): PublishPacket[] {
  return packets.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
}

/** Payloads of the PUBLISH packets among `packets`, as text. */
export function payloads(packets: readonly Packet[]): string[] {
  return publishes(packets).map((p) => text(p.payload));
}

/**
 * Checks how the broker ends the connection after a protocol error: a v5 client gets a DISCONNECT with
 * `reasonCode` and then the connection closes; a v3.1.1 client's connection is closed without a packet.
 */
export async function expectClosedWith(
  client: RawClient,
  version: ProtocolVersion,
  reasonCode: number,
): Promise<void> {
  const packets: Packet[] = [];
  for (;;) {
    try {
      packets.push(await client.next());
    } catch (error) {
      assert.ok(client.closed, `expected the broker to close the connection: ${String(error)}`);
      break;
    }
  }
  if (version === 5) {
    const disconnect = packets.find((p) => p.type === PacketType.DISCONNECT);
    assert.ok(
      disconnect,
      `expected a DISCONNECT before the close, got ${packets.map((p) => p.type).join(",") || "nothing"}`,
    );
    assert.equal(disconnect.reasonCode, reasonCode, "DISCONNECT reason code");
  } else {
    assert.deepEqual(
      packets.map((p) => p.type),
      [],
      "a v3.1.1 connection is closed without any packet",
    );
  }
}

/**
 * Polls `condition` until it holds, running `step` (by default a 10 ms pause) between checks; fails after
 * `timeout` ms with `message`.
 */
export async function waitFor(
  condition: () => boolean,
  message: string,
  timeout = 2000,
  step: () => Promise<void> = () => delay(10),
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`Timed out after ${timeout} ms waiting for: ${message}`);
    await step();
  }
}

/** A short unique string for topic names, so tests sharing a broker do not see each other's messages. */
export function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
