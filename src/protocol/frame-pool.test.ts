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

  it("release() takes back the frame taken last, zero-filled, and leaves any other alone", () => {
    const pool = new FramePool();
    const first = pool.take(40);
    first.fill(1);
    const last = pool.take(30);
    last.fill(2, 0, 10);
    pool.release(first); // not the last one: kept
    assert.ok(first.every((b) => b === 1));
    pool.release(last, 10); // the taker wrote its first 10 bytes
    const again = pool.take(50);
    assert.equal(again.buffer, last.buffer);
    assert.equal(again.byteOffset, last.byteOffset, "the released space is taken again");
    assert.ok(
      again.every((b) => b === 0),
      "what was written is zeroed",
    );
    assert.ok(
      first.every((b) => b === 1),
      "the earlier frame is untouched",
    );
    const own = pool.take(MAX_POOLED_BYTES + 1);
    pool.release(own); // a buffer of its own: nothing to take back
    const next = pool.take(8);
    assert.equal(next.byteOffset, again.byteOffset + 50);
  });

  it("carves each frame where the one before it ends, so frames taken one after another are contiguous", () => {
    const pool = new FramePool();
    const first = pool.take(100);
    const second = pool.take(37);
    assert.equal(second.buffer, first.buffer);
    assert.equal(second.byteOffset, first.byteOffset + 100);
    let end = second.byteOffset + 37;
    while (end < SLAB_BYTES) {
      const fill = pool.take(Math.min(MAX_POOLED_BYTES, SLAB_BYTES - end));
      assert.equal(fill.buffer, first.buffer);
      assert.equal(fill.byteOffset, end);
      end += fill.length;
    }
    const next = pool.take(1);
    assert.notEqual(next.buffer, first.buffer, "then a new slab");
    assert.equal(next.byteOffset, 0);
  });

  it("slabOf() knows only the pooled frame taken last, with lastStart and lastEnd its place", () => {
    const pool = new FramePool();
    const a = pool.take(10);
    assert.equal(pool.slabOf(a), a.buffer);
    assert.equal(pool.lastStart, a.byteOffset);
    assert.equal(pool.lastEnd, a.byteOffset + 10);
    const b = pool.take(20);
    assert.equal(pool.slabOf(a), undefined, "no longer the last one");
    assert.equal(pool.slabOf(b), b.buffer);
    const own = pool.take(MAX_POOLED_BYTES + 1);
    assert.equal(pool.slabOf(own), undefined, "a frame of its own is not in a slab");
    assert.equal(pool.slabOf(b), b.buffer, "still the last pooled frame");
    pool.release(b);
    assert.equal(pool.slabOf(b), undefined, "given back");
  });

  it("reserve() takes zero-filled room in place, where take() would have carved a frame, without a frame", () => {
    const pool = new FramePool();
    const a = pool.take(16);
    a.fill(1);
    pool.reserve(30);
    assert.equal(pool.slab, a.buffer);
    assert.equal(pool.slabBytes!.buffer, a.buffer);
    assert.equal(pool.lastStart, a.byteOffset + 16);
    assert.equal(pool.lastEnd, a.byteOffset + 46);
    assert.ok(pool.slabBytes!.subarray(pool.lastStart, pool.lastEnd).every((b) => b === 0));
    pool.slabBytes!.fill(2, pool.lastStart, pool.lastEnd);
    assert.equal(pool.slabOf(a), undefined, "a is no longer the last");
    pool.release(a);
    const b = pool.take(8);
    assert.equal(b.byteOffset, a.byteOffset + 46, "the reserved room is not taken again");
    assert.ok(a.every((x) => x === 1));
    assert.ok(b.every((x) => x === 0));
    while (pool.lastEnd + MAX_POOLED_BYTES <= SLAB_BYTES) pool.reserve(MAX_POOLED_BYTES);
    pool.reserve(MAX_POOLED_BYTES);
    assert.notEqual(pool.slab, a.buffer, "room that does not fit takes a new slab");
    assert.equal(pool.lastStart, 0);
    assert.throws(() => pool.reserve(MAX_POOLED_BYTES + 1), RangeError);
  });
});
