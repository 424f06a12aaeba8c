import assert from "node:assert/strict";
import { describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import type { ApplicationMessage } from "./application-message.js";
import type { QueuedDelivery } from "./delivery.js";
import { MessageQueue } from "./message-queue.js";

function message(id: number, size: number): ApplicationMessage {
  return {
    id,
    topic: "t", // 3 bytes as a PUBLISH carries it: each entry counts its size + 3
    payload: new Uint8Array(size),
    qos: 1,
    retain: false,
    properties: undefined,
    createdAt: 0,
    expiresAt: undefined,
    publisherId: undefined,
  };
}

function entry(seq: number, size = 1): QueuedDelivery {
  return { message: message(seq, size), qos: 1, retain: false, subscriptionIdentifiers: undefined, seq };
}

const seqs = (items: Iterable<QueuedDelivery>): number[] => [...items].map((d) => d.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("MessageQueue", () => {
  it("MessageQueue starts empty: length 0, bytes 0, peek/shift undefined, drain []", () => {
    const q = new MessageQueue();
    assert.equal(q.length, 0);
    assert.equal(q.bytes, 0);
    assert.equal(q.peek(), undefined);
    assert.equal(q.shift(), undefined);
    assert.deepEqual(q.drain(), []);
    assert.deepEqual([...q], []);
  });

  it("MessageQueue.shift() returns entries first in, first out; peek() does not remove", () => {
    const q = new MessageQueue();
    for (const s of [1, 2, 3, 4, 5]) q.push(entry(s));
    assert.equal(q.peek()?.seq, 1);
    assert.equal(q.length, 5);
    assert.equal(q.shift()?.seq, 1);
    assert.equal(q.peek()?.seq, 2);
    assert.deepEqual(seqs(q), [2, 3, 4, 5]);
    assert.equal(q.shift()?.seq, 2);
    q.push(entry(6));
    assert.deepEqual(
      [q.shift()?.seq, q.shift()?.seq, q.shift()?.seq, q.shift()?.seq, q.shift()?.seq],
      [3, 4, 5, 6, undefined],
    );
    assert.equal(q.length, 0);
  });

  it("MessageQueue grows past its initial capacity and keeps FIFO order (1000 entries)", () => {
    const q = new MessageQueue();
    for (let s = 1; s <= 1000; s++) q.push(entry(s));
    assert.equal(q.length, 1000);
    assert.deepEqual(seqs(q), range(1, 1000));
    for (let s = 1; s <= 1000; s++) assert.equal(q.shift()?.seq, s);
    assert.equal(q.length, 0);
  });

  it("MessageQueue keeps order when the ring wraps around and when it grows while wrapped", () => {
    const q = new MessageQueue();
    let next = 1;
    let expected = 1;
    // Fill the initial ring (8), consume 5, refill so the tail wraps past the end of the array.
    for (let i = 0; i < 8; i++) q.push(entry(next++));
    for (let i = 0; i < 5; i++) assert.equal(q.shift()?.seq, expected++);
    for (let i = 0; i < 5; i++) q.push(entry(next++));
    assert.equal(q.length, 8);
    assert.deepEqual(seqs(q), range(expected, next - 1), "iteration follows the wrapped order");
    // Full and wrapped: the next push grows the ring and must unwrap it in order.
    for (let i = 0; i < 20; i++) q.push(entry(next++));
    assert.deepEqual(seqs(q), range(expected, next - 1));
    // Interleave pushes and shifts for many rounds around the ring.
    for (let round = 0; round < 500; round++) {
      q.push(entry(next++));
      q.push(entry(next++));
      assert.equal(q.shift()?.seq, expected++);
      if (round % 3 === 0) assert.equal(q.shift()?.seq, expected++);
    }
    assert.equal(q.length, next - expected);
    assert.deepEqual(seqs(q.drain()), range(expected, next - 1));
  });

  it("MessageQueue.bytes is the sum of the queued message sizes, through push, shift and drain", () => {
    const q = new MessageQueue();
    q.push(entry(1, 10));
    q.push(entry(2, 0));
    q.push(entry(3, 250));
    assert.equal(q.bytes, 260 + 9);
    q.shift();
    assert.equal(q.bytes, 250 + 6);
    q.push(entry(4, 7));
    assert.equal(q.bytes, 257 + 9);
    q.shift();
    q.shift();
    assert.equal(q.bytes, 7 + 3);
    q.drain();
    assert.equal(q.bytes, 0);
    for (let s = 1; s <= 100; s++) q.push(entry(s, s));
    assert.equal(q.bytes, 5050 + 300);
    for (let s = 1; s <= 50; s++) q.shift();
    assert.equal(q.bytes, 5050 + 300 - (1275 + 150));
  });

  it("MessageQueue.bytes counts a message's topic and properties, not only its payload", () => {
    const q = new MessageQueue();
    const held = entry(1, 0);
    const withProperties: QueuedDelivery = {
      ...held,
      message: {
        ...held.message,
        topic: "a/é", // UTF-8: 4 bytes
        properties: {
          contentType: "json",
          responseTopic: "r",
          correlationData: new Uint8Array(8),
          payloadFormatIndicator: true,
          userProperties: [
            ["", ""],
            ["name", "value"],
          ],
        },
      },
    };
    q.push(withProperties);
    // topic 2+4, contentType 3+4, responseTopic 3+1, correlationData 3+8, indicator 2, users 5+0 + 5+9
    assert.equal(q.bytes, 6 + 7 + 4 + 11 + 2 + 5 + 14);
    q.push(entry(2, 1));
    q.shift();
    assert.equal(q.bytes, 4, "shift takes off what push added");
  });

  it("MessageQueue.drain() removes and returns every entry oldest first, and the queue is reusable", () => {
    const q = new MessageQueue();
    for (let s = 1; s <= 12; s++) q.push(entry(s, 2));
    q.shift();
    q.shift();
    const drained = q.drain();
    assert.deepEqual(seqs(drained), range(3, 12));
    assert.equal(q.length, 0);
    assert.equal(q.bytes, 0);
    assert.equal(q.peek(), undefined);
    q.push(entry(99, 3));
    assert.equal(q.peek()?.seq, 99);
    assert.equal(q.bytes, 3 + 3);
  });

  it("MessageQueue returns the same entry objects it was given", () => {
    const q = new MessageQueue();
    const a = entry(1);
    const b = entry(2);
    q.push(a);
    q.push(b);
    assert.equal(q.peek(), a);
    assert.equal(q.shift(), a);
    assert.equal(q.shift(), b);
  });

  it("MessageQueue releases its backing array when it empties after a big burst", () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    // One shared entry object: only the ring's backing array costs memory.
    const shared = entry(1, 1);
    const count = 600_000;
    gc();
    const base = process.memoryUsage().heapUsed;
    const q = new MessageQueue();
    for (let i = 0; i < count; i++) q.push(shared);
    gc();
    const full = process.memoryUsage().heapUsed - base;
    assert.ok(full > 3_000_000, `the burst's ring should use megabytes (measured ${full} bytes)`);
    while (q.shift() !== undefined);
    gc();
    const after = process.memoryUsage().heapUsed - base;
    assert.equal(q.length, 0);
    assert.ok(after < full / 4, `backing array kept after draining: ${after} of ${full} bytes still used`);
    // And the queue still works after shrinking.
    for (let s = 1; s <= 20; s++) q.push(entry(s));
    assert.deepEqual(seqs(q.drain()), range(1, 20));
  });
});
