import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { decodePacket } from "./decode-packet.js";
import { encodePacket } from "./encode-packet.js";
import { FrameReader } from "./frame-reader.js";
import type { Packet } from "./packet.js";
import { PacketType, packetTypeName } from "./packet-type.js";
import type { PublishPacket } from "./packets/publish.js";
import type { UserProperty } from "./properties.js";
import { ProtocolError, ProtocolErrorCode } from "./protocol-error.js";
import { ReasonCode } from "./reason-codes.js";

const users = (count: number): UserProperty[] =>
  Array.from({ length: count }, (_, i): UserProperty => [`k${i}`, `v${i}`]);

/** Decodes `packet` (v5) with at most `maximum` User Properties per property set. */
function decoded(packet: Packet, maximum: number): Packet {
  return decodePacket(encodePacket(packet, 5), 5, { maximumUserProperties: maximum });
}

function refused(packet: Packet, maximum: number): ProtocolError {
  try {
    decoded(packet, maximum);
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a ProtocolError, nothing was thrown");
}

/** Every v5 packet type a broker receives that carries User Properties, each with `count` of them. */
function withUserProperties(count: number): Packet[] {
  const properties = { userProperties: users(count) };
  return [
    {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 5,
      clientId: "c",
      cleanStart: true,
      keepAlive: 0,
      properties,
    },
    {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 5,
      clientId: "c",
      cleanStart: true,
      keepAlive: 0,
      will: { topic: "w", payload: new Uint8Array(0), qos: 0, retain: false, properties },
    },
    {
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: "a", qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
      properties,
    },
    { type: PacketType.UNSUBSCRIBE, packetId: 1, topicFilters: ["a"], properties },
    { type: PacketType.PUBACK, packetId: 1, reasonCode: 0x10, properties },
    { type: PacketType.PUBREC, packetId: 1, reasonCode: 0x10, properties },
    { type: PacketType.PUBREL, packetId: 1, reasonCode: 0x92, properties },
    { type: PacketType.PUBCOMP, packetId: 1, reasonCode: 0x92, properties },
    { type: PacketType.DISCONNECT, reasonCode: 0, properties },
    { type: PacketType.AUTH, reasonCode: 0x18, properties: { ...properties, authenticationMethod: "m" } },
  ];
}

describe("readProperties() User Property bound", () => {
  it("decodes every packet type with as many User Properties as the bound", () => {
    for (const packet of withUserProperties(4)) {
      const out = decoded(packet, 4) as Packet & { properties?: { userProperties?: unknown[] } };
      const will = out.type === PacketType.CONNECT ? out.will : undefined;
      const kept = (will ?? out).properties?.userProperties;
      assert.equal(kept?.length, 4, packetTypeName[packet.type]);
    }
  });

  it("refuses any packet but PUBLISH with one User Property over the bound: Quota exceeded (0x97)", () => {
    for (const packet of withUserProperties(5)) {
      const error = refused(packet, 4);
      assert.equal(error.code, ProtocolErrorCode.UserPropertiesExceeded, error.message);
      assert.equal(error.reasonCode, ReasonCode.QuotaExceeded);
      assert.match(error.message, /more than 4 User Properties/);
    }
  });

  it("tells a CONNECT's refusal its protocol level, so the broker answers with a v5 CONNACK", () => {
    const error = refused(withUserProperties(5)[0]!, 4);
    assert.equal(error.protocolVersion, 5);
  });

  it("decodes a PUBLISH over the bound with one User Property past it and the rest skipped, Topic Alias included", () => {
    const publish: PublishPacket = {
      type: PacketType.PUBLISH,
      topic: "t",
      payload: new Uint8Array([1, 2]),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 7,
      properties: { userProperties: users(1000), topicAlias: 3 },
    };
    const out = decoded(publish, 4) as PublishPacket;
    assert.equal(out.packetId, 7, "its handler can refuse it with a PUBACK");
    assert.deepEqual(out.properties?.userProperties, users(5));
    assert.equal(out.properties.topicAlias, 3, "properties after the User Properties are still read");
    assert.deepEqual(Array.from(out.payload), [1, 2]);
  });

  it("still checks the UTF-8 of the User Properties it skips [MQTT-1.5.4-1]", () => {
    const publish: PublishPacket = {
      type: PacketType.PUBLISH,
      topic: "t",
      payload: new Uint8Array(0),
      qos: 0,
      retain: false,
      dup: false,
      properties: { userProperties: [...users(3), ["bad", "\u0000"]] },
    };
    const error = refused(publish, 1);
    assert.equal(error.code, ProtocolErrorCode.MalformedPacket);
  });

  it("stops building User Properties at the bound: 400,000 empty ones decode into a handful", () => {
    // 2 MB of empty User Properties (5 bytes each) decoded into ~29 MB of arrays before the bound
    const many: UserProperty[] = Array.from({ length: 400_000 }, (): UserProperty => ["", ""]);
    const frame = encodePacket(
      {
        type: PacketType.PUBLISH,
        topic: "t",
        payload: new Uint8Array(0),
        qos: 0,
        retain: false,
        dup: false,
        properties: { userProperties: many },
      },
      5,
    );
    const reader = new FrameReader({ maximumPacketSize: 4_000_000, maximumUserProperties: 128 });
    reader.version = 5;
    reader.push(frame);
    const out = reader.read() as PublishPacket;
    assert.equal(out.properties?.userProperties?.length, 129);
  });

  it("is unbounded without the option, as before", () => {
    const out = decodePacket(encodePacket(withUserProperties(300)[2]!, 5), 5) as Packet & {
      properties?: { userProperties?: unknown[] };
    };
    assert.equal(out.properties?.userProperties?.length, 300);
  });

  it("FrameReader rejects a maximumUserProperties that is not a non-negative integer", () => {
    assert.throws(
      () => new FrameReader({ maximumPacketSize: 100, maximumUserProperties: -1 }),
      /maximumUserProperties -1/,
    );
  });
});
