import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { topicMatches } from "../protocol/topic.js";
import { RetainedIndex } from "./retained-index.js";

/** Topics `filter` matches, sorted, failing on a topic visited twice. */
function matched<V>(index: RetainedIndex<V>, filter: string): string[] {
  const topics: string[] = [];
  index.match(filter, (topic) => {
    assert.ok(!topics.includes(topic), `visited twice: ${topic}`);
    topics.push(topic);
  });
  return topics.sort();
}

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
  "a/$SYS",
  "Accounts",
];

const SPEC_FILTERS = [
  "sport/tennis/player1/#",
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
  "+/monitor/Clients",
  "$SYS/#",
  "$SYS/monitor/+",
  "+/#",
  "/#",
  "//",
  "ACCOUNTS",
  "a/+",
];

describe("RetainedIndex.set()", () => {
  it("stores by exact topic and reports whether the topic is new", () => {
    const index = new RetainedIndex<string>();
    assert.equal(index.set("a/b", "one"), true);
    assert.equal(index.set("a/b", "two"), false);
    assert.equal(index.set("a", "parent"), true);
    assert.equal(index.size, 2);
    assert.equal(index.get("a/b"), "two");
    assert.equal(index.get("a"), "parent");
    assert.equal(index.get("a/b/c"), undefined);
    assert.equal(index.has("a/b"), true);
    assert.equal(index.has("a/c"), false);
  });

  it("throws a RangeError for an invalid topic name", () => {
    const index = new RetainedIndex<string>();
    for (const topic of ["", "a/+", "a/#", "a\u0000"])
      assert.throws(() => index.set(topic, "x"), RangeError, topic);
    assert.throws(() => index.set("a/+", "x"), {
      message: 'Cannot retain a message: Topic name "a/+" must not contain wildcards',
    });
    assert.equal(index.size, 0);
    assert.equal(index.nodeCount, 0);
  });
});

describe("RetainedIndex.match()", () => {
  it("finds the topics the spec's example filters match (4.7), as topicMatches() does", () => {
    const index = new RetainedIndex<number>();
    SPEC_TOPICS.forEach((topic, i) => index.set(topic, i));
    for (const filter of SPEC_FILTERS) {
      assert.deepEqual(
        matched(index, filter),
        SPEC_TOPICS.filter((t) => topicMatches(filter, t)).sort(),
        filter,
      );
    }
  });

  it('yields the parent level for "#" ("sport/#" matches "sport")', () => {
    const index = new RetainedIndex<number>();
    index.set("sport", 1);
    index.set("sport/tennis", 2);
    index.set("sports", 3);
    assert.deepEqual(matched(index, "sport/#"), ["sport", "sport/tennis"]);
  });

  it('skips "$" topics for filters starting with a wildcard [MQTT-4.7.2-1]', () => {
    const index = new RetainedIndex<number>();
    index.set("$SYS/monitor/Clients", 1);
    index.set("$SYS", 2);
    index.set("other/monitor/Clients", 3);
    assert.deepEqual(matched(index, "#"), ["other/monitor/Clients"]);
    assert.deepEqual(matched(index, "+/monitor/Clients"), ["other/monitor/Clients"]);
    assert.deepEqual(matched(index, "+"), []);
    assert.deepEqual(matched(index, "$SYS/#"), ["$SYS", "$SYS/monitor/Clients"]);
    assert.deepEqual(matched(index, "$SYS/monitor/+"), ["$SYS/monitor/Clients"]);
  });

  it("passes each topic's value", () => {
    const index = new RetainedIndex<number>();
    index.set("a/1", 1);
    index.set("a/2", 2);
    const seen = new Map<string, number>();
    index.match("a/+", (topic, value) => seen.set(topic, value));
    assert.deepEqual([...seen].sort(), [
      ["a/1", 1],
      ["a/2", 2],
    ]);
  });

  it("handles topics with tens of thousands of levels without recursion", () => {
    const index = new RetainedIndex<number>();
    const deep = Array.from({ length: 30_000 }, () => "a").join("/");
    index.set(deep, 1);
    assert.deepEqual(matched(index, "#"), [deep]);
    assert.deepEqual(matched(index, deep.replaceAll("a", "+")), [deep]);
  });
});

describe("RetainedIndex.delete()", () => {
  it("removes a value and reports whether there was one", () => {
    const index = new RetainedIndex<number>();
    index.set("a/b", 1);
    index.set("a", 2);
    assert.equal(index.delete("a/b/c"), false);
    assert.equal(index.delete("a/b"), true);
    assert.equal(index.delete("a/b"), false);
    assert.equal(index.get("a/b"), undefined);
    assert.equal(index.size, 1);
    assert.deepEqual(matched(index, "#"), ["a"]);
  });

  it("prunes nodes left empty, keeping those other topics use", () => {
    const index = new RetainedIndex<number>();
    index.set("a/b/c/d", 1);
    index.set("a/x", 2);
    assert.equal(index.nodeCount, 5);
    index.delete("a/b/c/d");
    assert.equal(index.nodeCount, 2);
    index.set("a", 3);
    index.delete("a/x");
    assert.equal(index.nodeCount, 1);
    index.delete("a");
    assert.equal(index.nodeCount, 0);
    assert.equal(index.size, 0);
  });

  it("does not grow under set/delete churn", () => {
    const index = new RetainedIndex<number>();
    for (let i = 0; i < 5_000; i++) {
      const topic = `device/${i % 97}/sensor/${i % 13}/reading`;
      if (index.has(topic)) index.delete(topic);
      else index.set(topic, i);
    }
    const fresh = new RetainedIndex<number>();
    index.match("#", (topic, value) => fresh.set(topic, value));
    assert.equal(index.nodeCount, fresh.nodeCount);
    fresh.match("#", (topic) => index.delete(topic));
    assert.equal(index.nodeCount, 0);
  });
});
