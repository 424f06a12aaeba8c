import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SharedGroup } from "./shared-group.js";

const always = (): boolean => true;
const never = (): boolean => false;

/** Keys chosen by `count` picks. */
function picks(
  group: SharedGroup<string, number>,
  count: number,
  canAccept: (key: string) => boolean,
): string[] {
  return Array.from({ length: count }, () => group.pick(canAccept)?.[0] ?? "-");
}

function groupOf(...keys: string[]): SharedGroup<string, number> {
  const group = new SharedGroup<string, number>("g", "t/+");
  keys.forEach((key, i) => group.add(key, i));
  return group;
}

describe("SharedGroup.add()", () => {
  it("adds members in join order and replaces a member's value in place", () => {
    const group = new SharedGroup<string, number>("g", "t/+");
    assert.equal(group.add("a", 1), true);
    assert.equal(group.add("b", 2), true);
    assert.equal(group.add("a", 3), false);
    assert.equal(group.size, 2);
    assert.equal(group.get("a"), 3);
    assert.equal(group.has("b"), true);
    assert.equal(group.has("c"), false);
    assert.deepEqual(
      [...group],
      [
        ["a", 3],
        ["b", 2],
      ],
    );
  });
});

describe("SharedGroup.pick()", () => {
  it("returns undefined for an empty group", () => {
    assert.equal(new SharedGroup<string, number>("g", "t/+").pick(always), undefined);
  });

  it("returns the member's key and value", () => {
    const group = groupOf("a", "b");
    assert.deepEqual(group.pick(always), ["a", 0]);
    assert.deepEqual(group.pick(always), ["b", 1]);
  });

  it("goes round robin in join order", () => {
    assert.deepEqual(picks(groupOf("a", "b", "c"), 7, always), ["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("skips members that cannot accept and resumes after the one picked", () => {
    const group = groupOf("a", "b", "c", "d");
    assert.deepEqual(
      picks(group, 6, (key) => key !== "b"),
      ["a", "c", "d", "a", "c", "d"],
    );
    assert.deepEqual(picks(group, 3, always), ["a", "b", "c"]);
  });

  it("asks each member at most once per pick", () => {
    const group = groupOf("a", "b", "c");
    const asked: string[] = [];
    group.pick((key) => {
      asked.push(key);
      return key === "c";
    });
    assert.deepEqual(asked, ["a", "b", "c"]);
    asked.length = 0;
    group.pick((key) => {
      asked.push(key);
      return false;
    });
    assert.deepEqual(asked, ["a", "b", "c"]);
  });

  it("falls back to the next member in round-robin order when none can accept", () => {
    const group = groupOf("a", "b", "c");
    assert.deepEqual(picks(group, 4, never), ["a", "b", "c", "a"]);
    assert.deepEqual(picks(group, 2, always), ["b", "c"]);
  });

  it("spreads the fallback over members after a mix of skips", () => {
    const group = groupOf("a", "b", "c");
    let full = new Set<string>();
    const canAccept = (key: string): boolean => !full.has(key);
    assert.deepEqual(picks(group, 1, canAccept), ["a"]);
    full = new Set(["b", "c"]);
    assert.deepEqual(picks(group, 1, canAccept), ["a"]); // b and c skipped
    full = new Set(["a", "b", "c"]);
    assert.deepEqual(picks(group, 3, canAccept), ["b", "c", "a"]);
  });

  it("falls back to a member mayWait approves, in round-robin order, before one it does not", () => {
    const group = groupOf("offline-a", "busy-b", "offline-c", "busy-d");
    const online = (key: string): boolean => key.startsWith("busy");
    const chosen = Array.from({ length: 4 }, () => group.pick(never, online)?.[0]);
    assert.deepEqual(chosen, ["busy-b", "busy-d", "busy-b", "busy-d"]);
    // nobody approved: the next member in round-robin order, as without mayWait
    assert.deepEqual(
      Array.from({ length: 2 }, () => group.pick(never, () => false)?.[0]),
      ["offline-a", "busy-b"],
    );
  });

  it("gives a single member every message", () => {
    assert.deepEqual(picks(groupOf("solo"), 3, never), ["solo", "solo", "solo"]);
  });
});

describe("SharedGroup.remove()", () => {
  it("reports whether the key was a member", () => {
    const group = groupOf("a");
    assert.equal(group.remove("b"), false);
    assert.equal(group.remove("a"), true);
    assert.equal(group.remove("a"), false);
    assert.equal(group.size, 0);
    assert.equal(group.pick(always), undefined);
  });

  it("passes the turn of a removed member to the next one", () => {
    const group = groupOf("a", "b", "c");
    assert.deepEqual(picks(group, 1, always), ["a"]); // b is next
    group.remove("b");
    assert.deepEqual(picks(group, 3, always), ["c", "a", "c"]);
  });

  it("keeps the round-robin order when other members leave and join", () => {
    const group = groupOf("a", "b", "c");
    assert.deepEqual(picks(group, 2, always), ["a", "b"]); // c is next
    group.remove("a");
    group.add("d", 3);
    group.add("a", 4); // rejoins at the end
    assert.deepEqual(picks(group, 5, always), ["c", "d", "a", "b", "c"]);
    assert.deepEqual(
      [...group].map(([key]) => key),
      ["b", "c", "d", "a"],
    );
  });

  it("lets a group emptied and refilled start again", () => {
    const group = groupOf("a", "b");
    group.pick(always);
    group.remove("a");
    group.remove("b");
    group.add("x", 1);
    group.add("y", 2);
    assert.deepEqual(picks(group, 3, always), ["x", "y", "x"]);
  });
});
