import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePacket } from "./decode-packet.js";
import { encodePacket } from "./encode-packet.js";
import { encodeWithin } from "./encode-within.js";
import type { Packet } from "./packet.js";
import { PacketType } from "./packet-type.js";

const refused: Packet = {
  type: PacketType.PUBACK,
  packetId: 7,
  reasonCode: 0x87,
  properties: {
    reasonString: "Not authorized to publish on topic a/b",
    userProperties: [["why", "acl"]],
  },
};

describe("encodeWithin", () => {
  it("encodes a packet that fits as encodePacket does", () => {
    assert.deepEqual(encodeWithin(refused, 5, 1000), encodePacket(refused, 5));
  });

  it("[MQTT-3.4.2-2] [MQTT-3.4.2-3] leaves out the Reason String and User Properties of a packet that would not fit", () => {
    const full = encodePacket(refused, 5).byteLength;
    const bytes = encodeWithin(refused, 5, full - 1);
    assert.ok(bytes !== undefined);
    assert.ok(bytes.byteLength < full);
    const packet = decodePacket(bytes, 5);
    assert.equal(packet.type, PacketType.PUBACK);
    assert.equal(packet.reasonCode, 0x87); // the reason code stays
    assert.equal(packet.packetId, 7);
    assert.equal(packet.properties?.reasonString, undefined);
    assert.equal(packet.properties?.userProperties, undefined);
  });

  it("[MQTT-3.14.2-3] keeps the other properties of a DISCONNECT it shortens", () => {
    const disconnect: Packet = {
      type: PacketType.DISCONNECT,
      reasonCode: 0x9c,
      properties: { serverReference: "other.example:1883", reasonString: "Use another server, please" },
    };
    const withoutReason = encodePacket(
      {
        type: PacketType.DISCONNECT,
        reasonCode: 0x9c,
        properties: { serverReference: "other.example:1883" },
      },
      5,
    );
    const bytes = encodeWithin(disconnect, 5, withoutReason.byteLength);
    assert.deepEqual(bytes, withoutReason);
  });

  it("[MQTT-3.1.2-24] gives nothing when even the shortened packet does not fit, or the packet has nothing to leave out", () => {
    assert.equal(encodeWithin(refused, 5, 3), undefined);
    const bare: Packet = { type: PacketType.PUBACK, packetId: 7, reasonCode: 0x87 };
    assert.equal(encodeWithin(bare, 5, encodePacket(bare, 5).byteLength - 1), undefined);
    const publish: Packet = {
      type: PacketType.PUBLISH,
      topic: "a/b",
      payload: new Uint8Array(10),
      qos: 0,
      retain: false,
      dup: false,
      properties: { userProperties: [["k", "v"]] },
    };
    assert.equal(encodeWithin(publish, 5, 10), undefined, "a PUBLISH is never shortened");
  });
});
