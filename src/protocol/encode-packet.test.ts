import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { decodePacket } from "./decode-packet.js";
import { encodePacket } from "./encode-packet.js";
import type { Packet } from "./packet.js";
import { PacketType, type ProtocolVersion } from "./packet-type.js";

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

function bytesOf(packet: Packet, version: ProtocolVersion): number[] {
  return Array.from(encodePacket(packet, version));
}

describe("encodePacket() bytes", () => {
  test("encodePacket() writes a 3.1.1 CONNECT", () => {
    const packet: Packet = {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 4,
      clientId: "id",
      cleanStart: true,
      keepAlive: 60,
    };
    assert.deepEqual(bytesOf(packet, 4), [
      0x10,
      14,
      0,
      4,
      ...ascii("MQTT"),
      4,
      0x02,
      0,
      60,
      0,
      2,
      ...ascii("id"),
    ]);
  });

  test("encodePacket() writes CONNECT flags for will, user name and password", () => {
    const packet: Packet = {
      type: PacketType.CONNECT,
      protocolName: "MQIsdp",
      protocolVersion: 3,
      clientId: "c",
      cleanStart: false,
      keepAlive: 0,
      will: { topic: "w", payload: Uint8Array.of(7), qos: 2, retain: true },
      username: "u",
      password: Uint8Array.of(9),
    };
    const bytes = bytesOf(packet, 3);
    assert.equal(bytes[2 + 8 + 1], 0x80 | 0x40 | 0x20 | 0x10 | 0x04);
    assert.deepEqual(bytes.slice(-15), [
      0,
      1,
      ...ascii("c"),
      0,
      1,
      ...ascii("w"),
      0,
      1,
      7,
      0,
      1,
      ...ascii("u"),
      0,
      1,
      9,
    ]);
  });

  test("encodePacket() writes PUBLISH with and without properties", () => {
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "a/b",
      payload: Uint8Array.from(ascii("hi")),
      qos: 0,
      retain: false,
      dup: false,
      properties: { messageExpiryInterval: 1 },
    };
    assert.deepEqual(bytesOf(publish, 4), [0x30, 7, 0, 3, ...ascii("a/b"), ...ascii("hi")]);
    assert.deepEqual(bytesOf(publish, 5), [
      0x30,
      13,
      0,
      3,
      ...ascii("a/b"),
      5,
      0x02,
      0,
      0,
      0,
      1,
      ...ascii("hi"),
    ]);
    assert.deepEqual(bytesOf({ ...publish, properties: {} }, 5), [
      0x30,
      8,
      0,
      3,
      ...ascii("a/b"),
      0,
      ...ascii("hi"),
    ]);
  });

  test("encodePacket() writes PUBLISH flags and a multi-byte Remaining Length", () => {
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "t",
      payload: new Uint8Array(200),
      qos: 2,
      retain: true,
      dup: true,
      packetId: 0x1234,
    };
    const bytes = bytesOf(publish, 4);
    assert.deepEqual(bytes.slice(0, 8), [0x3d, 0xcd, 0x01, 0, 1, ...ascii("t"), 0x12, 0x34]);
    assert.equal(bytes.length, 3 + 205);
    // DUP is never written for QoS 0 [MQTT-3.3.1-2]; a packet identifier is never written for QoS 0.
    const qos0 = bytesOf({ ...publish, qos: 0, payload: new Uint8Array(0) }, 4);
    assert.deepEqual(qos0, [0x31, 3, 0, 1, ...ascii("t")]);
  });

  test("encodePacket() writes the v5 short forms of PUBACK, PUBREC, PUBREL and PUBCOMP", () => {
    for (const type of [PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP]) {
      const first = (type << 4) | (type === PacketType.PUBREL ? 2 : 0);
      const code = type === PacketType.PUBACK || type === PacketType.PUBREC ? 0x10 : 0x92;
      assert.deepEqual(bytesOf({ type, packetId: 1 }, 5), [first, 2, 0, 1]);
      assert.deepEqual(bytesOf({ type, packetId: 1, reasonCode: 0 }, 5), [first, 2, 0, 1]);
      assert.deepEqual(bytesOf({ type, packetId: 1, reasonCode: code }, 5), [first, 3, 0, 1, code]);
      assert.deepEqual(bytesOf({ type, packetId: 1, reasonCode: code }, 4), [first, 2, 0, 1]);
      assert.deepEqual(bytesOf({ type, packetId: 1, reasonCode: 0, properties: { reasonString: "x" } }, 5), [
        first,
        8,
        0,
        1,
        0,
        4,
        0x1f,
        0,
        1,
        ...ascii("x"),
      ]);
    }
  });

  test("encodePacket() writes DISCONNECT short forms in v5 and an empty DISCONNECT in v3", () => {
    assert.deepEqual(bytesOf({ type: PacketType.DISCONNECT }, 5), [0xe0, 0]);
    assert.deepEqual(bytesOf({ type: PacketType.DISCONNECT, reasonCode: 0 }, 5), [0xe0, 0]);
    assert.deepEqual(bytesOf({ type: PacketType.DISCONNECT, reasonCode: 0x8e }, 5), [0xe0, 1, 0x8e]);
    assert.deepEqual(bytesOf({ type: PacketType.DISCONNECT, reasonCode: 0x8e }, 4), [0xe0, 0]);
    assert.deepEqual(
      bytesOf({ type: PacketType.DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 0 } }, 5),
      [0xe0, 7, 0, 5, 0x11, 0, 0, 0, 0],
    );
  });

  test("encodePacket() writes AUTH in full form", () => {
    assert.deepEqual(bytesOf({ type: PacketType.AUTH, reasonCode: 0 }, 5), [0xf0, 2, 0, 0]);
    assert.deepEqual(bytesOf({ type: PacketType.AUTH, reasonCode: 0x18 }, 5), [0xf0, 2, 0x18, 0]);
  });

  test("encodePacket() writes CONNACK, SUBACK and UNSUBACK per version", () => {
    const connack: Packet = { type: PacketType.CONNACK, sessionPresent: true, reasonCode: 0 };
    assert.deepEqual(bytesOf(connack, 4), [0x20, 2, 1, 0]);
    assert.deepEqual(bytesOf(connack, 5), [0x20, 3, 1, 0, 0]);
    const suback: Packet = { type: PacketType.SUBACK, packetId: 5, reasonCodes: [0, 2, 0x80] };
    assert.deepEqual(bytesOf(suback, 4), [0x90, 5, 0, 5, 0, 2, 0x80]);
    assert.deepEqual(bytesOf(suback, 5), [0x90, 6, 0, 5, 0, 0, 2, 0x80]);
    const unsuback: Packet = { type: PacketType.UNSUBACK, packetId: 5, reasonCodes: [0x11] };
    assert.deepEqual(bytesOf(unsuback, 4), [0xb0, 2, 0, 5]);
    assert.deepEqual(bytesOf(unsuback, 5), [0xb0, 4, 0, 5, 0, 0x11]);
  });

  test("encodePacket() writes subscription options in v5 and only the QoS in v3", () => {
    const subscribe: Packet = {
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: "a", qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 },
      ],
    };
    assert.deepEqual(bytesOf(subscribe, 5), [0x82, 7, 0, 1, 0, 0, 1, ...ascii("a"), 0x2d]);
    assert.deepEqual(bytesOf(subscribe, 4), [0x82, 6, 0, 1, 0, 1, ...ascii("a"), 0x01]);
  });

  test("encodePacket() writes PINGREQ and PINGRESP", () => {
    assert.deepEqual(bytesOf({ type: PacketType.PINGREQ }, 4), [0xc0, 0]);
    assert.deepEqual(bytesOf({ type: PacketType.PINGRESP }, 5), [0xd0, 0]);
  });
});

describe("encodePacket() argument checks", () => {
  test("encodePacket() refuses AUTH before MQTT 5.0", () => {
    assert.throws(() => encodePacket({ type: PacketType.AUTH, reasonCode: 0 }, 4), TypeError);
  });

  test("encodePacket() refuses packet identifiers outside 1..65535", () => {
    assert.throws(() => encodePacket({ type: PacketType.PUBACK, packetId: 0 }, 4), RangeError);
    assert.throws(() => encodePacket({ type: PacketType.PUBACK, packetId: 65536 }, 4), RangeError);
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "t",
      payload: new Uint8Array(0),
      qos: 1,
      retain: false,
      dup: false,
    };
    assert.throws(() => encodePacket(publish, 4), RangeError);
  });

  test("encodePacket() refuses strings longer than 65535 bytes", () => {
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "é".repeat(40_000),
      payload: new Uint8Array(0),
      qos: 0,
      retain: false,
      dup: false,
    };
    assert.throws(() => encodePacket(publish, 4), RangeError);
  });

  test("encodePacket() refuses properties not allowed in the packet and values out of range", () => {
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "t",
      payload: new Uint8Array(0),
      qos: 0,
      retain: false,
      dup: false,
      properties: { sessionExpiryInterval: 1 },
    };
    assert.throws(() => encodePacket(publish, 5), TypeError);
    assert.doesNotThrow(() => encodePacket(publish, 4)); // v3 ignores properties
    const connack: Packet = {
      type: PacketType.CONNACK,
      sessionPresent: false,
      reasonCode: 0,
      properties: { receiveMaximum: 70_000 },
    };
    assert.throws(() => encodePacket(connack, 5), RangeError);
    const connect: Packet = {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 4,
      clientId: "",
      cleanStart: true,
      keepAlive: 70_000,
    };
    assert.throws(() => encodePacket(connect, 4), RangeError);
  });

  test("encodePacket() refuses reason codes above 255 and property data longer than 65535 bytes", () => {
    assert.throws(() => encodePacket({ type: PacketType.DISCONNECT, reasonCode: 256 }, 5), RangeError);
    const long = "x".repeat(70_000);
    assert.throws(
      () => encodePacket({ type: PacketType.AUTH, reasonCode: 0, properties: { reasonString: long } }, 5),
      RangeError,
    );
    const data = new Uint8Array(70_000);
    assert.throws(
      () =>
        encodePacket({ type: PacketType.AUTH, reasonCode: 0, properties: { authenticationData: data } }, 5),
      RangeError,
    );
    const connect: Packet = {
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 4,
      clientId: "",
      cleanStart: true,
      keepAlive: 0,
      username: "u",
      password: data,
    };
    assert.throws(() => encodePacket(connect, 4), RangeError);
  });

  test("encodePacket() refuses a Remaining Length above 268,435,455", () => {
    // Only the length is read before the check, so a stand-in avoids allocating 256 MiB.
    const payload = { length: 268_435_456 } as Uint8Array;
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "t",
      payload,
      qos: 0,
      retain: false,
      dup: false,
    };
    assert.throws(() => encodePacket(publish, 4), RangeError);
  });

  test("encodePacket() output decodes back for a v5 packet with every kind of property", () => {
    const packet: Packet = {
      type: PacketType.CONNACK,
      sessionPresent: false,
      reasonCode: 0,
      properties: {
        sessionExpiryInterval: 0xffffffff,
        receiveMaximum: 1,
        maximumQoS: 1,
        retainAvailable: false,
        maximumPacketSize: 1024,
        assignedClientIdentifier: "auto-1",
        topicAliasMaximum: 10,
        reasonString: "",
        userProperties: [
          ["k", "v"],
          ["k", ""],
        ],
        wildcardSubscriptionAvailable: true,
        subscriptionIdentifierAvailable: true,
        sharedSubscriptionAvailable: false,
        serverKeepAlive: 30,
        responseInformation: "r/",
        serverReference: "other",
        authenticationMethod: "SCRAM",
        authenticationData: Uint8Array.of(1, 2, 3),
      },
    };
    assert.deepEqual(decodePacket(encodePacket(packet, 5), 5), packet);
  });
});
