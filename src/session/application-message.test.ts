/**
 * Compaction of payloads kept beyond the read that carried them: a small view into a large chunk is
 * copied to a buffer of its own, whatever kind of view it is (a Node Buffer's `slice` is a view).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ApplicationMessage, compactBytes, compactPayload } from "./application-message.js";

const CHUNK = 65_536;

function message(payload: Uint8Array): ApplicationMessage {
  return {
    id: 1,
    topic: "t",
    payload,
    qos: 1,
    retain: false,
    properties: undefined,
    createdAt: 0,
    expiresAt: undefined,
    publisherId: undefined,
  };
}

describe("compactBytes and compactPayload", () => {
  for (const [kind, chunk] of [
    ["Uint8Array", new Uint8Array(CHUNK)],
    ["Node Buffer", Buffer.alloc(CHUNK)],
  ] as const)
    it(`copy a small view into a large ${kind} to a buffer of its own, with the same bytes`, () => {
      chunk.set([1, 2, 3, 4, 5], 100);
      const view = chunk.subarray(100, 105);
      const copy = compactBytes(view);
      assert.equal(copy.buffer.byteLength, 5);
      assert.deepEqual([...copy], [1, 2, 3, 4, 5]);
      chunk[100] = 9; // the chunk is reused: the copy keeps what it had
      assert.equal(copy[0], 1);
      const kept = message(chunk.subarray(200, 300));
      compactPayload(kept);
      assert.equal(kept.payload.buffer.byteLength, 100);
    });

  it("leave a payload that is most of its buffer, or a small buffer, as it is", () => {
    const whole = new Uint8Array(CHUNK);
    assert.equal(compactBytes(whole), whole);
    const most = new Uint8Array(CHUNK).subarray(0, CHUNK - 10);
    assert.equal(compactBytes(most), most);
    const small = new Uint8Array(4096).subarray(0, 10);
    assert.equal(compactBytes(small), small);
  });
});
