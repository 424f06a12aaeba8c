/**
 * Targeted tests for each decoding rule: the ProtocolError code, the reason code, and the normative
 * statement cited, checked through both decodePacket() and FrameReader.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  decodePacket,
  FrameReader,
  PacketType,
  ProtocolError,
  ProtocolErrorCode,
  type ProtocolVersion,
  ReasonCode,
} from "../../src/protocol/index.js";
import { connect, frame, props, raw, str, u16, u32 } from "./frames.js";

interface Expected {
  code: ProtocolErrorCode;
  reasonCode: number;
  rule?: string;
  protocolVersion?: number;
}

const MALFORMED = { code: ProtocolErrorCode.MalformedPacket, reasonCode: ReasonCode.MalformedPacket };
const PROTOCOL = { code: ProtocolErrorCode.ProtocolViolation, reasonCode: ReasonCode.ProtocolError };

function malformed(rule?: string): Expected {
  return rule === undefined ? MALFORMED : { ...MALFORMED, rule };
}

function protocol(rule?: string): Expected {
  return rule === undefined ? PROTOCOL : { ...PROTOCOL, rule };
}

function check(error: unknown, expected: Expected): true {
  assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
  assert.equal(error.code, expected.code, error.message);
  assert.equal(error.reasonCode, expected.reasonCode, error.message);
  if (expected.rule !== undefined) assert.equal(error.rule, expected.rule, error.message);
  if (expected.protocolVersion !== undefined) assert.equal(error.protocolVersion, expected.protocolVersion);
  return true;
}

/** Expects `bytes` to be rejected the same way by decodePacket() and by a FrameReader. */
function rejects(bytes: Uint8Array, version: ProtocolVersion, expected: Expected): void {
  assert.throws(
    () => decodePacket(bytes, version),
    (error) => check(error, expected),
  );
  const reader = new FrameReader({ maximumPacketSize: 100_000 });
  reader.version = version;
  reader.push(bytes);
  assert.throws(
    () => reader.read(),
    (error) => check(error, expected),
  );
}

const PUBLISH_QOS1 = 0x32;

describe("decodePacket() fixed header", () => {
  test("decodePacket() rejects reserved flags other than the table's [MQTT-2.2.2-1]", () => {
    rejects(frame(0x60, u16(1)), 4, malformed("MQTT-2.2.2-2")); // PUBREL must be 0b0010
    rejects(frame(0x60, u16(1)), 5, malformed("MQTT-2.1.3-1"));
    rejects(frame(0x80, [...u16(1), ...str("a"), 0]), 4, malformed("MQTT-2.2.2-2")); // SUBSCRIBE
    rejects(frame(0xa3, [...u16(1), ...str("a")]), 4, malformed("MQTT-2.2.2-2")); // UNSUBSCRIBE
    rejects(frame(0xc1, []), 4, malformed("MQTT-2.2.2-2")); // PINGREQ
    rejects(frame(0x42, u16(1)), 5, malformed("MQTT-2.1.3-1")); // PUBACK
    rejects(frame(0xe1, []), 5, malformed("MQTT-2.1.3-1")); // DISCONNECT
  });

  test("decodePacket() rejects packet type 0, and AUTH before MQTT 5.0", () => {
    rejects(frame(0x00, []), 4, malformed());
    rejects(frame(0xf0, [0, 0]), 4, malformed());
    rejects(frame(0xf0, [0, 0]), 3, malformed());
  });

  test("decodePacket() rejects a Remaining Length longer than 4 bytes", () => {
    rejects(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01), 4, malformed());
  });

  test("decodePacket() rejects a frame whose length does not match its Remaining Length", () => {
    assert.throws(
      () => decodePacket(Uint8Array.of(0xc0, 0x01), 4),
      (error) => check(error, malformed()),
    );
    assert.throws(
      () => decodePacket(Uint8Array.of(0xc0, 0x00, 0x00), 4),
      (error) => check(error, malformed()),
    );
    assert.throws(
      () => decodePacket(Uint8Array.of(0xc0), 4),
      (error) => check(error, malformed()),
    );
  });

  test("decodePacket() rejects bytes left over after the last field", () => {
    rejects(frame(0xc0, [0]), 4, malformed()); // PINGREQ with a body
    rejects(frame(0x40, [...u16(1), 0]), 4, malformed()); // v3 PUBACK has no reason code
    rejects(frame(0xe0, [0]), 4, malformed()); // v3 DISCONNECT is empty
    rejects(frame(0xb0, [...u16(1), 0]), 4, malformed()); // v3 UNSUBACK has no payload
    rejects(frame(0x20, [0, 0, 0]), 4, malformed()); // CONNACK
  });
});

describe("decodePacket() PUBLISH", () => {
  test("decodePacket() rejects PUBLISH with QoS 3 [MQTT-3.3.1-4]", () => {
    rejects(frame(0x36, [...str("a"), ...u16(1)]), 4, malformed("MQTT-3.3.1-4"));
    rejects(frame(0x36, [...str("a"), ...u16(1), 0]), 5, malformed("MQTT-3.3.1-4"));
  });

  test("decodePacket() rejects PUBLISH with DUP and QoS 0 [MQTT-3.3.1-2]", () => {
    rejects(frame(0x38, str("a")), 4, malformed("MQTT-3.3.1-2"));
  });

  test("decodePacket() rejects packet identifier 0 [MQTT-2.2.1-3]", () => {
    rejects(frame(PUBLISH_QOS1, [...str("a"), ...u16(0)]), 4, protocol("MQTT-2.3.1-1"));
    rejects(frame(PUBLISH_QOS1, [...str("a"), ...u16(0), 0]), 5, protocol("MQTT-2.2.1-3"));
    rejects(frame(0x40, u16(0)), 5, protocol("MQTT-2.2.1-3"));
    rejects(frame(0x62, u16(0)), 4, protocol("MQTT-2.3.1-1"));
    rejects(frame(0x82, [...u16(0), ...str("a"), 0]), 4, protocol("MQTT-2.3.1-1"));
    rejects(frame(0xa2, [...u16(0), ...str("a")]), 4, protocol("MQTT-2.3.1-1"));
    rejects(frame(0x90, [...u16(0), 0]), 4, protocol("MQTT-2.3.1-1"));
  });

  test("decodePacket() rejects a truncated PUBLISH", () => {
    rejects(frame(0x30, [0, 5, 0x61]), 4, malformed());
    rejects(frame(PUBLISH_QOS1, [...str("a"), 1]), 4, malformed());
  });

  test("decodePacket() rejects a v5 PUBLISH with an empty topic and no Topic Alias", () => {
    rejects(frame(0x30, [...str(""), 0]), 5, protocol());
  });

  test("decodePacket() accepts an empty v5 topic with a Topic Alias, and Topic Alias 0", () => {
    const withAlias = decodePacket(frame(0x30, [...str(""), ...props(0x23, ...u16(7))]), 5);
    assert.deepEqual(withAlias.type === PacketType.PUBLISH && withAlias.properties, { topicAlias: 7 });
    const aliasZero = decodePacket(frame(0x30, [...str("t"), ...props(0x23, ...u16(0))]), 5);
    assert.deepEqual(aliasZero.type === PacketType.PUBLISH && aliasZero.properties, { topicAlias: 0 });
  });
});

describe("decodePacket() strings", () => {
  test("decodePacket() rejects ill-formed UTF-8 [MQTT-1.5.4-1]", () => {
    for (const bad of [
      [0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
      [0x80],
    ]) {
      rejects(frame(0x30, raw(bad)), 4, malformed("MQTT-1.5.4-1"));
    }
  });

  test("decodePacket() rejects U+0000 in a string [MQTT-1.5.4-2]", () => {
    rejects(frame(0x30, raw([0x61, 0x00])), 4, malformed("MQTT-1.5.4-2"));
    rejects(frame(0x30, raw([0xc3, 0xa9, 0x00])), 4, malformed("MQTT-1.5.4-2"));
  });

  test("decodePacket() validates the UTF-8 of user properties [MQTT-1.5.7-1] and filters", () => {
    rejects(
      frame(0x30, [...str("t"), ...props(0x26, ...str("k"), ...raw([0xc0, 0xaf]))]),
      5,
      malformed("MQTT-1.5.4-1"),
    );
    rejects(frame(0x82, [...u16(1), ...raw([0xfe]), 0]), 4, malformed("MQTT-1.5.4-1"));
    rejects(frame(0xa2, [...u16(1), ...raw([0x00])]), 4, malformed("MQTT-1.5.4-2"));
  });

  test("decodePacket() keeps a byte order mark in strings [MQTT-1.5.4-3]", () => {
    const packet = decodePacket(frame(0x30, raw([0xef, 0xbb, 0xbf, 0x61])), 4);
    assert.equal(packet.type === PacketType.PUBLISH && packet.topic, "\uFEFFa");
  });
});

describe("decodePacket() CONNECT", () => {
  test("decodePacket() rejects an unknown protocol name [MQTT-3.1.2-1]", () => {
    rejects(connect(4, 0x02, str("id"), "MQTX"), 4, protocol("MQTT-3.1.2-1"));
    rejects(connect(4, 0x02, str("id"), "mqtt"), 5, protocol("MQTT-3.1.2-1"));
  });

  test("decodePacket() rejects unsupported protocol levels with 0x84 and reports the level", () => {
    const unsupported = (level: number): Expected => ({
      code: ProtocolErrorCode.UnsupportedProtocolVersion,
      reasonCode: ReasonCode.UnsupportedProtocolVersion,
      rule: "MQTT-3.1.2-2",
      protocolVersion: level,
    });
    rejects(connect(6, 0x02, str("id")), 4, unsupported(6));
    rejects(connect(3, 0x02, str("id"), "MQTT"), 4, unsupported(3));
    rejects(connect(4, 0x02, str("id"), "MQIsdp"), 4, unsupported(4));
    rejects(connect(0x84, 0x02, str("id")), 4, unsupported(0x84)); // "bridge" bit
  });

  test("decodePacket() decodes CONNECT at its own level, whatever the reader's version", () => {
    for (const level of [3, 4, 5] as const) {
      const rest = level === 5 ? [...props(), ...str("id")] : str("id");
      for (const version of [3, 4, 5] as const) {
        const packet = decodePacket(connect(level, 0x02, rest), version);
        assert.equal(packet.type === PacketType.CONNECT && packet.protocolVersion, level);
      }
    }
  });

  test("decodePacket() rejects the reserved CONNECT flag [MQTT-3.1.2-3] and reports the level", () => {
    rejects(connect(4, 0x03, str("id")), 4, { ...malformed("MQTT-3.1.2-3"), protocolVersion: 4 });
    rejects(connect(5, 0x03, [...props(), ...str("id")]), 4, {
      ...malformed("MQTT-3.1.2-3"),
      protocolVersion: 5,
    });
    rejects(connect(3, 0x03, str("id")), 4, { ...malformed("MQTT-3.1.2-3"), protocolVersion: 3 });
  });

  test("decodePacket() rejects Will QoS or Will Retain without the Will Flag", () => {
    rejects(connect(4, 0x0a, str("id")), 4, malformed("MQTT-3.1.2-13"));
    rejects(connect(4, 0x22, str("id")), 4, malformed("MQTT-3.1.2-15"));
    rejects(connect(5, 0x0a, [...props(), ...str("id")]), 5, malformed("MQTT-3.1.2-11"));
    rejects(connect(5, 0x22, [...props(), ...str("id")]), 5, malformed("MQTT-3.1.2-13"));
  });

  test("decodePacket() rejects Will QoS 3", () => {
    rejects(connect(4, 0x1e, [...str("id"), ...str("w"), ...raw([])]), 4, malformed("MQTT-3.1.2-14"));
    rejects(
      connect(5, 0x1e, [...props(), ...str("id"), ...props(), ...str("w"), ...raw([])]),
      5,
      malformed("MQTT-3.1.2-12"),
    );
  });

  test("decodePacket() rejects a 3.1.1 password without a user name [MQTT-3.1.2-22]", () => {
    rejects(connect(4, 0x42, [...str("id"), ...raw([1])]), 4, protocol("MQTT-3.1.2-22"));
  });

  test("decodePacket() accepts a password without a user name in 5.0 and 3.1", () => {
    const v5 = decodePacket(connect(5, 0x42, [...props(), ...str("id"), ...raw([1])]), 5);
    assert.deepEqual(v5.type === PacketType.CONNECT && v5.password, Uint8Array.of(1));
    const v3 = decodePacket(connect(3, 0x42, [...str("id"), ...raw([1])]), 3);
    assert.deepEqual(v3.type === PacketType.CONNECT && v3.password, Uint8Array.of(1));
  });

  test("decodePacket() rejects missing or extra CONNECT payload fields", () => {
    rejects(connect(4, 0x82, str("id")), 4, { ...malformed(), protocolVersion: 4 }); // user name flag, no name
    rejects(connect(4, 0x06, str("id")), 4, malformed()); // will flag, no will
    rejects(connect(4, 0x02, [...str("id"), 0]), 4, malformed());
    rejects(connect(4, 0x02, []), 4, malformed());
  });

  test("decodePacket() rejects Authentication Data without Authentication Method in CONNECT", () => {
    rejects(connect(5, 0x02, [...props(0x16, ...raw([1])), ...str("id")]), 5, protocol());
  });

  test("decodePacket() checks Will Properties against the will context", () => {
    const will = (properties: number[]): Uint8Array =>
      connect(5, 0x06, [...props(), ...str("id"), ...properties, ...str("w"), ...raw([])]);
    rejects(will(props(0x11, ...u32(1))), 5, malformed()); // Session Expiry Interval
    rejects(will(props(0x23, ...u16(1))), 5, malformed()); // Topic Alias
    const ok = decodePacket(will(props(0x18, ...u32(9), 0x01, 1)), 5);
    assert.deepEqual(ok.type === PacketType.CONNECT && ok.will?.properties, {
      willDelayInterval: 9,
      payloadFormatIndicator: true,
    });
  });
});

describe("decodePacket() SUBSCRIBE and UNSUBSCRIBE", () => {
  test("decodePacket() rejects SUBSCRIBE without topic filters", () => {
    rejects(frame(0x82, u16(1)), 4, protocol("MQTT-3.8.3-3"));
    rejects(frame(0x82, [...u16(1), 0]), 5, protocol("MQTT-3.8.3-2"));
  });

  test("decodePacket() rejects UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]", () => {
    rejects(frame(0xa2, u16(1)), 4, protocol("MQTT-3.10.3-2"));
    rejects(frame(0xa2, [...u16(1), 0]), 5, protocol("MQTT-3.10.3-2"));
  });

  test("decodePacket() rejects v3 subscription options with reserved bits or QoS 3 [MQTT-3.8.3-4]", () => {
    for (const options of [0x03, 0x04, 0x08, 0x10, 0x80]) {
      rejects(frame(0x82, [...u16(1), ...str("a"), options]), 4, malformed("MQTT-3.8.3-4"));
    }
  });

  test("decodePacket() rejects v5 subscription options with reserved bits [MQTT-3.8.3-5]", () => {
    rejects(frame(0x82, [...u16(1), 0, ...str("a"), 0x40]), 5, malformed("MQTT-3.8.3-5"));
    rejects(frame(0x82, [...u16(1), 0, ...str("a"), 0x80]), 5, malformed("MQTT-3.8.3-5"));
  });

  test("decodePacket() rejects v5 subscription QoS 3 and Retain Handling 3", () => {
    rejects(frame(0x82, [...u16(1), 0, ...str("a"), 0x03]), 5, protocol());
    rejects(frame(0x82, [...u16(1), 0, ...str("a"), 0x30]), 5, protocol());
  });

  test("decodePacket() rejects a subscription without its options byte", () => {
    rejects(frame(0x82, [...u16(1), ...str("a")]), 4, malformed());
  });
});

describe("decodePacket() properties", () => {
  const publish = (...propertyBytes: number[]): Uint8Array =>
    frame(0x30, [...str("t"), ...props(...propertyBytes)]);
  const connackWith = (...propertyBytes: number[]): Uint8Array =>
    frame(0x20, [0, 0, ...props(...propertyBytes)]);

  test("decodePacket() rejects a Property Length that overruns the packet", () => {
    rejects(frame(0x30, [...str("t"), 5, 0x01, 1]), 5, malformed());
    rejects(frame(0x40, [...u16(1), 0x10, 3, 0x1f]), 5, malformed());
  });

  test("decodePacket() rejects a property value that overruns the Property Length", () => {
    // Property Length 2 but Message Expiry Interval needs 5 bytes; the payload would supply them.
    rejects(frame(0x30, [...str("t"), 2, 0x02, 0, 0, 0, 1]), 5, malformed());
  });

  test("decodePacket() rejects unknown property identifiers", () => {
    rejects(publish(0x05, 1), 5, malformed());
    rejects(publish(0x80, 0x01, 1), 5, malformed()); // a two-byte identifier
  });

  test("decodePacket() rejects properties not allowed in the packet", () => {
    rejects(publish(0x11, ...u32(1)), 5, malformed()); // Session Expiry Interval in PUBLISH
    rejects(connect(5, 0x02, [...props(0x23, ...u16(1)), ...str("id")]), 5, malformed()); // Topic Alias
    rejects(connect(5, 0x02, [...props(0x18, ...u32(1)), ...str("id")]), 5, malformed()); // Will Delay
    rejects(frame(0x40, [...u16(1), 0, ...props(0x01, 1)]), 5, malformed()); // PFI in PUBACK
  });

  test("decodePacket() rejects a non-repeatable property included twice", () => {
    rejects(publish(0x02, ...u32(1), 0x02, ...u32(2)), 5, protocol());
    rejects(connackWith(0x21, ...u16(1), 0x21, ...u16(1)), 5, protocol());
    rejects(frame(0x82, [...u16(1), ...props(0x0b, 1, 0x0b, 2), ...str("a"), 0]), 5, protocol());
  });

  test("decodePacket() accepts repeated User Properties and Subscription Identifiers in PUBLISH", () => {
    const packet = decodePacket(
      publish(0x26, ...str("a"), ...str("1"), 0x0b, 1, 0x26, ...str("a"), ...str("2"), 0x0b, 2),
      5,
    );
    assert.deepEqual(packet.type === PacketType.PUBLISH && packet.properties, {
      userProperties: [
        ["a", "1"],
        ["a", "2"],
      ],
      subscriptionIdentifiers: [1, 2],
    });
  });

  test("decodePacket() rejects byte properties other than 0 or 1", () => {
    rejects(publish(0x01, 2), 5, protocol());
    rejects(connackWith(0x25, 2), 5, protocol());
    rejects(connackWith(0x24, 2), 5, protocol()); // Maximum QoS
    rejects(connect(5, 0x02, [...props(0x17, 7), ...str("id")]), 5, protocol());
  });

  test("decodePacket() rejects zero Receive Maximum, Maximum Packet Size and Subscription Identifier", () => {
    rejects(connackWith(0x21, ...u16(0)), 5, protocol());
    rejects(connackWith(0x27, ...u32(0)), 5, protocol());
    rejects(publish(0x0b, 0), 5, protocol());
    rejects(frame(0x82, [...u16(1), ...props(0x0b, 0), ...str("a"), 0]), 5, protocol());
  });

  test("decodePacket() rejects a Subscription Identifier longer than 4 bytes", () => {
    rejects(publish(0x0b, 0xff, 0xff, 0xff, 0xff, 0x01), 5, malformed());
  });
});

describe("decodePacket() v5 short forms and reason codes", () => {
  test("decodePacket() reads PUBACK/PUBREC/PUBREL/PUBCOMP with Remaining Length 2 and 3", () => {
    for (const firstByte of [0x40, 0x50, 0x62, 0x70]) {
      const type = (firstByte >> 4) as 4 | 5 | 6 | 7;
      assert.deepEqual(decodePacket(frame(firstByte, u16(9)), 5), { type, packetId: 9, reasonCode: 0 });
      const code = type === 4 || type === 5 ? 0x10 : 0x92;
      assert.deepEqual(decodePacket(frame(firstByte, [...u16(9), code]), 5), {
        type,
        packetId: 9,
        reasonCode: code,
      });
      assert.deepEqual(decodePacket(frame(firstByte, [...u16(9), code, 0]), 5), {
        type,
        packetId: 9,
        reasonCode: code,
      });
    }
  });

  test("decodePacket() reads DISCONNECT with Remaining Length 0 and 1, and AUTH with 0", () => {
    assert.deepEqual(decodePacket(frame(0xe0, []), 5), { type: PacketType.DISCONNECT, reasonCode: 0 });
    assert.deepEqual(decodePacket(frame(0xe0, [0x8e]), 5), { type: PacketType.DISCONNECT, reasonCode: 0x8e });
    assert.deepEqual(decodePacket(frame(0xf0, []), 5), { type: PacketType.AUTH, reasonCode: 0 });
  });

  test("decodePacket() rejects an AUTH with a reason code but no Property Length", () => {
    rejects(frame(0xf0, [0x18]), 5, malformed());
  });

  test("decodePacket() rejects reason codes not defined for the packet", () => {
    rejects(frame(0x40, [...u16(1), 0x05]), 5, protocol("MQTT-3.4.2-1"));
    rejects(frame(0x50, [...u16(1), 0x92]), 5, protocol("MQTT-3.5.2-1"));
    rejects(frame(0x62, [...u16(1), 0x10]), 5, protocol("MQTT-3.6.2-1"));
    rejects(frame(0x70, [...u16(1), 0x80]), 5, protocol("MQTT-3.7.2-1"));
    rejects(frame(0xe0, [0x01]), 5, protocol("MQTT-3.14.2-1"));
    rejects(frame(0xf0, [0x01, 0]), 5, protocol("MQTT-3.15.2-1"));
    rejects(frame(0x90, [...u16(1), 0, 0x03]), 5, protocol("MQTT-3.9.3-2"));
    rejects(frame(0x90, [...u16(1), 0x03]), 4, protocol("MQTT-3.9.3-2"));
    rejects(frame(0xb0, [...u16(1), 0, 0x01]), 5, protocol("MQTT-3.11.3-2"));
    rejects(frame(0x20, [0, 0x06]), 4, protocol());
    rejects(frame(0x20, [0, 0x01, 0]), 5, protocol());
  });

  test("decodePacket() rejects CONNACK acknowledge flags with reserved bits [MQTT-3.2.2-1]", () => {
    rejects(frame(0x20, [0x02, 0]), 4, malformed("MQTT-3.2.2-1"));
  });
});

describe("FrameReader limits", () => {
  test("FrameReader.read() raises PacketTooLarge (0x95) as soon as the fixed header is complete", () => {
    const reader = new FrameReader({ maximumPacketSize: 100 });
    reader.push(Uint8Array.of(0x30, 0xe4)); // Remaining Length continues: not yet known
    assert.equal(reader.read(), null);
    reader.push(Uint8Array.of(0x00)); // Remaining Length 100: total 103 bytes
    assert.throws(
      () => reader.read(),
      (error) =>
        check(error, { code: ProtocolErrorCode.PacketTooLarge, reasonCode: ReasonCode.PacketTooLarge }),
    );
  });

  test("FrameReader.read() accepts a packet of exactly maximumPacketSize bytes", () => {
    const reader = new FrameReader({ maximumPacketSize: 2 });
    reader.push(Uint8Array.of(0xc0, 0x00));
    assert.deepEqual(reader.read(), { type: PacketType.PINGREQ });
  });

  test("FrameReader.read() rejects a Remaining Length longer than 4 bytes across chunks", () => {
    const reader = new FrameReader({ maximumPacketSize: 1 << 30 });
    for (const byte of [0x30, 0x80, 0x80, 0x80]) {
      reader.push(Uint8Array.of(byte));
      assert.equal(reader.read(), null);
    }
    reader.push(Uint8Array.of(0x80));
    assert.throws(
      () => reader.read(),
      (error) => check(error, malformed()),
    );
  });
});
