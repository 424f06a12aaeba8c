import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryOutboxStore } from "../storage/index.js";
import { Outbox, type OutboxLimits, type OutboxMessage, type OutboxReduction } from "./outbox.js";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const WIDE: OutboxLimits = { maxMessages: 1000, maxBytes: 1_000_000, maxAge: 3_600_000 };

function message(topic: string, payload: string, extra: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    topic,
    payload: text(payload),
    retain: false,
    properties: undefined,
    expiresAt: undefined,
    ...extra,
  };
}

function setup(limits: OutboxLimits = WIDE, store = new MemoryOutboxStore()) {
  let now = 1_000_000;
  const reductions: OutboxReduction[] = [];
  const outbox = new Outbox({
    bridgeId: "b",
    store,
    limits,
    now: () => now,
    onReduced: (r) => reductions.push(r),
  });
  return {
    outbox,
    store,
    reductions,
    advance: (ms: number) => (now += ms),
    contents: () => outbox.entries().map((e) => `${e.topic}=${decode(e.payload)}`),
    stored: () => store.load("b").entries.map((e) => `${e.topic}=${decode(e.payload)}`),
  };
}

describe("Outbox", () => {
  it("hands entries out in order, keeps them until settled, and records every change in the store", () => {
    const { outbox, contents, stored } = setup();
    outbox.append(message("a", "1"));
    outbox.append(message("b", "1"));
    outbox.append(message("a", "2"));
    assert.deepEqual(stored(), ["a=1", "b=1", "a=2"]);
    const first = outbox.next()!;
    const second = outbox.next()!;
    assert.equal(decode(first.entry.payload), "1");
    assert.equal(second.entry.topic, "b");
    assert.equal(outbox.inflight, 2);
    outbox.settle(second); // acknowledged out of order: still removed
    assert.deepEqual(contents(), ["a=1", "a=2"]);
    outbox.settle(first);
    assert.deepEqual(stored(), ["a=2"]);
    assert.equal(outbox.size, 1);
    assert.equal(outbox.next()?.entry.seq, 3);
    assert.equal(outbox.next(), undefined);
  });

  it("release() puts in-flight entries back at the head, in their order", () => {
    const { outbox } = setup();
    for (let i = 1; i <= 5; i++) outbox.append(message("t", String(i)));
    const sent = [outbox.next()!, outbox.next()!, outbox.next()!];
    outbox.settle(sent[0]!);
    outbox.release();
    assert.equal(outbox.inflight, 0);
    const again = [];
    for (let item = outbox.next(); item !== undefined; item = outbox.next())
      again.push(decode(item.entry.payload));
    assert.deepEqual(again, ["2", "3", "4", "5"]);
    outbox.settle(sent[1]!); // handed out again after the release: its acknowledgement removes it
    assert.equal(outbox.size, 3);
  });

  it("retry() puts one in-flight entry back, handed out again before every waiting one", () => {
    const { outbox, stored } = setup();
    for (let i = 1; i <= 6; i++) outbox.append(message("t", String(i)));
    const sent = [outbox.next()!, outbox.next()!, outbox.next()!, outbox.next()!];
    outbox.settle(sent[0]!);
    outbox.retry(sent[2]!); // "3" refused for now; "2" and "4" stay in flight
    assert.equal(outbox.inflight, 2);
    assert.equal(decode(outbox.next()!.entry.payload), "3");
    assert.equal(decode(outbox.next()!.entry.payload), "5");
    outbox.retry(sent[2]!); // handed out again: in flight, so it can be put back again
    outbox.retry(sent[2]!); // already waiting: nothing changes
    assert.equal(outbox.inflight, 3);
    assert.equal(decode(outbox.next()!.entry.payload), "3");
    assert.equal(decode(outbox.next()!.entry.payload), "6");
    assert.equal(outbox.next(), undefined);
    assert.deepEqual(stored(), ["t=2", "t=3", "t=4", "t=5", "t=6"]); // nothing removed
    outbox.release();
    assert.deepEqual(
      [outbox.next()!, outbox.next()!].map((item) => decode(item.entry.payload)),
      ["2", "3"],
    );
  });

  it("continues the sequence after a reload from the store", () => {
    const store = new MemoryOutboxStore();
    const first = setup(WIDE, store);
    first.outbox.append(message("a", "1"));
    first.outbox.append(message("a", "2"));
    first.outbox.settle(first.outbox.next()!);
    const second = setup(WIDE, store);
    assert.deepEqual(second.contents(), ["a=2"]);
    second.outbox.append(message("a", "3"));
    assert.deepEqual(
      store.load("b").entries.map((e) => e.seq),
      [2, 3],
    );
  });

  it("coalesces to the latest value per topic when over maxMessages, and reports it", () => {
    const { outbox, contents, stored, reductions } = setup({ ...WIDE, maxMessages: 4 });
    for (const [topic, value] of [
      ["a", "1"],
      ["b", "1"],
      ["a", "2"],
      ["c", "1"],
      ["a", "3"], // 5 > 4: a=2, the newest older value of "a", goes
      ["b", "2"], // b=1 goes
    ] as const)
      outbox.append(message(topic, value));
    assert.deepEqual(contents(), ["a=1", "c=1", "a=3", "b=2"]);
    assert.deepEqual(stored(), contents());
    assert.equal(outbox.coalesced, 2);
    assert.equal(outbox.dropped, 0);
    assert.deepEqual(
      reductions.map((r) => r.kind),
      ["coalesced", "coalesced"],
    );
  });

  it("coalesces every older value in one pass when the new topic has none", () => {
    const { outbox, contents } = setup({ ...WIDE, maxMessages: 5 });
    for (const value of ["1", "2", "3"]) outbox.append(message("a", value));
    outbox.append(message("b", "1"));
    outbox.append(message("b", "2"));
    outbox.append(message("c", "1")); // 6 > 5, "c" is new: a=1, a=2, b=1 go
    assert.deepEqual(contents(), ["a=3", "b=2", "c=1"]);
    assert.equal(outbox.coalesced, 3);
  });

  it("drops the oldest message, loudly, only when every topic has one message left", () => {
    const { outbox, contents, reductions } = setup({ ...WIDE, maxMessages: 2 });
    outbox.append(message("a", "1"));
    outbox.append(message("b", "1"));
    outbox.append(message("c", "1"));
    assert.deepEqual(contents(), ["b=1", "c=1"]);
    assert.equal(outbox.dropped, 1);
    assert.deepEqual(reductions, [{ kind: "dropped", topic: "a" }]);
  });

  it("bounds by bytes (topic + payload) too", () => {
    const { outbox, contents } = setup({ ...WIDE, maxBytes: 1024 });
    outbox.append(message("a", "x".repeat(600)));
    outbox.append(message("a", "y".repeat(600))); // 1206 > 1024: the older "a" goes
    assert.deepEqual(
      contents().map((c) => c.slice(0, 3)),
      ["a=y"],
    );
    assert.equal(outbox.bytes, 603); // as a PUBLISH carries them: the topic with its length
    assert.equal(outbox.coalesced, 1);
  });

  it("counts a message's properties against maxBytes, not only its payload", () => {
    const { outbox, contents } = setup({ ...WIDE, maxBytes: 1024 });
    const userProperties: [string, string][] = [["k", "v".repeat(600)]];
    outbox.append(message("a", "", { properties: { userProperties } }));
    assert.equal(outbox.bytes, 3 + 5 + 1 + 600);
    outbox.append(message("a", "", { properties: { userProperties } })); // over 1024: the older goes
    assert.deepEqual(contents(), ["a="]);
    assert.equal(outbox.coalesced, 1);
  });

  it("never removes messages in flight, and goes over its bounds rather than do so", () => {
    const { outbox, contents } = setup({ ...WIDE, maxMessages: 2 });
    outbox.append(message("a", "1"));
    outbox.append(message("a", "2"));
    outbox.next();
    outbox.next();
    outbox.append(message("a", "3"));
    assert.deepEqual(contents(), ["a=1", "a=2", "a=3"]);
    assert.equal(outbox.size, 3);
  });

  it("maintain() coalesces messages older than maxAge that have a newer value, and keeps the latest", () => {
    const { outbox, contents, advance, reductions } = setup({ ...WIDE, maxAge: 10_000 });
    outbox.append(message("a", "1"));
    outbox.append(message("b", "1"));
    outbox.append(message("a", "2"));
    advance(5_000);
    assert.equal(outbox.maintain(), 0); // not old yet
    outbox.append(message("b", "2"));
    advance(6_000); // the first three are 11 s old, b=2 5 s
    assert.equal(outbox.maintain(), 2); // a=1 and b=1
    assert.deepEqual(contents(), ["a=2", "b=2"]);
    assert.deepEqual(reductions, [{ kind: "coalesced", count: 2, reason: "age" }]);
    advance(100_000);
    assert.equal(outbox.maintain(), 0); // old, but each the latest of its topic
    assert.deepEqual(contents(), ["a=2", "b=2"]);
  });

  it("skips and counts messages whose expiry passed while they waited", () => {
    const { outbox, advance } = setup();
    outbox.append(message("a", "1", { expiresAt: 1_000_500 }));
    outbox.append(message("b", "1"));
    advance(1000);
    assert.equal(outbox.next()?.entry.topic, "b");
    assert.equal(outbox.expired, 1);
    assert.equal(outbox.size, 1);
  });

  it("stays consistent through many removals in the middle (array compaction)", () => {
    const { outbox, stored } = setup({ ...WIDE, maxMessages: 3000 });
    const expected: string[] = [];
    for (let i = 0; i < 5000; i++) {
      outbox.append(message(`t${i % 10}`, String(i)));
      if (i % 7 === 0) outbox.settle(outbox.next()!);
    }
    // 5000 appended, 715 sent and settled, then over 3000: coalesced to one per topic as it went
    const entries = outbox.entries();
    assert.equal(entries.length, outbox.size);
    for (const entry of entries) expected.push(`${entry.topic}=${decode(entry.payload)}`);
    assert.deepEqual(stored(), expected);
    const seqs = entries.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    const perTopic = new Map<string, number[]>();
    for (const e of entries)
      perTopic.set(e.topic, [...(perTopic.get(e.topic) ?? []), Number(decode(e.payload))]);
    for (const values of perTopic.values())
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
      );
  });
});
