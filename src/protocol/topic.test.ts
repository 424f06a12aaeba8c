import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  isSystemTopic,
  MAX_TOPIC_BYTES,
  parseSubscriptionFilter,
  topicFilterError,
  topicMatches,
  topicNameError,
} from "./topic.js";

describe("topicNameError()", () => {
  it("accepts ordinary names, including empty levels, spaces and '$' names", () => {
    for (const topic of [
      "a",
      "/",
      "//",
      "/finance",
      "sport/tennis/player1",
      "a/b/ ",
      "$SYS/uptime",
      "ACCOUNTS",
    ]) {
      assert.equal(topicNameError(topic), undefined, topic);
    }
  });

  it("rejects the empty name [MQTT-4.7.3-1]", () => {
    assert.equal(topicNameError(""), "Topic name must not be empty");
  });

  it("rejects wildcards anywhere [MQTT-3.3.2-2] [MQTT-4.7.0-1]", () => {
    assert.equal(topicNameError("a/+/b"), 'Topic name "a/+/b" must not contain wildcards');
    for (const topic of ["#", "+", "/#", "a/b#", "sport+", "a/#/b"]) {
      assert.match(topicNameError(topic) ?? "", /must not contain wildcards$/, topic);
    }
  });

  it("rejects U+0000 [MQTT-4.7.3-2]", () => {
    assert.equal(
      topicNameError("a\u0000b"),
      'Topic name "a\\u0000b" must not contain the null character U+0000',
    );
  });

  it("rejects unpaired surrogates [MQTT-1.5.4-1]", () => {
    assert.equal(
      topicNameError("a/\ud800"),
      'Topic name "a/\\ud800" must not contain an unpaired surrogate (at index 2)',
    );
    assert.match(topicNameError("\udc00x") ?? "", /unpaired surrogate \(at index 0\)/);
    assert.match(topicNameError("\ud800\ud800") ?? "", /unpaired surrogate/);
    assert.equal(topicNameError("emoji/\u{1F600}"), undefined);
  });

  it("limits the UTF-8 length to 65,535 bytes [MQTT-4.7.3-3]", () => {
    assert.equal(topicNameError("a".repeat(MAX_TOPIC_BYTES)), undefined);
    assert.equal(
      topicNameError("a".repeat(MAX_TOPIC_BYTES + 1)),
      "Topic name must encode to at most 65535 bytes of UTF-8, not 65536",
    );
    // "é" is 2 bytes, "€" 3, an astral character 4 (two UTF-16 units).
    assert.equal(topicNameError("é".repeat(32_767) + "a"), undefined);
    assert.match(topicNameError("é".repeat(32_768)) ?? "", /not 65536$/);
    assert.match(topicNameError("€".repeat(21_846)) ?? "", /not 65538$/);
    assert.match(topicNameError("\u{1F600}".repeat(16_384)) ?? "", /not 65536$/);
    assert.equal(topicNameError("\u{1F600}".repeat(16_383) + "abc"), undefined);
  });

  it("shortens long values in messages", () => {
    const message = topicNameError(`${"x".repeat(100)}/+`) ?? "";
    assert.equal(message, `Topic name "${"x".repeat(64)}…" must not contain wildcards`);
  });

  it("accepts exactly the valid names over random ones (the ASCII fast path agrees with the rules)", () => {
    let seed = 11;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const pieces = [
      "a",
      "/",
      "Z",
      "0",
      " ",
      "\u007f",
      "\u0001",
      "\u0000",
      "#",
      "+",
      "é",
      "€",
      "\u{1F600}",
      "\ud800",
      "\udc00",
      "$",
    ];
    const unpaired = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    const encoder = new TextEncoder();
    let valid = 0;
    for (let n = 0; n < 20_000; n++) {
      let topic = "";
      for (let k = random(12); k > 0; k--) topic += pieces[random(pieces.length)]!;
      if (random(50) === 0) topic += "x".repeat(MAX_TOPIC_BYTES - random(4));
      const expected =
        topic.length > 0 &&
        !topic.includes("\u0000") &&
        !topic.includes("#") &&
        !topic.includes("+") &&
        !unpaired.test(topic) &&
        encoder.encode(topic).length <= MAX_TOPIC_BYTES;
      assert.equal(topicNameError(topic) === undefined, expected, JSON.stringify(topic.slice(0, 40)));
      if (expected) valid++;
    }
    assert.ok(valid > 1000 && valid < 19_000, `${valid} valid`);
  });
});

describe("topicFilterError()", () => {
  it("accepts the spec's valid filters (4.7.1)", () => {
    for (const filter of [
      "sport/tennis/player1/#",
      "sport/#",
      "#",
      "sport/tennis/#",
      "+",
      "+/tennis/#",
      "sport/+/player1",
      "/+",
      "+/+",
      "/finance",
      "+/",
      "/#",
      "+/+/+",
      "$SYS/#",
      "$share", // an ordinary filter when checked on its own
    ]) {
      assert.equal(topicFilterError(filter), undefined, filter);
    }
  });

  it("rejects the empty filter [MQTT-4.7.3-1]", () => {
    assert.equal(topicFilterError(""), "Topic filter must not be empty");
  });

  it('rejects "#" not alone in its level [MQTT-4.7.1-1]', () => {
    assert.equal(
      topicFilterError("sport/tennis#"),
      'Topic filter "sport/tennis#" must use "#" as a whole level, not within "tennis#"',
    );
    assert.match(topicFilterError("##") ?? "", /whole level/);
    assert.match(topicFilterError("+#") ?? "", /whole level/);
  });

  it('rejects "#" before the last level [MQTT-4.7.1-1]', () => {
    assert.equal(
      topicFilterError("sport/tennis/#/ranking"),
      'Topic filter "sport/tennis/#/ranking" must have "#" only as its last level',
    );
    assert.match(topicFilterError("#/") ?? "", /only as its last level/);
  });

  it('rejects "+" not alone in its level [MQTT-4.7.1-2]', () => {
    assert.equal(
      topicFilterError("sport+"),
      'Topic filter "sport+" must use "+" as a whole level, not within "sport+"',
    );
    assert.match(topicFilterError("/a+") ?? "", /not within "a\+"/);
    assert.match(topicFilterError("++/+") ?? "", /not within "\+\+"/);
  });

  it("rejects U+0000, unpaired surrogates and more than 65,535 bytes", () => {
    assert.match(topicFilterError("a/\u0000") ?? "", /null character U\+0000$/);
    assert.match(topicFilterError("a/\udfff/#") ?? "", /unpaired surrogate/);
    assert.equal(topicFilterError(`${"a".repeat(MAX_TOPIC_BYTES - 2)}/#`), undefined);
    assert.match(topicFilterError(`${"a".repeat(MAX_TOPIC_BYTES - 1)}/#`) ?? "", /not 65536$/);
  });
});

describe("parseSubscriptionFilter()", () => {
  it("returns ordinary filters unchanged", () => {
    assert.deepEqual(parseSubscriptionFilter("sport/+/player1"), {
      filter: "sport/+/player1",
      shareGroup: undefined,
    });
    assert.deepEqual(parseSubscriptionFilter("$SYS/#"), { filter: "$SYS/#", shareGroup: undefined });
  });

  it("reports invalid ordinary filters", () => {
    assert.deepEqual(parseSubscriptionFilter("a/#/b"), {
      error: 'Topic filter "a/#/b" must have "#" only as its last level',
    });
  });

  it("splits shared subscriptions (4.8.2)", () => {
    assert.deepEqual(parseSubscriptionFilter("$share/consumer1/sport/tennis/+"), {
      filter: "sport/tennis/+",
      shareGroup: "consumer1",
    });
    assert.deepEqual(parseSubscriptionFilter("$share/g/#"), { filter: "#", shareGroup: "g" });
    assert.deepEqual(parseSubscriptionFilter("$share/g//"), { filter: "/", shareGroup: "g" });
    assert.deepEqual(parseSubscriptionFilter("$share/$g/$SYS/+"), { filter: "$SYS/+", shareGroup: "$g" });
  });

  it('treats a first level that only starts with "$share" as an ordinary filter', () => {
    assert.deepEqual(parseSubscriptionFilter("$shared/a"), { filter: "$shared/a", shareGroup: undefined });
    assert.deepEqual(parseSubscriptionFilter("$sharegroup/a/#"), {
      filter: "$sharegroup/a/#",
      shareGroup: undefined,
    });
  });

  it('rejects "$share" without ShareName and filter [MQTT-4.8.2-1]', () => {
    assert.deepEqual(parseSubscriptionFilter("$share"), {
      error: 'Shared subscription "$share" must have the form "$share/<ShareName>/<filter>"',
    });
    assert.deepEqual(parseSubscriptionFilter("$share/"), {
      error: 'Shared subscription "$share/" must have a non-empty ShareName',
    });
    assert.deepEqual(parseSubscriptionFilter("$share//a"), {
      error: 'Shared subscription "$share//a" must have a non-empty ShareName',
    });
  });

  it("rejects a ShareName not followed by a topic filter [MQTT-4.8.2-2]", () => {
    for (const filter of ["$share/g", "$share/g/"]) {
      assert.deepEqual(parseSubscriptionFilter(filter), {
        error: `Shared subscription "${filter}" must have a topic filter after the ShareName`,
      });
    }
  });

  it('rejects "+" and "#" in the ShareName [MQTT-4.8.2-2]', () => {
    assert.deepEqual(parseSubscriptionFilter("$share/+/a"), {
      error: 'Shared subscription "$share/+/a" must not have "+" or "#" in its ShareName "+"',
    });
    assert.ok("error" in parseSubscriptionFilter("$share/g#/a"));
    assert.ok("error" in parseSubscriptionFilter("$share/#"));
  });

  it("rejects an invalid filter after the ShareName", () => {
    assert.deepEqual(parseSubscriptionFilter("$share/g/sport/tennis#"), {
      error:
        'Topic filter "sport/tennis#" of shared subscription "$share/g/sport/tennis#" must use "#" as a whole level, not within "tennis#"',
    });
    assert.match(
      (parseSubscriptionFilter("$share/g/#/a") as { error: string }).error,
      /only as its last level$/,
    );
  });

  it("rejects U+0000 and over-long shared subscriptions", () => {
    assert.match(
      (parseSubscriptionFilter("$share/g\u0000/a") as { error: string }).error,
      /null character U\+0000$/,
    );
    const inner = "a".repeat(MAX_TOPIC_BYTES - 9);
    assert.deepEqual(parseSubscriptionFilter(`$share/g/${inner}`), { filter: inner, shareGroup: "g" });
    assert.match(
      (parseSubscriptionFilter(`$share/g/${inner}a`) as { error: string }).error,
      /at most 65535 bytes of UTF-8, not 65536$/,
    );
  });
});

describe("isSystemTopic()", () => {
  it('is true exactly for topics starting with "$"', () => {
    assert.equal(isSystemTopic("$SYS/broker/uptime"), true);
    assert.equal(isSystemTopic("$"), true);
    assert.equal(isSystemTopic("a/$SYS"), false);
    assert.equal(isSystemTopic("/$SYS"), false);
    assert.equal(isSystemTopic(""), false);
  });
});

describe("topicMatches()", () => {
  const cases: [filter: string, topic: string, expected: boolean][] = [
    // 4.7.1.2 multi-level wildcard
    ["sport/tennis/player1/#", "sport/tennis/player1", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/ranking", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true],
    ["sport/#", "sport", true],
    ["#", "sport/tennis", true],
    ["#", "/", true],
    ["sport/tennis/#", "sport/tennis", true],
    ["sport/tennis/#", "sport/tennisplayer", false],
    // 4.7.1.3 single-level wildcard
    ["sport/tennis/+", "sport/tennis/player1", true],
    ["sport/tennis/+", "sport/tennis/player2", true],
    ["sport/tennis/+", "sport/tennis/player1/ranking", false],
    ["sport/+", "sport", false],
    ["sport/+", "sport/", true],
    ["+/tennis/#", "sport/tennis/player1", true],
    ["sport/+/player1", "sport/tennis/player1", true],
    ["+/+", "/finance", true],
    ["/+", "/finance", true],
    ["+", "/finance", false],
    ["+", "finance", true],
    ["a/+/#", "a/b", true],
    ["a/b/+/#", "a/b", false],
    // 4.7.2 topics beginning with "$" [MQTT-4.7.2-1]
    ["#", "$SYS/monitor/Clients", false],
    ["#", "$SYS", false],
    ["+", "$SYS", false],
    ["+/monitor/Clients", "$SYS/monitor/Clients", false],
    ["$SYS/#", "$SYS/monitor/Clients", true],
    ["$SYS/#", "$SYS", true],
    ["$SYS/monitor/+", "$SYS/monitor/Clients", true],
    ["a/#", "a/$SYS", true],
    ["+/$x", "a/$x", true],
    // 4.7.3 exact, case-sensitive, no normalisation [MQTT-4.7.3-4]
    ["ACCOUNTS", "Accounts", false],
    ["a/B", "a/b", false],
    ["/a", "a", false],
    ["a", "/a", false],
    ["a/b", "a/b/", false],
    ["hello/ Åke/", "hello/ Åke/", true],
    ["caf\u00e9", "cafe\u0301", false],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${expected ? "matches" : "does not match"} "${topic}" with "${filter}"`, () => {
      assert.equal(topicMatches(filter, topic), expected);
    });
  }
});
