import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { encodePacket } from "./encode-packet.js";
import { FramePool, MAX_POOLED_BYTES, SLAB_BYTES } from "./frame-pool.js";
import { PacketType } from "./packet-type.js";

describe("FramePool", () => {
  it("hands out zero-filled frames of the exact size that never overlap", () => {
    const pool = new FramePool();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      const frame = pool.take(1 + ((i * 37) % 700));
      assert.equal(frame.length, 1 + ((i * 37) % 700));
      assert.ok(frame.every((b) => b === 0));
      frame.fill(i + 1);
      frames.push(frame);
    }
    frames.forEach((frame, i) =>
      assert.ok(
        frame.every((b) => b === i + 1),
        `frame ${i} was overwritten`,
      ),
    );
    assert.ok(
      frames.some((f) => f.buffer === frames[0]!.buffer && f !== frames[0]),
      "frames share slabs",
    );
    assert.ok(frames.every((f) => f.buffer.byteLength === SLAB_BYTES));
  });

  it("gives frames above the pooled size a buffer of their own", () => {
    const frame = new FramePool().take(MAX_POOLED_BYTES + 1);
    assert.equal(frame.byteOffset, 0);
    assert.equal(frame.buffer.byteLength, MAX_POOLED_BYTES + 1);
  });

  it("makes the same PUBLISH bytes as an encoding without a pool", () => {
    const pool = new FramePool();
    for (const version of [4, 5] as const) {
      for (const size of [0, 16, 602, 5000]) {
        const packet = {
          type: PacketType.PUBLISH,
          topic: "devices/d1/meta",
          payload: new Uint8Array(size).fill(7),
          qos: 1,
          retain: false,
          dup: false,
          packetId: 9,
        } as const;
        assert.deepEqual(encodePacket(packet, version, pool), encodePacket(packet, version));
      }
    }
  });
});
