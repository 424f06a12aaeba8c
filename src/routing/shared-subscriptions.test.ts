import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SharedSubscriptions } from "./shared-subscriptions.js";

/** "shareGroup filter" of every group matching `topic`, sorted. */
function matchingGroups<K, V>(shared: SharedSubscriptions<K, V>, topic: string): string[] {
  const found: string[] = [];
  shared.match(topic, (shareGroup, _group, filter) => found.push(`${shareGroup} ${filter}`));
  return found.sort();
}

describe("SharedSubscriptions.subscribe()", () => {
  it("creates a group per (ShareName, filter) and counts memberships", () => {
    const shared = new SharedSubscriptions<string, number>();
    assert.equal(shared.subscribe("g1", "sport/tennis/+", "c1", 1), true);
    assert.equal(shared.subscribe("g1", "sport/tennis/+", "c2", 1), true);
    assert.equal(shared.subscribe("g1", "sport/tennis/+", "c1", 2), false); // re-subscribe: same membership
    assert.equal(shared.subscribe("g2", "sport/tennis/+", "c1", 1), true);
    assert.equal(shared.subscribe("g1", "sport/#", "c1", 1), true);
    assert.equal(shared.size, 4);
    assert.equal(shared.groupCount, 3);
    assert.equal(shared.group("g1", "sport/tennis/+")?.get("c1"), 2);
    assert.equal(shared.group("g1", "sport/tennis/+")?.size, 2);
    assert.equal(shared.group("g3", "sport/tennis/+"), undefined);
  });

  it("names each group by its ShareName and filter", () => {
    const shared = new SharedSubscriptions<string, number>();
    shared.subscribe("g1", "$t/acme/a/+", "c1", 1);
    const group = shared.group("g1", "$t/acme/a/+");
    assert.ok(group !== undefined);
    assert.equal(group.shareName, "g1");
    assert.equal(group.filter, "$t/acme/a/+");
    assert.equal(group.topicFilter, "$share/g1/$t/acme/a/+", "as its members subscribed (mounted)");
  });

  it("throws a RangeError for an invalid filter without creating a group", () => {
    const shared = new SharedSubscriptions<string, number>();
    assert.throws(() => shared.subscribe("g", "a/#/b", "c", 1), RangeError);
    assert.equal(shared.groupCount, 0);
    assert.equal(shared.size, 0);
    assert.equal(shared.nodeCount, 0);
  });
});

describe("SharedSubscriptions.match()", () => {
  it("visits each matching group once, however many members it has (4.8.2 example)", () => {
    const shared = new SharedSubscriptions<string, number>();
    shared.subscribe("consumer1", "sport/tennis/+", "a", 0);
    shared.subscribe("consumer1", "sport/tennis/+", "b", 0);
    shared.subscribe("consumer2", "sport/tennis/+", "c", 0);
    shared.subscribe("consumer1", "sport/#", "a", 0);
    shared.subscribe("consumer1", "other", "a", 0);
    assert.deepEqual(matchingGroups(shared, "sport/tennis/player1"), [
      "consumer1 sport/#",
      "consumer1 sport/tennis/+",
      "consumer2 sport/tennis/+",
    ]);
  });

  it("lets the broker pick one member per group in round robin", () => {
    const shared = new SharedSubscriptions<string, number>();
    for (const key of ["a", "b", "c"]) shared.subscribe("workers", "jobs/+", key, 0);
    const chosen: string[] = [];
    for (let i = 0; i < 6; i++) {
      shared.match("jobs/1", (_shareGroup, group) => {
        const pick = group.pick(() => true);
        if (pick !== undefined) chosen.push(pick[0]);
      });
    }
    assert.deepEqual(chosen, ["a", "b", "c", "a", "b", "c"]);
  });

  it('applies the "$" rule to the filter after the ShareName [MQTT-4.7.2-1]', () => {
    const shared = new SharedSubscriptions<string, number>();
    shared.subscribe("g", "#", "c", 0);
    shared.subscribe("g", "$SYS/#", "c", 0);
    assert.deepEqual(matchingGroups(shared, "$SYS/uptime"), ["g $SYS/#"]);
    assert.deepEqual(matchingGroups(shared, "a/b"), ["g #"]);
  });
});

describe("SharedSubscriptions.unsubscribe()", () => {
  it("removes the member, then the group when it empties, pruning the index", () => {
    const shared = new SharedSubscriptions<string, number>();
    shared.subscribe("g", "a/+/c", "c1", 0);
    shared.subscribe("g", "a/+/c", "c2", 0);
    shared.subscribe("h", "a/+/c", "c1", 0);
    assert.equal(shared.unsubscribe("g", "a/+/c", "c3"), false);
    assert.equal(shared.unsubscribe("x", "a/+/c", "c1"), false);
    assert.equal(shared.unsubscribe("g", "a/+/c", "c1"), true);
    assert.deepEqual(matchingGroups(shared, "a/b/c"), ["g a/+/c", "h a/+/c"]);
    assert.equal(shared.unsubscribe("g", "a/+/c", "c2"), true);
    assert.deepEqual(matchingGroups(shared, "a/b/c"), ["h a/+/c"]);
    assert.equal(shared.groupCount, 1);
    assert.equal(shared.unsubscribe("h", "a/+/c", "c1"), true);
    assert.equal(shared.size, 0);
    assert.equal(shared.groupCount, 0);
    assert.equal(shared.nodeCount, 0);
    assert.deepEqual(matchingGroups(shared, "a/b/c"), []);
  });
});
