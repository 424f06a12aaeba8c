/**
 * Differential tests against mqtt-packet, the codec of MQTT.js and Aedes, used as an oracle:
 * (a) our encoder's frames parse with mqtt-packet to an equivalent packet, and
 * (b) mqtt-packet.generate's frames decode with ours to an equivalent packet,
 * over random packets of every type for 3.1, 3.1.1 and 5.0. Known mqtt-packet divergences are listed
 * (and excluded one by one) in mqtt-packet-mapping.ts.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import mqttPacket from "mqtt-packet";

import {
  decodePacket,
  encodePacket,
  type Packet,
  packetTypeName,
  type ProtocolVersion,
} from "../../src/protocol/index.js";
import { arbitraryPacket, packetTypesOf } from "./arbitrary.js";
import {
  fromMqttPacket,
  generateExclusion,
  normalize,
  parseExclusion,
  toMqttPacket,
} from "./mqtt-packet-mapping.js";
import { Random, testSeed } from "./random.js";

const CASES_PER_TYPE = 80;
const VERSIONS = [3, 4, 5] as const satisfies readonly ProtocolVersion[];

/** Parses one frame with mqtt-packet; returns the packet or throws what its parser emitted. */
function parseWithMqttPacket(frame: Uint8Array, version: ProtocolVersion): Record<string, unknown> {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: Record<string, unknown>[] = [];
  let failure: unknown;
  parser.on("packet", (packet) => packets.push(packet as unknown as Record<string, unknown>));
  parser.on("error", (error: unknown) => (failure ??= error));
  parser.parse(Buffer.from(frame));
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
  assert.equal(packets.length, 1, "mqtt-packet should parse exactly one packet");
  return packets[0]!;
}

function describePacket(packet: Packet): string {
  return JSON.stringify(packet, (_key, value: unknown) =>
    value instanceof Uint8Array ? `<${value.length} bytes>` : value,
  );
}

describe("encodePacket() vs mqtt-packet", () => {
  for (const version of VERSIONS) {
    test(`encodePacket() frames parse with mqtt-packet to the same packet (version ${version})`, (t) => {
      const seed = testSeed();
      t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
      const rng = new Random(seed);
      let excluded = 0;
      for (const type of packetTypesOf(version)) {
        for (let i = 0; i < CASES_PER_TYPE; i++) {
          const packet = arbitraryPacket(rng, version, type);
          if (parseExclusion(packet) !== undefined) {
            excluded++;
            continue;
          }
          const context = `${packetTypeName[type]} case ${i}, seed ${seed}: ${describePacket(packet).slice(0, 400)}`;
          const parsed = parseWithMqttPacket(encodePacket(packet, version), version);
          assert.deepStrictEqual(normalize(fromMqttPacket(parsed, version)), normalize(packet), context);
        }
      }
      t.diagnostic(`${excluded} cases excluded for known mqtt-packet divergences`);
    });
  }
});

describe("decodePacket() vs mqtt-packet", () => {
  for (const version of VERSIONS) {
    test(`mqtt-packet.generate() frames decode to the same packet (version ${version})`, (t) => {
      const seed = testSeed();
      t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
      const rng = new Random(seed);
      let excluded = 0;
      for (const type of packetTypesOf(version)) {
        for (let i = 0; i < CASES_PER_TYPE; i++) {
          const packet = arbitraryPacket(rng, version, type);
          if (generateExclusion(packet, version) !== undefined) {
            excluded++;
            continue;
          }
          const context = `${packetTypeName[type]} case ${i}, seed ${seed}: ${describePacket(packet).slice(0, 400)}`;
          const frame = mqttPacket.generate(toMqttPacket(packet, version) as unknown as mqttPacket.Packet, {
            protocolVersion: version,
          });
          const decoded = decodePacket(new Uint8Array(frame), version);
          assert.deepStrictEqual(normalize(decoded), normalize(packet), context);
        }
      }
      t.diagnostic(`${excluded} cases excluded for known mqtt-packet divergences`);
    });
  }
});
