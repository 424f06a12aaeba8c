/**
 * Bad input over raw TCP: malformed frames of every packet type, protocol errors, oversized and random
 * input. Each case checks what the broker puts on the wire before it closes the connection:
 * - MQTT 5, CONNECT accepted: a DISCONNECT with the reason code (0x81 Malformed Packet, 0x82 Protocol
 *   Error, 0x90, 0x95, ...) and then the close [MQTT-4.13.1-1] [MQTT-4.13.2-1];
 * - MQTT 5, the CONNECT itself is bad: a CONNACK with the reason code, then the close [MQTT-3.1.4-1];
 * - MQTT 3.1.1: the connection is closed and nothing is sent ([MQTT-4.8.0-1], [MQTT-3.1.4-1]);
 * - before the broker can tell the protocol version (bad fixed header of the first packet): closed,
 *   nothing sent.
 * After every case a witness pair of clients, connected throughout, still publishes and receives, and
 * a new client can connect.
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType, packetTypeName } from "../../src/protocol/packet-type.js";
import type { Packet } from "../../src/protocol/packet.js";
import {
  type Bytes,
  ConnectFlag,
  connectFrame,
  frame,
  frameWithLength,
  lenPrefixed,
  prop,
  PropertyId,
  props,
  seededBytes,
  str,
  u16,
  u32,
  vbi,
} from "../helpers/frames.js";
import { bytes, delay, RawClient, text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

type Version = 4 | 5;
const VERSIONS = [4, 5] as const;
const CLOSE_TIMEOUT = 3000;

function versionName(version: Version): string {
  return version === 5 ? "v5" : "v3.1.1";
}

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, "0")}`;
}

/** "DISCONNECT 0x81", "CONNACK 0x00", "PUBACK", ...: what a test compares. */
function describePacket(packet: Packet): string {
  const name = packetTypeName[packet.type];
  const code: unknown = "reasonCode" in packet ? packet.reasonCode : undefined;
  return typeof code === "number" ? `${name} ${hex(code)}` : name;
}

/** Waits for the broker to close `client` and returns the packets received since index `from`. */
async function packetsUntilClose(client: RawClient, from: number): Promise<string[]> {
  try {
    await client.waitClosed(CLOSE_TIMEOUT);
  } catch {
    client.destroy();
    assert.fail(
      `The broker did not close the connection within ${CLOSE_TIMEOUT} ms; it sent ${JSON.stringify(client.received.slice(from).map(describePacket))}`,
    );
  }
  return client.received.slice(from).map(describePacket);
}

// ---- frame builders (fields in order, nothing validated) ----

interface PublishFields {
  readonly firstByte?: number;
  readonly topic?: Bytes;
  readonly packetId?: number;
  /** v5 property section (default: empty). */
  readonly properties?: Bytes;
  readonly payload?: Bytes;
}

function publishFrame(version: Version, fields: PublishFields = {}): Uint8Array {
  const firstByte = fields.firstByte ?? 0x30;
  const qos = (firstByte >> 1) & 3;
  return frame(
    firstByte,
    fields.topic ?? str("bad/topic"),
    qos > 0 ? u16(fields.packetId ?? 1) : [],
    version === 5 ? (fields.properties ?? [0]) : [],
    fields.payload ?? [0x78],
  );
}

interface SubscribeFields {
  readonly firstByte?: number;
  readonly packetId?: number;
  readonly properties?: Bytes;
  /** Topic filter / options pairs (SUBSCRIBE) or topic filters (UNSUBSCRIBE). */
  readonly payload?: Bytes;
}

function subscribeFrame(version: Version, fields: SubscribeFields = {}): Uint8Array {
  return frame(
    fields.firstByte ?? 0x82,
    u16(fields.packetId ?? 1),
    version === 5 ? (fields.properties ?? [0]) : [],
    fields.payload ?? [...str("bad/filter"), 0x01],
  );
}

function unsubscribeFrame(version: Version, fields: SubscribeFields = {}): Uint8Array {
  return frame(
    fields.firstByte ?? 0xa2,
    u16(fields.packetId ?? 1),
    version === 5 ? (fields.properties ?? [0]) : [],
    fields.payload ?? str("bad/filter"),
  );
}

/** A PUBLISH QoS 1 frame of exactly `total` bytes. */
function publishOfSize(version: Version, total: number, topic: string): Uint8Array {
  const fixed = str(topic).length + 2 + (version === 5 ? 1 : 0);
  for (let headerBytes = 1; headerBytes <= 4; headerBytes++) {
    const remainingLength = total - 1 - headerBytes;
    if (vbi(remainingLength).length !== headerBytes) continue;
    const result = publishFrame(version, {
      firstByte: 0x32,
      topic: str(topic),
      payload: new Array<number>(remainingLength - fixed).fill(0x61),
    });
    assert.equal(result.length, total);
    return result;
  }
  throw new Error(`Cannot build a PUBLISH of ${total} bytes`);
}

// ---- witness: proof the broker keeps serving other clients ----

class Witness {
  readonly #port: number;
  readonly #sub: RawClient;
  readonly #pub: RawClient;
  #count = 0;

  private constructor(port: number, sub: RawClient, pub: RawClient) {
    this.#port = port;
    this.#sub = sub;
    this.#pub = pub;
  }

  static async start(port: number): Promise<Witness> {
    const sub = await RawClient.connected(port, { protocolVersion: 5, clientId: "witness-sub" });
    sub.send({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: "witness/#", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    });
    assert.deepEqual((await sub.expect(PacketType.SUBACK)).reasonCodes, [1]);
    const pub = await RawClient.connected(port, { protocolVersion: 4, clientId: "witness-pub" });
    return new Witness(port, sub, pub);
  }

  /** The clients connected throughout still exchange a QoS 1 message, and a new client can connect. */
  async check(): Promise<void> {
    const n = ++this.#count;
    const topic = `witness/${n}`;
    assert.equal(this.#sub.closed, false, "the witness subscriber was disconnected");
    assert.equal(this.#pub.closed, false, "the witness publisher was disconnected");
    this.#pub.send({
      type: PacketType.PUBLISH,
      topic,
      payload: bytes(`alive ${n}`),
      qos: 1,
      retain: false,
      dup: false,
      packetId: n,
    });
    assert.equal((await this.#pub.expect(PacketType.PUBACK)).packetId, n);
    const message = await this.#sub.expect(PacketType.PUBLISH);
    assert.equal(message.topic, topic);
    assert.equal(text(message.payload), `alive ${n}`);
    this.#sub.send({ type: PacketType.PUBACK, packetId: message.packetId! });
    const fresh = await RawClient.connected(this.#port, { protocolVersion: 5 });
    await fresh.disconnect();
  }

  async stop(): Promise<void> {
    await this.#sub.disconnect();
    await this.#pub.disconnect();
  }
}

// ---- case tables ----

interface BadPacketCase {
  /** What is wrong with the input. */
  readonly what: string;
  /** Spec references per version; a version without an entry is not tested. */
  readonly tags: Partial<Record<Version, string>>;
  /** The bytes sent after a successful CONNECT. */
  readonly input: (version: Version) => Uint8Array;
  /** The reason code of the DISCONNECT a v5 client gets. */
  readonly reasonCode: number;
}

const both = (tag: string): Partial<Record<Version, string>> => ({ 4: tag, 5: tag });

const BAD_UTF8: readonly { readonly name: string; readonly bytes: Bytes }[] = [
  { name: "a lone continuation byte (80)", bytes: [0x80] },
  { name: "an overlong encoding (C0 AF)", bytes: [0xc0, 0xaf] },
  { name: "a UTF-16 surrogate U+D800 (ED A0 80)", bytes: [0xed, 0xa0, 0x80] },
  { name: "a code point above U+10FFFF (F4 90 80 80)", bytes: [0xf4, 0x90, 0x80, 0x80] },
  { name: "a truncated sequence (E2 82)", bytes: [0xe2, 0x82] },
  { name: "the byte FF", bytes: [0xff] },
];

const BAD_PACKETS: readonly BadPacketCase[] = [
  // -- fixed header and Remaining Length --
  {
    what: "a Remaining Length of 5 bytes",
    tags: { 5: "[spec 1.5.5]", 4: "[spec 2.2.3]" },
    input: () => frameWithLength(0x30, [0xff, 0xff, 0xff, 0xff, 0x7f]),
    reasonCode: 0x81,
  },
  {
    what: "a Remaining Length longer than the fields of a PINGREQ (one byte left over)",
    tags: { 5: "[spec 2.1.4] [spec 3.12.1]", 4: "[spec 2.2.3] [spec 3.12.1]" },
    input: () => frameWithLength(0xc0, [1], [0x00]),
    reasonCode: 0x81,
  },
  {
    what: "a Remaining Length longer than the fields of a PUBACK (one byte left over)",
    tags: { 5: "[spec 2.1.4] [spec 3.4.2]", 4: "[spec 2.2.3] [spec 3.4.2]" },
    input: (v) => (v === 5 ? frame(0x40, u16(1), [0x00], [0x00], [0x00]) : frame(0x40, u16(1), [0x00])),
    reasonCode: 0x81,
  },
  {
    what: "a Remaining Length shorter than the PUBLISH topic it holds",
    tags: { 5: "[spec 2.1.4] [spec 1.5.4]", 4: "[spec 2.2.3] [spec 1.5.3]" },
    input: () => frameWithLength(0x30, [4], u16(10), [0x61, 0x62]),
    reasonCode: 0x81,
  },
  {
    what: "a Remaining Length shorter than the SUBSCRIBE topic filter it holds",
    tags: { 5: "[spec 2.1.4] [spec 3.8.3]", 4: "[spec 2.2.3] [spec 3.8.3]" },
    input: (v) => subscribeFrame(v, { payload: [...u16(8), 0x61, 0x2f, 0x62] }),
    reasonCode: 0x81,
  },
  {
    what: "a PUBREL whose packet identifier is cut short (Remaining Length 1)",
    tags: { 5: "[spec 3.6.2]", 4: "[spec 3.6.2]" },
    input: () => frame(0x62, [0x00]),
    reasonCode: 0x81,
  },
  {
    what: "packet type 0 (reserved)",
    tags: { 5: "[spec 2.1.2]", 4: "[spec 2.2.1]" },
    input: () => frame(0x00),
    reasonCode: 0x81,
  },
  // -- reserved fixed-header flags --
  {
    what: "PUBACK with fixed-header flags 0b0010",
    tags: { 5: "[MQTT-2.1.3-1]", 4: "[MQTT-2.2.2-1] [MQTT-2.2.2-2]" },
    input: () => frame(0x42, u16(1)),
    reasonCode: 0x81,
  },
  {
    what: "PUBREC with fixed-header flags 0b0001",
    tags: { 5: "[MQTT-2.1.3-1]", 4: "[MQTT-2.2.2-1] [MQTT-2.2.2-2]" },
    input: () => frame(0x51, u16(1)),
    reasonCode: 0x81,
  },
  {
    what: "PUBREL with fixed-header flags 0b0000 instead of 0b0010",
    tags: both("[MQTT-3.6.1-1]"),
    input: () => frame(0x60, u16(1)),
    reasonCode: 0x81,
  },
  {
    what: "PUBCOMP with fixed-header flags 0b1000",
    tags: { 5: "[MQTT-2.1.3-1]", 4: "[MQTT-2.2.2-1] [MQTT-2.2.2-2]" },
    input: () => frame(0x78, u16(1)),
    reasonCode: 0x81,
  },
  {
    what: "SUBSCRIBE with fixed-header flags 0b0000 instead of 0b0010",
    tags: both("[MQTT-3.8.1-1]"),
    input: (v) => subscribeFrame(v, { firstByte: 0x80 }),
    reasonCode: 0x81,
  },
  {
    what: "UNSUBSCRIBE with fixed-header flags 0b0011 instead of 0b0010",
    tags: both("[MQTT-3.10.1-1]"),
    input: (v) => unsubscribeFrame(v, { firstByte: 0xa3 }),
    reasonCode: 0x81,
  },
  {
    what: "PINGREQ with fixed-header flags 0b0001",
    tags: { 5: "[MQTT-2.1.3-1]", 4: "[MQTT-2.2.2-1] [MQTT-2.2.2-2]" },
    input: () => frame(0xc1),
    reasonCode: 0x81,
  },
  {
    what: "AUTH with fixed-header flags 0b0001",
    tags: { 5: "[MQTT-3.15.1-1]" },
    input: () => frame(0xf1, [0x00], [0x00]),
    reasonCode: 0x81,
  },
  // -- PUBLISH --
  {
    what: "PUBLISH with QoS 3",
    tags: both("[MQTT-3.3.1-4]"),
    input: (v) => publishFrame(v, { firstByte: 0x36 }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH QoS 0 with DUP set",
    tags: both("[MQTT-3.3.1-2]"),
    input: (v) => publishFrame(v, { firstByte: 0x38 }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH QoS 1 with packet identifier 0",
    tags: { 5: "[MQTT-2.2.1-3]", 4: "[MQTT-2.3.1-1]" },
    input: (v) => publishFrame(v, { firstByte: 0x32, packetId: 0 }),
    reasonCode: 0x82,
  },
  {
    what: "PUBLISH QoS 2 with packet identifier 0",
    tags: { 5: "[MQTT-2.2.1-3]", 4: "[MQTT-2.3.1-1]" },
    input: (v) => publishFrame(v, { firstByte: 0x34, packetId: 0 }),
    reasonCode: 0x82,
  },
  ...["bad/+", "bad/#", "+", "#/x"].map((topic): BadPacketCase => ({
    what: `PUBLISH to the topic name "${topic}" (wildcard)`,
    tags: both("[MQTT-3.3.2-2]"),
    input: (v) => publishFrame(v, { topic: str(topic) }),
    reasonCode: 0x90,
  })),
  {
    what: "PUBLISH with an empty topic name and no Topic Alias",
    tags: { 5: "[spec 3.3.2.1]", 4: "[MQTT-4.7.3-1]" },
    input: (v) => publishFrame(v, { topic: str("") }),
    reasonCode: 0x82,
  },
  ...BAD_UTF8.map((bad): BadPacketCase => ({
    what: `PUBLISH topic with ill-formed UTF-8: ${bad.name}`,
    tags: { 5: "[MQTT-1.5.4-1] [MQTT-3.3.2-1]", 4: "[MQTT-1.5.3-1] [MQTT-3.3.2-1]" },
    input: (v) => publishFrame(v, { topic: lenPrefixed([0x62, 0x2f, ...bad.bytes]) }),
    reasonCode: 0x81,
  })),
  {
    what: "PUBLISH topic containing U+0000",
    tags: { 5: "[MQTT-1.5.4-2] [MQTT-4.7.3-2]", 4: "[MQTT-1.5.3-2] [MQTT-4.7.3-2]" },
    input: (v) => publishFrame(v, { topic: lenPrefixed([0x62, 0x00, 0x63]) }),
    reasonCode: 0x81,
  },
  // -- v5 properties --
  {
    what: "PUBLISH with an unknown property identifier (0x7F)",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => publishFrame(v, { properties: props(prop(0x7f, [0x00])) }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH with property identifier 0x00",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => publishFrame(v, { properties: props(prop(0x00, [0x00])) }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH with Content Type twice",
    tags: { 5: "[spec 3.3.2.3.9]" },
    input: (v) =>
      publishFrame(v, {
        properties: props(prop(PropertyId.ContentType, str("a")), prop(PropertyId.ContentType, str("b"))),
      }),
    reasonCode: 0x82,
  },
  {
    what: "PUBLISH with Message Expiry Interval twice",
    tags: { 5: "[spec 3.3.2.3.3]" },
    input: (v) =>
      publishFrame(v, {
        properties: props(
          prop(PropertyId.MessageExpiryInterval, u32(5)),
          prop(PropertyId.MessageExpiryInterval, u32(5)),
        ),
      }),
    reasonCode: 0x82,
  },
  {
    what: "PUBLISH with Session Expiry Interval (a CONNECT/CONNACK/DISCONNECT property)",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => publishFrame(v, { properties: props(prop(PropertyId.SessionExpiryInterval, u32(10))) }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH from a client with a Subscription Identifier",
    tags: { 5: "[MQTT-3.3.4-6] [spec 3.3.2.3.8]" },
    input: (v) => publishFrame(v, { properties: props(prop(PropertyId.SubscriptionIdentifier, vbi(3))) }),
    reasonCode: 0x82,
  },
  {
    what: "PUBLISH with a Response Topic containing a wildcard",
    tags: { 5: "[MQTT-3.3.2-14]" },
    input: (v) => publishFrame(v, { properties: props(prop(PropertyId.ResponseTopic, str("reply/+"))) }),
    reasonCode: 0x82,
  },
  {
    what: "PUBLISH whose Property Length overruns the packet",
    tags: { 5: "[spec 2.2.2.1]" },
    input: (v) =>
      publishFrame(v, {
        properties: [...vbi(40), ...prop(PropertyId.PayloadFormatIndicator, [0x01])],
        payload: [],
      }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH whose Content Type value overruns the Property Length",
    tags: { 5: "[spec 2.2.2.1]" },
    input: (v) =>
      publishFrame(v, { properties: [...vbi(3), ...prop(PropertyId.ContentType, str("text/plain"))] }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH with ill-formed UTF-8 in a User Property name",
    tags: { 5: "[MQTT-1.5.7-1] [MQTT-1.5.4-1]" },
    input: (v) =>
      publishFrame(v, {
        properties: props(prop(PropertyId.UserProperty, lenPrefixed([0x6b, 0xc0, 0xaf]), str("v"))),
      }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH with ill-formed UTF-8 in a User Property value",
    tags: { 5: "[MQTT-1.5.7-1] [MQTT-1.5.4-1]" },
    input: (v) =>
      publishFrame(v, {
        properties: props(prop(PropertyId.UserProperty, str("k"), lenPrefixed([0xed, 0xa0, 0x80]))),
      }),
    reasonCode: 0x81,
  },
  {
    what: "PUBLISH with ill-formed UTF-8 in the Content Type",
    tags: { 5: "[MQTT-3.3.2-19] [MQTT-1.5.4-1]" },
    input: (v) => publishFrame(v, { properties: props(prop(PropertyId.ContentType, lenPrefixed([0xff]))) }),
    reasonCode: 0x81,
  },
  // -- SUBSCRIBE / UNSUBSCRIBE --
  {
    what: "SUBSCRIBE with packet identifier 0",
    tags: { 5: "[MQTT-2.2.1-3]", 4: "[MQTT-2.3.1-1]" },
    input: (v) => subscribeFrame(v, { packetId: 0 }),
    reasonCode: 0x82,
  },
  {
    what: "UNSUBSCRIBE with packet identifier 0",
    tags: { 5: "[MQTT-2.2.1-3]", 4: "[MQTT-2.3.1-1]" },
    input: (v) => unsubscribeFrame(v, { packetId: 0 }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE without any topic filter",
    tags: { 5: "[MQTT-3.8.3-2]", 4: "[MQTT-3.8.3-3]" },
    input: (v) => subscribeFrame(v, { payload: [] }),
    reasonCode: 0x82,
  },
  {
    what: "UNSUBSCRIBE without any topic filter",
    tags: both("[MQTT-3.10.3-2]"),
    input: (v) => unsubscribeFrame(v, { payload: [] }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE with subscription options reserved bit 6 set",
    tags: { 5: "[MQTT-3.8.3-5]" },
    input: (v) => subscribeFrame(v, { payload: [...str("bad/filter"), 0x41] }),
    reasonCode: 0x81,
  },
  {
    what: "SUBSCRIBE with subscription options reserved bit 7 set",
    tags: { 5: "[MQTT-3.8.3-5]" },
    input: (v) => subscribeFrame(v, { payload: [...str("bad/filter"), 0x80] }),
    reasonCode: 0x81,
  },
  {
    what: "SUBSCRIBE with a reserved bit (2) of the requested QoS byte set",
    tags: { 4: "[MQTT-3.8.3-4]" },
    input: (v) => subscribeFrame(v, { payload: [...str("bad/filter"), 0x05] }),
    reasonCode: 0x81,
  },
  {
    what: "SUBSCRIBE requesting QoS 3",
    tags: { 5: "[spec 3.8.3.1]", 4: "[MQTT-3.8.3-4]" },
    input: (v) => subscribeFrame(v, { payload: [...str("bad/filter"), 0x03] }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE with Retain Handling 3",
    tags: { 5: "[spec 3.8.3.1]" },
    input: (v) => subscribeFrame(v, { payload: [...str("bad/filter"), 0x31] }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE with No Local on a shared subscription",
    tags: { 5: "[MQTT-3.8.3-4]" },
    input: (v) => subscribeFrame(v, { payload: [...str("$share/g/bad/filter"), 0x05] }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE with two Subscription Identifiers",
    tags: { 5: "[spec 3.8.2.1.2]" },
    input: (v) =>
      subscribeFrame(v, {
        properties: props(
          prop(PropertyId.SubscriptionIdentifier, vbi(1)),
          prop(PropertyId.SubscriptionIdentifier, vbi(2)),
        ),
      }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE with Subscription Identifier 0",
    tags: { 5: "[spec 3.8.2.1.2]" },
    input: (v) => subscribeFrame(v, { properties: props(prop(PropertyId.SubscriptionIdentifier, vbi(0))) }),
    reasonCode: 0x82,
  },
  {
    what: "SUBSCRIBE with an unknown property identifier (0x50)",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => subscribeFrame(v, { properties: props(prop(0x50, u32(1))) }),
    reasonCode: 0x81,
  },
  {
    what: "SUBSCRIBE with Receive Maximum (a CONNECT/CONNACK property)",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => subscribeFrame(v, { properties: props(prop(PropertyId.ReceiveMaximum, u16(5))) }),
    reasonCode: 0x81,
  },
  ...BAD_UTF8.slice(0, 3).map((bad): BadPacketCase => ({
    what: `SUBSCRIBE topic filter with ill-formed UTF-8: ${bad.name}`,
    tags: { 5: "[MQTT-3.8.3-1] [MQTT-1.5.4-1]", 4: "[MQTT-3.8.3-1] [MQTT-1.5.3-1]" },
    input: (v) => subscribeFrame(v, { payload: [...lenPrefixed([0x61, ...bad.bytes]), 0x00] }),
    reasonCode: 0x81,
  })),
  ...BAD_UTF8.slice(0, 3).map((bad): BadPacketCase => ({
    what: `UNSUBSCRIBE topic filter with ill-formed UTF-8: ${bad.name}`,
    tags: { 5: "[MQTT-3.10.3-1] [MQTT-1.5.4-1]", 4: "[MQTT-3.10.3-1] [MQTT-1.5.3-1]" },
    input: (v) => unsubscribeFrame(v, { payload: lenPrefixed([0x61, ...bad.bytes]) }),
    reasonCode: 0x81,
  })),
  {
    what: "SUBSCRIBE topic filter containing U+0000",
    tags: { 5: "[MQTT-1.5.4-2] [MQTT-4.7.3-2]", 4: "[MQTT-1.5.3-2] [MQTT-4.7.3-2]" },
    input: (v) => subscribeFrame(v, { payload: [...lenPrefixed([0x61, 0x00]), 0x00] }),
    reasonCode: 0x81,
  },
  // -- acknowledgements with reason codes outside their set (v5) --
  {
    what: "PUBACK with reason code 0x05 (not a PUBACK reason code)",
    tags: { 5: "[MQTT-3.4.2-1]" },
    input: () => frame(0x40, u16(1), [0x05]),
    reasonCode: 0x82,
  },
  {
    what: "PUBREC with reason code 0x05 (not a PUBREC reason code)",
    tags: { 5: "[MQTT-3.5.2-1]" },
    input: () => frame(0x50, u16(1), [0x05]),
    reasonCode: 0x82,
  },
  {
    what: "PUBREL with reason code 0x80 (not a PUBREL reason code)",
    tags: { 5: "[MQTT-3.6.2-1]" },
    input: () => frame(0x62, u16(1), [0x80]),
    reasonCode: 0x82,
  },
  {
    what: "PUBCOMP with reason code 0x10 (not a PUBCOMP reason code)",
    tags: { 5: "[MQTT-3.7.2-1]" },
    input: () => frame(0x70, u16(1), [0x10]),
    reasonCode: 0x82,
  },
  // -- packets in the wrong place --
  {
    what: "a second CONNECT",
    tags: both("[MQTT-3.1.0-2]"),
    input: (v) => connectFrame({ level: v }),
    reasonCode: 0x82,
  },
  {
    what: "AUTH from a client that sent no Authentication Method",
    tags: { 5: "[MQTT-4.12.0-7]" },
    input: () => frame(0xf0, [0x19], [0x00]),
    reasonCode: 0x82,
  },
  {
    what: "AUTH (packet type 15, reserved before MQTT 5)",
    tags: { 4: "[spec 2.2.1]" },
    input: () => frame(0xf0),
    reasonCode: 0x81,
  },
  {
    what: "CONNACK from a client (server-to-client packet)",
    tags: { 5: "[spec 2.1.2]", 4: "[spec 2.2.1]" },
    input: (v) => (v === 5 ? frame(0x20, [0x00, 0x00], [0x00]) : frame(0x20, [0x00, 0x00])),
    reasonCode: 0x82,
  },
  {
    what: "SUBACK from a client (server-to-client packet)",
    tags: { 5: "[spec 2.1.2]", 4: "[spec 2.2.1]" },
    input: (v) => (v === 5 ? frame(0x90, u16(1), [0x00], [0x00]) : frame(0x90, u16(1), [0x00])),
    reasonCode: 0x82,
  },
  {
    what: "UNSUBACK from a client (server-to-client packet)",
    tags: { 5: "[spec 2.1.2]", 4: "[spec 2.2.1]" },
    input: (v) => (v === 5 ? frame(0xb0, u16(1), [0x00], [0x00]) : frame(0xb0, u16(1))),
    reasonCode: 0x82,
  },
  {
    what: "PINGRESP from a client (server-to-client packet)",
    tags: { 5: "[spec 2.1.2]", 4: "[spec 2.2.1]" },
    input: () => frame(0xd0),
    reasonCode: 0x82,
  },
];

interface BadConnectCase {
  readonly what: string;
  readonly tags: Partial<Record<Version, string>>;
  readonly input: (version: Version) => Uint8Array;
  /**
   * The reason code of the CONNACK a v5 client gets; undefined when the broker cannot know the
   * protocol version yet and closes without a CONNACK.
   */
  readonly reasonCode: number | undefined;
}

const clientId = (): number[] => str(`bad-${Math.random().toString(36).slice(2, 10)}`);

/** A will (v5: empty will properties) with the given raw topic field. */
const willPayload = (version: Version, topicField: Bytes): number[] => [
  ...clientId(),
  ...(version === 5 ? [0] : []),
  ...topicField,
  ...str("bye"),
];

const BAD_CONNECTS: readonly BadConnectCase[] = [
  ...BAD_UTF8.slice(0, 4).map((bad): BadConnectCase => ({
    what: `CONNECT client identifier with ill-formed UTF-8: ${bad.name}`,
    tags: { 5: "[MQTT-3.1.3-4] [MQTT-1.5.4-1]", 4: "[MQTT-3.1.3-4] [MQTT-1.5.3-1] [MQTT-3.1.4-1]" },
    input: (v) => connectFrame({ level: v, payload: lenPrefixed([0x63, ...bad.bytes]) }),
    reasonCode: 0x81,
  })),
  {
    what: "CONNECT client identifier containing U+0000",
    tags: { 5: "[MQTT-1.5.4-2]", 4: "[MQTT-1.5.3-2] [MQTT-3.1.4-1]" },
    input: (v) => connectFrame({ level: v, payload: lenPrefixed([0x63, 0x00, 0x64]) }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT Will Topic with ill-formed UTF-8",
    tags: { 5: "[MQTT-3.1.3-11] [MQTT-1.5.4-1]", 4: "[MQTT-3.1.3-10] [MQTT-1.5.3-1] [MQTT-3.1.4-1]" },
    input: (v) =>
      connectFrame({
        level: v,
        flags: ConnectFlag.CleanStart | ConnectFlag.Will,
        payload: willPayload(v, lenPrefixed([0x77, 0xed, 0xa0, 0x80])),
      }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT User Name with ill-formed UTF-8",
    tags: { 5: "[MQTT-3.1.3-12] [MQTT-1.5.4-1]", 4: "[MQTT-3.1.3-11] [MQTT-1.5.3-1] [MQTT-3.1.4-1]" },
    input: (v) =>
      connectFrame({
        level: v,
        flags: ConnectFlag.CleanStart | ConnectFlag.UserName,
        payload: [...clientId(), ...lenPrefixed([0x75, 0xc0, 0x80])],
      }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT User Property with ill-formed UTF-8",
    tags: { 5: "[MQTT-1.5.7-1] [MQTT-1.5.4-1]" },
    input: (v) =>
      connectFrame({
        level: v,
        properties: props(
          prop(PropertyId.UserProperty, str("k"), lenPrefixed([0xf8, 0x88, 0x80, 0x80, 0x80])),
        ),
      }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT Will User Property with ill-formed UTF-8",
    tags: { 5: "[MQTT-1.5.7-1] [MQTT-1.5.4-1]" },
    input: () =>
      connectFrame({
        level: 5,
        flags: ConnectFlag.CleanStart | ConnectFlag.Will,
        payload: [
          ...clientId(),
          ...props(prop(PropertyId.UserProperty, lenPrefixed([0xc1, 0xbf]), str("v"))),
          ...str("will/topic"),
          ...str("bye"),
        ],
      }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT whose Will Properties carry a Response Topic with a wildcard",
    tags: { 5: "[spec 3.1.3.2.6] [MQTT-3.3.2-14]" },
    input: () =>
      connectFrame({
        level: 5,
        flags: ConnectFlag.CleanStart | ConnectFlag.Will,
        payload: [
          ...clientId(),
          ...props(prop(PropertyId.ResponseTopic, str("reply/#"))),
          ...str("will/topic"),
          ...str("bye"),
        ],
      }),
    reasonCode: 0x82,
  },
  {
    what: "CONNECT with the reserved connect flag set",
    tags: { 5: "[MQTT-3.1.2-3]", 4: "[MQTT-3.1.2-3] [MQTT-3.1.4-1]" },
    input: (v) => connectFrame({ level: v, flags: ConnectFlag.CleanStart | ConnectFlag.Reserved }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT with Will QoS 3",
    tags: { 5: "[MQTT-3.1.2-12]", 4: "[MQTT-3.1.2-14] [MQTT-3.1.4-1]" },
    input: (v) =>
      connectFrame({
        level: v,
        flags: ConnectFlag.CleanStart | ConnectFlag.Will | ConnectFlag.WillQos1 | ConnectFlag.WillQos2,
        payload: willPayload(v, str("will/topic")),
      }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT with Will QoS 1 but no Will Flag",
    tags: { 5: "[MQTT-3.1.2-11]", 4: "[MQTT-3.1.2-13] [MQTT-3.1.4-1]" },
    input: (v) => connectFrame({ level: v, flags: ConnectFlag.CleanStart | ConnectFlag.WillQos1 }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT with the Password Flag but no User Name Flag",
    tags: { 4: "[MQTT-3.1.2-22] [MQTT-3.1.4-1]" },
    input: (v) =>
      connectFrame({
        level: v,
        flags: ConnectFlag.CleanStart | ConnectFlag.Password,
        payload: [...clientId(), ...lenPrefixed([1, 2])],
      }),
    reasonCode: 0x82,
  },
  {
    what: "CONNECT with one byte left over after its last field",
    tags: { 5: "[MQTT-3.1.4-1] [spec 2.1.4]", 4: "[MQTT-3.1.4-1] [spec 2.2.3]" },
    input: (v) => connectFrame({ level: v, payload: [...clientId(), 0x00] }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT whose client identifier runs past the Remaining Length",
    tags: { 5: "[MQTT-3.1.4-1] [spec 2.1.4]", 4: "[MQTT-3.1.4-1] [spec 2.2.3]" },
    input: (v) => connectFrame({ level: v, payload: [...u16(20), 0x61, 0x62] }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT with Receive Maximum 0",
    tags: { 5: "[spec 3.1.2.11.3]" },
    input: (v) => connectFrame({ level: v, properties: props(prop(PropertyId.ReceiveMaximum, u16(0))) }),
    reasonCode: 0x82,
  },
  {
    what: "CONNECT with Maximum Packet Size 0",
    tags: { 5: "[spec 3.1.2.11.4]" },
    input: (v) => connectFrame({ level: v, properties: props(prop(PropertyId.MaximumPacketSize, u32(0))) }),
    reasonCode: 0x82,
  },
  {
    what: "CONNECT with Session Expiry Interval twice",
    tags: { 5: "[spec 3.1.2.11.2]" },
    input: (v) =>
      connectFrame({
        level: v,
        properties: props(
          prop(PropertyId.SessionExpiryInterval, u32(1)),
          prop(PropertyId.SessionExpiryInterval, u32(2)),
        ),
      }),
    reasonCode: 0x82,
  },
  {
    what: "CONNECT with an unknown property identifier (0x7E)",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => connectFrame({ level: v, properties: props(prop(0x7e, [0x01])) }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT with Topic Alias (a PUBLISH property)",
    tags: { 5: "[spec 2.2.2.2]" },
    input: (v) => connectFrame({ level: v, properties: props(prop(PropertyId.TopicAlias, u16(1))) }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT whose Property Length overruns the packet",
    tags: { 5: "[spec 2.2.2.1]" },
    input: (v) => connectFrame({ level: v, properties: vbi(100), payload: clientId() }),
    reasonCode: 0x81,
  },
  {
    what: "CONNECT with Authentication Data but no Authentication Method",
    tags: { 5: "[spec 3.1.2.11.10]" },
    input: (v) =>
      connectFrame({ level: v, properties: props(prop(PropertyId.AuthenticationData, lenPrefixed([1]))) }),
    reasonCode: 0x82,
  },
  {
    what: "CONNECT with fixed-header flags 0b0001",
    tags: { 5: "[MQTT-2.1.3-1]", 4: "[MQTT-2.2.2-1] [MQTT-2.2.2-2]" },
    input: (v) => connectFrame({ level: v, firstByte: 0x11 }),
    reasonCode: undefined,
  },
  {
    what: "CONNECT with a Remaining Length of 5 bytes",
    tags: { 5: "[spec 1.5.5]", 4: "[spec 2.2.3]" },
    input: () => frameWithLength(0x10, [0x80, 0x80, 0x80, 0x80, 0x01]),
    reasonCode: undefined,
  },
  {
    what: 'CONNECT with the unknown protocol name "MQTX"',
    tags: both("[MQTT-3.1.2-1]"),
    input: (v) => connectFrame({ level: v, protocolName: "MQTX" }),
    reasonCode: undefined,
  },
];

// ---- the tests ----

describe("bad input over TCP", () => {
  let broker: TestBroker;
  let witness: Witness;
  before(async () => {
    broker = await startTestBroker();
    witness = await Witness.start(broker.port);
  });
  after(async () => {
    await witness.stop();
    await broker.stop();
  });

  /** Connects, sends `input`, and checks the broker's answer and the close. */
  async function rejectedAfterConnect(
    version: Version,
    input: Uint8Array,
    reasonCode: number,
  ): Promise<void> {
    const client = await RawClient.connected(broker.port, { protocolVersion: version });
    const from = client.received.length;
    client.sendBytes(input);
    const seen = await packetsUntilClose(client, from);
    assert.deepEqual(seen, version === 5 ? [`DISCONNECT ${hex(reasonCode)}`] : []);
    await witness.check();
  }

  /** Sends `input` as the first bytes of a connection and checks the broker's answer and the close. */
  async function rejectedConnect(
    version: Version,
    input: Uint8Array,
    expected: readonly string[],
  ): Promise<void> {
    const client = await RawClient.open(broker.port, version);
    client.sendBytes(input);
    assert.deepEqual(await packetsUntilClose(client, 0), expected);
    for (const packet of client.received) {
      if (packet.type === PacketType.CONNACK)
        assert.equal(packet.sessionPresent, false, "[MQTT-3.2.2-6] Session Present must be 0");
    }
    await witness.check();
  }

  describe("malformed packets and protocol errors after CONNECT", () => {
    for (const bad of BAD_PACKETS) {
      for (const version of VERSIONS) {
        const tag = bad.tags[version];
        if (tag === undefined) continue;
        const outcome =
          version === 5 ? `DISCONNECT ${hex(bad.reasonCode)}, then close` : "closed, nothing sent";
        it(`${tag} ${bad.what}: ${outcome} (${versionName(version)})`, () =>
          rejectedAfterConnect(version, bad.input(version), bad.reasonCode));
      }
    }
  });

  describe("bad CONNECT packets", () => {
    for (const bad of BAD_CONNECTS) {
      for (const version of VERSIONS) {
        const tag = bad.tags[version];
        if (tag === undefined) continue;
        const expected =
          version === 5 && bad.reasonCode !== undefined ? [`CONNACK ${hex(bad.reasonCode)}`] : [];
        const outcome = expected.length > 0 ? `${expected[0]!}, then close` : "closed, no CONNACK";
        it(`${tag} ${bad.what}: ${outcome} (${versionName(version)})`, () =>
          rejectedConnect(version, bad.input(version), expected));
      }
    }

    for (const level of [6, 3, 0, 255]) {
      it(`[MQTT-3.1.2-2] CONNECT "MQTT" with protocol level ${level}: CONNACK return code 0x01 (unacceptable protocol level), then close`, () =>
        // The answer is the 3.1.1 form of CONNACK (no properties), whatever the client speaks
        rejectedConnect(4, connectFrame({ level, properties: level === 6 ? [0] : [] }), ["CONNACK 0x01"]));
    }

    it('[MQTT-3.1.2-2] CONNECT "MQIsdp" with protocol level 4: CONNACK return code 0x01, then close', () =>
      rejectedConnect(4, connectFrame({ level: 4, protocolName: "MQIsdp" }), ["CONNACK 0x01"]));

    for (const first of [
      { name: "PINGREQ", bytes: frame(0xc0) },
      { name: "PUBLISH", bytes: publishFrame(4) },
      { name: "SUBSCRIBE", bytes: subscribeFrame(4) },
      { name: "DISCONNECT", bytes: frame(0xe0) },
    ]) {
      it(`[MQTT-3.1.0-1] ${first.name} before CONNECT: closed, no CONNACK`, () =>
        rejectedConnect(4, first.bytes, []));
    }

    it("[MQTT-3.1.0-1] garbage as the first bytes (an HTTP request): closed, nothing sent", () =>
      rejectedConnect(4, bytes("GET /mqtt HTTP/1.1\r\nHost: localhost\r\n\r\n"), []));

    it("[MQTT-3.1.0-1] garbage as the first bytes (0xFF 0xFF 0xFF 0xFF 0xFF): closed, nothing sent", () =>
      rejectedConnect(5, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]), []));

    it("[MQTT-3.1.4-6] packets sent after a refused CONNECT are not processed", async () => {
      const topic = `bad/after-refused/${Math.random().toString(36).slice(2)}`;
      const sub = await RawClient.connected(broker.port, { protocolVersion: 5 });
      sub.send({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          { topicFilter: topic, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        ],
      });
      await sub.expect(PacketType.SUBACK);
      const client = await RawClient.open(broker.port, 5);
      // A CONNECT refused with Receive Maximum 0, directly followed (same write) by a PUBLISH
      const refused = connectFrame({ level: 5, properties: props(prop(PropertyId.ReceiveMaximum, u16(0))) });
      client.sendBytes(Uint8Array.from([...refused, ...publishFrame(5, { topic: str(topic) })]));
      assert.deepEqual(await packetsUntilClose(client, 0), ["CONNACK 0x82"]);
      await sub.expectNothing(200);
      await sub.disconnect();
      await witness.check();
    });
  });

  describe("the Will Message after bad input", () => {
    async function willWatcher(topic: string): Promise<RawClient> {
      const watcher = await RawClient.connected(broker.port, { protocolVersion: 5 });
      watcher.send({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          { topicFilter: `${topic}/#`, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        ],
      });
      await watcher.expect(PacketType.SUBACK);
      return watcher;
    }

    async function expectWill(watcher: RawClient, topic: string): Promise<void> {
      const will = await watcher.expect(PacketType.PUBLISH);
      assert.equal(will.topic, `${topic}/will`);
      assert.equal(text(will.payload), "gone");
      await watcher.expectNothing(150);
      await watcher.disconnect();
    }

    for (const version of VERSIONS) {
      it(`[MQTT-3.1.2-8] a connection lost in the middle of a PUBLISH frame: the partial packet is dropped and the Will is published (${versionName(version)})`, async () => {
        const topic = `bad/truncated/${version}`;
        const watcher = await willWatcher(topic);
        const client = await RawClient.connected(broker.port, {
          protocolVersion: version,
          will: { topic: `${topic}/will`, payload: bytes("gone"), qos: 0, retain: false },
        });
        const whole = publishFrame(version, {
          topic: str(`${topic}/partial`),
          payload: [...bytes("never delivered")],
        });
        client.sendBytes(whole.subarray(0, whole.length - 4));
        await delay(50);
        client.destroy();
        await expectWill(watcher, topic);
        await witness.check();
      });

      it(`${version === 5 ? "[MQTT-3.14.1-1]" : "[MQTT-2.2.2-2]"} DISCONNECT with reserved flags is malformed: ${version === 5 ? "DISCONNECT 0x81" : "closed"} and the Will is published (${versionName(version)})`, async () => {
        const topic = `bad/disconnect-flags/${version}`;
        const watcher = await willWatcher(topic);
        const client = await RawClient.connected(broker.port, {
          protocolVersion: version,
          will: { topic: `${topic}/will`, payload: bytes("gone"), qos: 0, retain: false },
        });
        client.sendBytes(frame(0xe1));
        assert.deepEqual(await packetsUntilClose(client, 1), version === 5 ? ["DISCONNECT 0x81"] : []);
        await expectWill(watcher, topic);
        await witness.check();
      });
    }

    it("[MQTT-3.14.2-1] DISCONNECT with reason code 0x03 (not a DISCONNECT reason code): DISCONNECT 0x82 and the Will is published (v5)", async () => {
      const topic = "bad/disconnect-reason";
      const watcher = await willWatcher(topic);
      const client = await RawClient.connected(broker.port, {
        will: { topic: `${topic}/will`, payload: bytes("gone"), qos: 0, retain: false },
      });
      client.sendBytes(frame(0xe0, [0x03]));
      assert.deepEqual(await packetsUntilClose(client, 1), ["DISCONNECT 0x82"]);
      await expectWill(watcher, topic);
      await witness.check();
    });

    it("[spec 3.14.2.2.2] DISCONNECT setting a Session Expiry Interval when CONNECT had 0: DISCONNECT 0x82 and the Will is published (v5)", async () => {
      const topic = "bad/disconnect-expiry";
      const watcher = await willWatcher(topic);
      const client = await RawClient.connected(broker.port, {
        will: { topic: `${topic}/will`, payload: bytes("gone"), qos: 0, retain: false },
      });
      client.sendBytes(frame(0xe0, [0x00], props(prop(PropertyId.SessionExpiryInterval, u32(60)))));
      assert.deepEqual(await packetsUntilClose(client, 1), ["DISCONNECT 0x82"]);
      await expectWill(watcher, topic);
      await witness.check();
    });
  });

  describe("random input", () => {
    // Seeded, so every run sends the same bytes; 1 MiB in one write.
    const BLOB = 1024 * 1024;

    it("[MQTT-3.1.0-1] 1 MiB of random bytes instead of CONNECT: closed, no CONNACK", async () => {
      const client = await RawClient.open(broker.port, 5);
      client.sendBytes(seededBytes(0x5eed1, BLOB));
      assert.deepEqual(await packetsUntilClose(client, 0), []);
      await witness.check();
    });

    for (const version of VERSIONS) {
      it(`[MQTT-4.13.1-1] 200 random bodies behind valid fixed headers of every client packet type are each processed or refused with a protocol reason code, never an internal error (${versionName(version)})`, async () => {
        const ROUNDS = 200;
        const random = seededBytes(0xf00d + version, ROUNDS * 64);
        let cursor = 0;
        const nextByte = (): number => random[cursor++ % random.length]!;
        const types: readonly number[] = [3, 4, 5, 6, 7, 8, 10, 12, 14, ...(version === 5 ? [15] : [])];
        const outcomes = { alive: 0, refused: 0, disconnected: 0 };
        for (let round = 0; round < ROUNDS; round++) {
          const type = types[nextByte() % types.length]!;
          const flags =
            type === 3 ? ((nextByte() % 3) << 1) | (nextByte() & 1) : [6, 8, 10].includes(type) ? 0b0010 : 0;
          const body = Array.from({ length: nextByte() % 48 }, nextByte);
          const input = frame((type << 4) | flags, body);
          const client = await RawClient.connected(broker.port, { protocolVersion: version });
          client.sendBytes(input);
          client.send({ type: PacketType.PINGREQ });
          const context = `round ${round}, input ${Buffer.from(input).toString("hex")}`;
          // Answers until PINGRESP (the connection lives on) or the close
          for (;;) {
            const packet = await client.next(CLOSE_TIMEOUT).catch(() => undefined);
            if (packet?.type === PacketType.PINGRESP) {
              outcomes.alive++;
              client.destroy();
              break;
            }
            if (packet !== undefined) continue;
            assert.ok(client.closed, `${context}: neither PINGRESP nor a close`);
            const last = client.received.at(-1);
            if (last?.type === PacketType.DISCONNECT) {
              assert.ok(version === 5, `${context}: a v3.1.1 client got DISCONNECT`);
              const code = last.reasonCode ?? 0;
              assert.ok(code >= 0x80 && code !== 0x83, `${context}: DISCONNECT ${hex(code)}`);
              outcomes.refused++;
            } else {
              // Closed without DISCONNECT: a v3.1.1 refusal, or the client's own (valid) DISCONNECT
              assert.ok(version === 4 || type === 14, `${context}: v5 connection closed without DISCONNECT`);
              if (type === 14) outcomes.disconnected++;
              else outcomes.refused++;
            }
            break;
          }
        }
        // The seeded input exercises both paths
        assert.ok(outcomes.alive > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
        await witness.check();
      });

      it(`[MQTT-4.13.1-1] 1 MiB of random bytes after CONNECT: ${version === 5 ? "DISCONNECT with a reason code >= 0x80" : "closed"} (${versionName(version)})`, async () => {
        const client = await RawClient.connected(broker.port, { protocolVersion: version });
        client.sendBytes(seededBytes(0xb10b + version, BLOB));
        const seen = await packetsUntilClose(client, 1);
        assert.ok(!seen.some((p) => p.startsWith("CONNACK")), `unexpected ${JSON.stringify(seen)}`);
        if (version === 5) {
          const last = client.received.at(-1);
          assert.ok(
            last?.type === PacketType.DISCONNECT,
            `expected a DISCONNECT last, got ${JSON.stringify(seen)}`,
          );
          assert.ok(
            (last.reasonCode ?? 0) >= 0x80,
            `DISCONNECT reason ${hex(last.reasonCode ?? 0)} is not an error`,
          );
        }
        await witness.check();
      });
    }
  });
});

describe("bad input: packets larger than mqtt.maxPacketSize", () => {
  const MAX = 1024;
  let broker: TestBroker;
  let witness: Witness;
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxPacketSize: MAX } } });
    witness = await Witness.start(broker.port);
  });
  after(async () => {
    await witness.stop();
    await broker.stop();
  });

  it("[spec 3.2.2.3.6] CONNACK announces the Maximum Packet Size (v5)", async () => {
    const client = await RawClient.open(broker.port, 5);
    const connack = await client.connect();
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.maximumPacketSize, MAX);
    await client.disconnect();
  });

  for (const version of VERSIONS) {
    it(`[MQTT-3.2.2-15] a PUBLISH of exactly the maximum packet size is accepted (${versionName(version)})`, async () => {
      const client = await RawClient.connected(broker.port, { protocolVersion: version });
      client.sendBytes(publishOfSize(version, MAX, "big/exact"));
      assert.equal((await client.expect(PacketType.PUBACK)).packetId, 1);
      await client.disconnect();
    });

    it(`[MQTT-3.2.2-15] [spec 3.2.2.3.6] a PUBLISH one byte over the maximum packet size: ${version === 5 ? "DISCONNECT 0x95, then close" : "closed, nothing sent"} (${versionName(version)})`, async () => {
      const client = await RawClient.connected(broker.port, { protocolVersion: version });
      client.sendBytes(publishOfSize(version, MAX + 1, "big/over"));
      assert.deepEqual(await packetsUntilClose(client, 1), version === 5 ? ["DISCONNECT 0x95"] : []);
      await witness.check();
    });

    it(`[spec 3.2.2.3.6] a frame header announcing 256 MB is refused at once, before the body: ${version === 5 ? "DISCONNECT 0x95" : "closed"} (${versionName(version)})`, async () => {
      const client = await RawClient.connected(broker.port, { protocolVersion: version });
      client.sendBytes(frameWithLength(0x30, [0xff, 0xff, 0xff, 0x7f], str("big/huge")));
      assert.deepEqual(await packetsUntilClose(client, 1), version === 5 ? ["DISCONNECT 0x95"] : []);
      await witness.check();
    });

    it(`[MQTT-3.1.4-1] [spec 3.2.2.2] a CONNECT larger than the maximum packet size: ${version === 5 ? "CONNACK 0x95 Packet too large" : "no CONNACK"}, then close (${versionName(version)})`, async () => {
      const client = await RawClient.open(broker.port, version);
      client.sendBytes(connectFrame({ level: version, payload: str("x".repeat(MAX)) }));
      assert.deepEqual(await packetsUntilClose(client, 0), version === 5 ? ["CONNACK 0x95"] : []);
      await witness.check();
    });

    it(`[MQTT-3.1.4-1] a CONNECT announcing 256 MB whose protocol level has not arrived: closed, no CONNACK (${versionName(version)})`, async () => {
      const client = await RawClient.open(broker.port, version);
      client.sendBytes([0x10, 0xff, 0xff, 0xff, 0x7f, 0, 4]);
      assert.deepEqual(await packetsUntilClose(client, 0), []);
      await witness.check();
    });
  }
});
