import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  decodePacket,
  encodePacket,
  packetTypeName,
  type ProtocolVersion,
} from "../../src/protocol/index.js";
import { arbitraryPacket, packetTypesOf } from "./arbitrary.js";
import { Random, testSeed } from "./random.js";

const CASES_PER_TYPE = 150;

describe("encodePacket() / decodePacket() round trip", () => {
  for (const version of [3, 4, 5] as const satisfies readonly ProtocolVersion[]) {
    test(`decodePacket(encodePacket(p)) deep-equals p for every packet type of version ${version}`, (t) => {
      const seed = testSeed();
      t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
      const rng = new Random(seed);
      for (const type of packetTypesOf(version)) {
        for (let i = 0; i < CASES_PER_TYPE; i++) {
          const packet = arbitraryPacket(rng, version, type);
          const frame = encodePacket(packet, version);
          const decoded = decodePacket(frame, version);
          assert.deepStrictEqual(decoded, packet, `${packetTypeName[type]} case ${i}, seed ${seed}`);
          // Encoding is deterministic: the decoded packet encodes to the same bytes.
          assert.deepStrictEqual(
            encodePacket(decoded, version),
            frame,
            `${packetTypeName[type]} re-encode, seed ${seed}`,
          );
        }
      }
    });
  }
});
