import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProtocolError, ProtocolErrorCode } from "../protocol/protocol-error.js";
import { ReasonCode } from "../protocol/reason-codes.js";
import { InboundTopicAliases, MAX_ALIASED_TOPIC_LENGTH, OutboundTopicAliases } from "./topic-aliases.js";

/** Runs `fn`, which must throw a ProtocolError, and returns it. */
function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a ProtocolError, nothing was thrown");
}

/** mulberry32: a small seeded PRNG so random tests are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("InboundTopicAliases", () => {
  it("InboundTopicAliases.resolve() returns the topic of a PUBLISH without a Topic Alias", () => {
    const aliases = new InboundTopicAliases(10);
    assert.equal(aliases.resolve("a/b", undefined), "a/b");
  });

  it("[spec 3.3.2.1] InboundTopicAliases.resolve() rejects an empty topic without a Topic Alias: 0x82 Protocol Error", () => {
    const aliases = new InboundTopicAliases(10);
    const error = protocolError(() => aliases.resolve("", undefined));
    assert.equal(error.reasonCode, ReasonCode.ProtocolError);
    assert.equal(error.reasonCode, 0x82);
    assert.equal(error.code, ProtocolErrorCode.ProtocolViolation);
    // No numbered statement covers this case: the rule must not claim one.
    assert.ok(error.rule === undefined || !error.rule.startsWith("MQTT-"), `rule ${String(error.rule)}`);
  });

  it("[MQTT-3.3.2-8] InboundTopicAliases.resolve() rejects Topic Alias 0: 0x94 Topic Alias invalid", () => {
    const aliases = new InboundTopicAliases(10);
    for (const topic of ["a", ""]) {
      const error = protocolError(() => aliases.resolve(topic, 0));
      assert.equal(error.reasonCode, ReasonCode.TopicAliasInvalid);
      assert.equal(error.reasonCode, 0x94);
      assert.equal(error.code, ProtocolErrorCode.TopicAliasInvalid);
      assert.equal(error.rule, "MQTT-3.3.2-8");
    }
  });

  it("[MQTT-3.3.2-9] InboundTopicAliases.resolve() rejects a Topic Alias above our Topic Alias Maximum: 0x94", () => {
    const aliases = new InboundTopicAliases(10);
    for (const [topic, alias] of [
      ["a", 11],
      ["", 11],
      ["a", 65535],
    ] as const) {
      const error = protocolError(() => aliases.resolve(topic, alias));
      assert.equal(error.reasonCode, 0x94);
      assert.equal(error.code, ProtocolErrorCode.TopicAliasInvalid);
      assert.equal(error.rule, "MQTT-3.3.2-9");
    }
  });

  it("[MQTT-3.3.2-9] InboundTopicAliases with maximum 0 rejects every Topic Alias", () => {
    const aliases = new InboundTopicAliases(0);
    const error = protocolError(() => aliases.resolve("a", 1));
    assert.equal(error.reasonCode, 0x94);
    assert.equal(error.rule, "MQTT-3.3.2-9");
  });

  it("[MQTT-3.3.2-12] InboundTopicAliases accepts every alias 1..maximum, maps it and resolves empty topics with it", () => {
    const aliases = new InboundTopicAliases(5);
    for (let alias = 1; alias <= 5; alias++)
      assert.equal(aliases.resolve(`topic/${alias}`, alias), `topic/${alias}`);
    for (let alias = 1; alias <= 5; alias++) assert.equal(aliases.resolve("", alias), `topic/${alias}`);
  });

  it("[spec 3.3.2.3.4] InboundTopicAliases: a PUBLISH with a topic and a used alias changes the mapping", () => {
    const aliases = new InboundTopicAliases(3);
    aliases.resolve("first", 2);
    assert.equal(aliases.resolve("", 2), "first");
    assert.equal(aliases.resolve("second", 2), "second");
    assert.equal(aliases.resolve("", 2), "second");
  });

  it("[spec 3.3.2.3.4] InboundTopicAliases.resolve() rejects an empty topic with an alias that was never mapped: 0x82", () => {
    const aliases = new InboundTopicAliases(3);
    aliases.resolve("x", 1);
    const error = protocolError(() => aliases.resolve("", 2));
    assert.equal(error.reasonCode, ReasonCode.ProtocolError);
    assert.equal(error.code, ProtocolErrorCode.ProtocolViolation);
    // No numbered statement covers an unmapped alias (MQTT-3.3.2-12 is the duty to accept 1..maximum).
    assert.ok(error.rule === undefined || !error.rule.startsWith("MQTT-"), `rule ${String(error.rule)}`);
  });

  it("[MQTT-3.3.2-7] InboundTopicAliases mappings belong to one instance (one network connection)", () => {
    const first = new InboundTopicAliases(3);
    first.resolve("kept", 1);
    const second = new InboundTopicAliases(3);
    const error = protocolError(() => second.resolve("", 1));
    assert.equal(error.reasonCode, 0x82);
  });
});

describe("OutboundTopicAliases", () => {
  it("OutboundTopicAliases never aliases a topic longer than MAX_ALIASED_TOPIC_LENGTH, so its table stays small", () => {
    const aliases = new OutboundTopicAliases(65535);
    const long = "a".repeat(MAX_ALIASED_TOPIC_LENGTH + 1);
    assert.equal(aliases.lookup(long), undefined);
    assert.equal(aliases.assign(long), undefined);
    assert.equal(aliases.assign(`${long}/2`), undefined);
    const atLimit = "b".repeat(MAX_ALIASED_TOPIC_LENGTH);
    assert.deepEqual(aliases.assign(atLimit), { alias: 1, known: false }, "nothing was taken by long topics");
    assert.deepEqual(aliases.assign(atLimit), { alias: 1, known: true });
  });

  it("[MQTT-3.1.2-27] OutboundTopicAliases with the client's maximum 0 is disabled and assigns nothing", () => {
    const aliases = new OutboundTopicAliases(0);
    assert.equal(aliases.enabled, false);
    assert.equal(aliases.assign("a"), undefined);
    assert.equal(aliases.assign("a"), undefined);
  });

  it("OutboundTopicAliases assigns 1, 2, 3... to new topics (known false), the same alias again (known true)", () => {
    const aliases = new OutboundTopicAliases(5);
    assert.equal(aliases.enabled, true);
    assert.deepEqual(aliases.assign("a"), { alias: 1, known: false });
    assert.deepEqual(aliases.assign("b"), { alias: 2, known: false });
    assert.deepEqual(aliases.assign("a"), { alias: 1, known: true });
    assert.deepEqual(aliases.assign("c"), { alias: 3, known: false });
    assert.deepEqual(aliases.assign("b"), { alias: 2, known: true });
  });

  it("[MQTT-3.3.2-11] OutboundTopicAliases reassigns the least recently used alias when all are taken", () => {
    const aliases = new OutboundTopicAliases(3);
    aliases.assign("a"); // 1
    aliases.assign("b"); // 2
    aliases.assign("c"); // 3
    assert.deepEqual(aliases.assign("a"), { alias: 1, known: true }); // LRU order now b, c, a
    assert.deepEqual(aliases.assign("d"), { alias: 2, known: false }, "b was least recently used");
    assert.deepEqual(
      aliases.assign("b"),
      { alias: 3, known: false },
      "then c; b must be sent with its topic again",
    );
    assert.deepEqual(aliases.assign("c"), { alias: 1, known: false }, "then a");
    assert.deepEqual(aliases.assign("d"), { alias: 2, known: true });
    assert.deepEqual(aliases.assign("a"), { alias: 3, known: false }, "b (alias 3) was least recently used");
  });

  it("[MQTT-3.1.2-26] OutboundTopicAliases with maximum 1 always uses alias 1", () => {
    const aliases = new OutboundTopicAliases(1);
    assert.deepEqual(aliases.assign("a"), { alias: 1, known: false });
    assert.deepEqual(aliases.assign("a"), { alias: 1, known: true });
    assert.deepEqual(aliases.assign("b"), { alias: 1, known: false });
    assert.deepEqual(aliases.assign("a"), { alias: 1, known: false });
  });

  it("OutboundTopicAliases.lookup() answers without recording: a frame that is then dropped leaves no mapping behind", () => {
    const aliases = new OutboundTopicAliases(2);
    assert.deepEqual(aliases.lookup("big"), { alias: 1, known: false });
    assert.deepEqual(
      aliases.lookup("big"),
      { alias: 1, known: false },
      "still unknown: it was never recorded",
    );
    assert.deepEqual(aliases.assign("small"), { alias: 1, known: false }, "alias 1 is still free");
    assert.deepEqual(aliases.lookup("big"), { alias: 2, known: false });
    assert.deepEqual(aliases.assign("small"), { alias: 1, known: true });
  });

  it("OutboundTopicAliases.lookup() on a full table offers the least recently used alias without evicting it", () => {
    const aliases = new OutboundTopicAliases(2);
    aliases.assign("a");
    aliases.assign("b");
    assert.deepEqual(aliases.lookup("c"), { alias: 1, known: false });
    assert.deepEqual(aliases.lookup("a"), { alias: 1, known: true }, "a is still mapped");
    const offered = aliases.lookup("c")!;
    aliases.record("c", offered);
    assert.deepEqual(aliases.lookup("c"), { alias: 1, known: true });
    assert.deepEqual(
      aliases.lookup("a"),
      { alias: 2, known: false },
      "a was evicted by the record, b is LRU now",
    );
    assert.deepEqual(aliases.lookup("b"), { alias: 2, known: true });
  });

  it("OutboundTopicAliases.record() of a known alias makes the topic the most recently used", () => {
    const aliases = new OutboundTopicAliases(2);
    aliases.assign("a");
    aliases.assign("b");
    aliases.record("a", aliases.lookup("a")!);
    assert.deepEqual(aliases.assign("c"), { alias: 2, known: false }, "b was least recently used");
    assert.deepEqual(aliases.lookup("a"), { alias: 1, known: true });
  });

  it("OutboundTopicAliases.lookup() with the client's maximum 0 answers undefined", () => {
    assert.equal(new OutboundTopicAliases(0).lookup("a"), undefined);
  });

  it("[MQTT-3.3.2-11] OutboundTopicAliases, random topics and dropped frames: alias never above the maximum, and a client following the aliases always resolves the right topic", () => {
    for (const [seed, maximum, topics] of [
      [1, 1, 3],
      [2, 4, 10],
      [3, 16, 20],
      [4, 64, 50],
      [5, 10, 10],
    ] as const) {
      const random = prng(seed);
      const aliases = new OutboundTopicAliases(maximum);
      const client = new Map<number, string>(); // what the receiving client knows
      // Oracle: topic -> [alias, last use]; LRU by last use.
      const oracle = new Map<string, { alias: number; used: number }>();
      for (let step = 0; step < 5000; step++) {
        const topic = `t/${Math.floor(random() * topics)}`;
        if (random() < 0.15) {
          // A frame too large for the client: looked up, never sent, never recorded.
          const offered = aliases.lookup(topic);
          assert.ok(offered !== undefined && offered.alias >= 1 && offered.alias <= maximum);
          assert.equal(offered.known, oracle.has(topic));
          continue;
        }
        const assigned = aliases.assign(topic);
        assert.ok(assigned !== undefined);
        assert.ok(
          assigned.alias >= 1 && assigned.alias <= maximum,
          `alias ${assigned.alias} outside 1..${maximum}`,
        );
        const known = oracle.get(topic);
        if (known !== undefined) {
          assert.deepEqual(assigned, { alias: known.alias, known: true }, `step ${step}`);
          known.used = step;
        } else {
          let alias = oracle.size + 1;
          if (oracle.size >= maximum) {
            let lru: [string, { alias: number; used: number }] | undefined;
            for (const e of oracle) if (lru === undefined || e[1].used < lru[1].used) lru = e;
            oracle.delete(lru![0]);
            alias = lru![1].alias;
          }
          oracle.set(topic, { alias, used: step });
          assert.deepEqual(assigned, { alias, known: false }, `step ${step}`);
        }
        // The client side: a topic sent with an alias sets the mapping; an empty topic uses it.
        if (assigned.known) assert.equal(client.get(assigned.alias), topic);
        else client.set(assigned.alias, topic);
      }
    }
  });
});
