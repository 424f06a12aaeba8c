import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { topicMatches } from "../protocol/topic.js";
import { INDEX_THRESHOLD } from "./trie-node.js";
import { TopicTrie } from "./topic-trie.js";

/** The (filter, key) pairs a match visits, sorted, failing on a pair visited twice. */
function matches<K, V>(trie: TopicTrie<K, V>, topic: string): string[] {
  const seen: string[] = [];
  trie.match(topic, (key, _value, filter) => {
    const pair = `${filter} -> ${String(key)}`;
    assert.ok(!seen.includes(pair), `visited twice: ${pair}`);
    seen.push(pair);
  });
  return seen.sort();
}

/** Filters from the examples of spec section 4.7, plus edge cases around empty levels and "$". */
const SPEC_FILTERS = [
  "sport/tennis/player1/#",
  "sport/tennis/player1",
  "sport/#",
  "#",
  "sport/tennis/#",
  "sport/tennis/+",
  "sport/+",
  "+",
  "+/tennis/#",
  "sport/+/player1",
  "+/+",
  "/+",
  "/finance",
  "+/monitor/Clients",
  "$SYS/#",
  "$SYS/monitor/+",
  "$SYS",
  "/",
  "/#",
  "+/",
  "a/+/#",
  "a/b/+/#",
  "ACCOUNTS",
];

const SPEC_TOPICS = [
  "sport",
  "sport/",
  "sport/tennis",
  "sport/tennis/player1",
  "sport/tennis/player2",
  "sport/tennis/player1/ranking",
  "sport/tennis/player1/score/wimbledon",
  "/finance",
  "finance",
  "/",
  "//",
  "$SYS",
  "$SYS/monitor/Clients",
  "$SYS/broker/uptime",
  "a/b",
  "a/b/c",
  "Accounts",
  "ACCOUNTS",
];

describe("TopicTrie.add()", () => {
  it("returns true for a new entry and false when it replaces a value", () => {
    const trie = new TopicTrie<string, number>();
    assert.equal(trie.add("a/+", "c1", 1), true);
    assert.equal(trie.add("a/+", "c1", 2), false);
    assert.equal(trie.add("a/+", "c2", 3), true);
    assert.equal(trie.add("a/#", "c1", 4), true);
    assert.equal(trie.size, 3);
    assert.equal(trie.filterCount, 2);
    assert.equal(trie.get("a/+", "c1"), 2);
    assert.equal(trie.get("a/+", "c2"), 3);
    assert.equal(trie.get("a/#", "c1"), 4);
    assert.equal(trie.get("a/#", "c2"), undefined);
    assert.equal(trie.get("a", "c1"), undefined);
    assert.equal(trie.get("a/b", "c1"), undefined);
  });

  it("throws a RangeError for an invalid filter and leaves the trie unchanged", () => {
    const trie = new TopicTrie<string, number>();
    for (const filter of ["", "a/#/b", "sport+", "a\u0000"]) {
      assert.throws(() => trie.add(filter, "c", 1), RangeError, filter);
    }
    assert.throws(() => trie.add("a/#/b", "c", 1), {
      message: 'Cannot add a subscription: Topic filter "a/#/b" must have "#" only as its last level',
    });
    assert.equal(trie.size, 0);
    assert.equal(trie.nodeCount, 0);
  });
});

describe("TopicTrie.match()", () => {
  it("matches the spec's examples (4.7) exactly as topicMatches() does", () => {
    const trie = new TopicTrie<string, string>();
    for (const filter of SPEC_FILTERS) trie.add(filter, "c", filter);
    for (const topic of SPEC_TOPICS) {
      const expected = SPEC_FILTERS.filter((f) => topicMatches(f, topic))
        .map((f) => `${f} -> c`)
        .sort();
      assert.deepEqual(matches(trie, topic), expected, topic);
    }
  });

  it('matches "sport/tennis/player1/#" with the parent and any child levels', () => {
    const trie = new TopicTrie<string, number>();
    trie.add("sport/tennis/player1/#", "c", 1);
    assert.equal(matches(trie, "sport/tennis/player1").length, 1);
    assert.equal(matches(trie, "sport/tennis/player1/ranking").length, 1);
    assert.equal(matches(trie, "sport/tennis/player1/score/wimbledon").length, 1);
    assert.equal(matches(trie, "sport/tennis").length, 0);
    assert.equal(matches(trie, "sport/tennis/player10").length, 0);
  });

  it('matches "/finance" with "+/+" and "/+" but not "+"', () => {
    const trie = new TopicTrie<string, number>();
    for (const filter of ["+/+", "/+", "+"]) trie.add(filter, "c", 1);
    assert.deepEqual(matches(trie, "/finance"), ["+/+ -> c", "/+ -> c"]);
  });

  it('skips "$" topics for filters starting with a wildcard [MQTT-4.7.2-1]', () => {
    const trie = new TopicTrie<string, number>();
    for (const filter of ["#", "+/monitor/Clients", "+", "+/#", "$SYS/#", "$SYS/monitor/+"]) {
      trie.add(filter, "c", 1);
    }
    assert.deepEqual(matches(trie, "$SYS/monitor/Clients"), ["$SYS/# -> c", "$SYS/monitor/+ -> c"]);
    assert.deepEqual(matches(trie, "$SYS"), ["$SYS/# -> c"]);
    assert.deepEqual(matches(trie, "other/monitor/Clients"), [
      "# -> c",
      "+/# -> c",
      "+/monitor/Clients -> c",
    ]);
  });

  it("visits each subscriber of each matching filter once, with its value and filter", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("a/b", "c1", 1);
    trie.add("a/b", "c2", 2);
    trie.add("a/+", "c1", 3);
    trie.add("#", "c3", 4);
    trie.add("a/c", "c4", 5);
    const visits: [string, number, string][] = [];
    trie.match("a/b", (key, value, filter) => visits.push([key, value, filter]));
    assert.deepEqual(
      visits.sort((x, y) => x[1] - y[1]),
      [
        ["c1", 1, "a/b"],
        ["c2", 2, "a/b"],
        ["c1", 3, "a/+"],
        ["c3", 4, "#"],
      ],
    );
  });

  it("keeps every subscriber of a filter with many entries, across removals", () => {
    const trie = new TopicTrie<number, number>();
    const count = INDEX_THRESHOLD * 4;
    for (let i = 0; i < count; i++) trie.add("fan/out", i, i * 10);
    for (let i = 0; i < count; i += 3) assert.equal(trie.remove("fan/out", i), true);
    const seen = new Map<number, number>();
    trie.match("fan/out", (key, value) => seen.set(key, value));
    for (let i = 0; i < count; i++) {
      assert.equal(seen.get(i), i % 3 === 0 ? undefined : i * 10, `key ${i}`);
      assert.equal(trie.get("fan/out", i), i % 3 === 0 ? undefined : i * 10, `key ${i}`);
    }
    for (let i = 0; i < count; i++) trie.remove("fan/out", i);
    assert.equal(trie.size, 0);
    assert.equal(trie.nodeCount, 0);
  });

  it("treats empty levels as levels", () => {
    const trie = new TopicTrie<string, number>();
    for (const filter of ["/", "+/+", "+", "//", "/#", "+/+/+"]) trie.add(filter, "c", 1);
    assert.deepEqual(matches(trie, "/"), ["+/+ -> c", "/ -> c", "/# -> c"]);
    assert.deepEqual(matches(trie, "//"), ["+/+/+ -> c", "/# -> c", "// -> c"]);
  });

  it("compares a single literal child in place, also when a second child comes and goes", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("$t/acme/bench/#", "a", 1);
    assert.deepEqual(matches(trie, "$t/acme/bench/3"), ["$t/acme/bench/# -> a"]);
    assert.deepEqual(matches(trie, "$t/acmf/bench/3"), []);
    assert.deepEqual(matches(trie, "$t/acm/bench/3"), []);
    assert.deepEqual(matches(trie, "$t/acmee/bench/3"), []);
    assert.deepEqual(matches(trie, "$t/acme"), []);
    trie.add("$t/other/bench/#", "b", 2);
    assert.deepEqual(matches(trie, "$t/acme/bench/3"), ["$t/acme/bench/# -> a"]);
    assert.deepEqual(matches(trie, "$t/other/bench/3"), ["$t/other/bench/# -> b"]);
    trie.remove("$t/acme/bench/#", "a");
    assert.deepEqual(matches(trie, "$t/acme/bench/3"), []);
    assert.deepEqual(matches(trie, "$t/other/bench/3"), ["$t/other/bench/# -> b"]);
    trie.remove("$t/other/bench/#", "b");
    assert.equal(trie.nodeCount, 0);
    trie.add("x/y", "c", 3);
    assert.deepEqual(matches(trie, "x/y"), ["x/y -> c"]);
  });

  it("handles topics with tens of thousands of levels without recursion", () => {
    const trie = new TopicTrie<string, number>();
    const levels = 30_000;
    trie.add(Array.from({ length: levels }, () => "+").join("/"), "plus", 1);
    trie.add(`${"a/".repeat(levels - 1)}#`, "hash", 2);
    const topic = Array.from({ length: levels }, () => "a").join("/");
    assert.deepEqual(matches(trie, topic), [
      `${"+/".repeat(levels - 1)}+ -> plus`,
      `${"a/".repeat(levels - 1)}# -> hash`,
    ]);
  });

  it("allows visit to call match on the same trie", () => {
    const trie = new TopicTrie<string, string>();
    trie.add("a/+", "c1", "x/y");
    trie.add("+/b", "c2", "x/y");
    trie.add("x/#", "c3", "");
    const outer: string[] = [];
    const inner: string[] = [];
    trie.match("a/b", (key, value) => {
      outer.push(key);
      if (value !== "") trie.match(value, (k) => inner.push(k));
    });
    assert.deepEqual(outer.sort(), ["c1", "c2"]);
    assert.deepEqual(inner, ["c3", "c3"]);
  });

  it("stays usable after visit throws", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("+/+", "c1", 1);
    trie.add("a/+", "c2", 2);
    trie.add("a/b", "c3", 3);
    assert.throws(() => {
      trie.match("a/b", () => {
        throw new Error("boom");
      });
    }, /boom/);
    assert.deepEqual(matches(trie, "a/b"), ["+/+ -> c1", "a/+ -> c2", "a/b -> c3"]);
  });
});

describe("TopicTrie.matchBelow()", () => {
  /** What matchBelow visits, sorted, failing on a pair visited twice. */
  function below<K, V>(trie: TopicTrie<K, V>, prefix: string, rest: string): string[] {
    const seen: string[] = [];
    trie.matchBelow(prefix, rest, (key, _value, filter) => {
      const pair = `${filter} -> ${String(key)}`;
      assert.ok(!seen.includes(pair), `visited twice: ${pair}`);
      seen.push(pair);
    });
    return seen.sort();
  }

  const TOPICS: readonly (readonly [string, string])[] = [
    ["$t/acme/", "bench/3"],
    ["$t/acme/", "bench"],
    ["$t/acme/", "other/x/y"],
    ["$t/beta/", "bench/3"],
    ["$td/acme/", "$SYS/x"],
    ["$t/acme/", "+x"],
  ];

  /** Checks every topic against match() of the joined topic. */
  function agrees(trie: TopicTrie<string, number>): void {
    for (const [prefix, rest] of TOPICS)
      assert.deepEqual(below(trie, prefix, rest), matches(trie, prefix + rest), `${prefix}${rest}`);
  }

  it("finds what match() finds for the joined topic, wildcards along the mount included", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("$t/acme/bench/#", "a", 1);
    trie.add("$t/acme/+", "b", 1);
    trie.add("$t/acme/#", "c", 1);
    trie.add("#", "root-hash", 1);
    trie.add("+/acme/bench/3", "root-plus", 1);
    trie.add("$td/acme/$SYS/#", "d", 1);
    agrees(trie);
    assert.deepEqual(below(trie, "$t/acme/", "bench/3"), ["$t/acme/# -> c", "$t/acme/bench/# -> a"]);
    // a wildcard between the root and the tenant's level: matched through the joined topic
    trie.add("$t/+/bench/3", "e", 1);
    agrees(trie);
    assert.ok(below(trie, "$t/beta/", "bench/3").includes("$t/+/bench/3 -> e"));
    trie.remove("$t/+/bench/3", "e");
    trie.add("$t/#", "f", 1);
    agrees(trie);
    trie.remove("$t/#", "f");
    trie.remove("$t/acme/bench/#", "a");
    trie.remove("$t/acme/+", "b");
    trie.remove("$t/acme/#", "c");
    agrees(trie);
    assert.deepEqual(below(trie, "$t/acme/", "bench/3"), []);
    trie.add("$t/acme/bench/3", "g", 1);
    assert.deepEqual(below(trie, "$t/acme/", "bench/3"), ["$t/acme/bench/3 -> g"]);
    agrees(trie);
  });

  it("matches the joined topic for a prefix without a leading $ or a closing /", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("+/bench/3", "a", 1);
    trie.add("acme/bench/#", "b", 1);
    assert.deepEqual(below(trie, "acme/", "bench/3"), ["+/bench/3 -> a", "acme/bench/# -> b"]);
    assert.deepEqual(below(trie, "acme", "/bench/3"), ["+/bench/3 -> a", "acme/bench/# -> b"]);
  });
});

describe("TopicTrie.remove()", () => {
  it("removes one entry and reports whether it existed", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("a/b", "c1", 1);
    trie.add("a/b", "c2", 2);
    assert.equal(trie.remove("a/b", "c1"), true);
    assert.equal(trie.remove("a/b", "c1"), false);
    assert.equal(trie.remove("a/c", "c2"), false);
    assert.equal(trie.remove("a/b/c", "c2"), false);
    assert.equal(trie.remove("a/#/b", "c2"), false);
    assert.deepEqual(matches(trie, "a/b"), ["a/b -> c2"]);
    assert.equal(trie.size, 1);
    assert.equal(trie.filterCount, 1);
  });

  it("prunes nodes left empty, keeping those other filters use", () => {
    const trie = new TopicTrie<string, number>();
    trie.add("a/b/c/d", "c", 1);
    trie.add("a/+/#", "c", 1);
    trie.add("a", "c", 1);
    assert.equal(trie.nodeCount, 6); // a, b, c, d, +, #: "a" serves all three filters
    trie.remove("a/b/c/d", "c");
    assert.equal(trie.nodeCount, 3); // a, +, #
    assert.deepEqual(matches(trie, "a/x/y"), ["a/+/# -> c"]);
    trie.remove("a/+/#", "c");
    assert.equal(trie.nodeCount, 1);
    trie.remove("a", "c");
    assert.equal(trie.nodeCount, 0);
    assert.equal(trie.size, 0);
    assert.equal(trie.filterCount, 0);
  });

  it("does not grow under subscribe/unsubscribe churn", () => {
    const trie = new TopicTrie<number, number>();
    const live = new Map<string, Set<number>>();
    const filters = ["s/+/t", "s/#", "+/x/#", "s/a/t", "s/b/t", "deep/a/b/c/d/e", "#", "s/+/+/+"];
    let state = 7;
    const next = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    for (let round = 0; round < 20_000; round++) {
      const filter = filters[next(filters.length)]!;
      const key = next(50);
      const keys = live.get(filter) ?? new Set<number>();
      if (keys.has(key)) {
        assert.equal(trie.remove(filter, key), true);
        keys.delete(key);
      } else {
        assert.equal(trie.add(filter, key, round), true);
        keys.add(key);
      }
      live.set(filter, keys);
    }
    const fresh = new TopicTrie<number, number>();
    for (const [filter, keys] of live) for (const key of keys) fresh.add(filter, key, 0);
    assert.equal(trie.size, fresh.size);
    assert.equal(trie.filterCount, fresh.filterCount);
    assert.equal(trie.nodeCount, fresh.nodeCount);
    for (const [filter, keys] of live) for (const key of keys) trie.remove(filter, key);
    assert.equal(trie.nodeCount, 0);
    assert.equal(trie.size, 0);
  });
});
