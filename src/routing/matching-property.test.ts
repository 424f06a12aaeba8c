/**
 * Randomized comparison of the routing indexes against the reference matcher `topicMatches()`.
 * The seed is printed as a test diagnostic; rerun a failure with `SEED=<seed> npm test -- matching-property`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { topicMatches } from "../protocol/topic.js";
import { RetainedIndex } from "./retained-index.js";
import { SharedSubscriptions } from "./shared-subscriptions.js";
import { TopicTrie } from "./topic-trie.js";

const SEED =
  process.env["SEED"] === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env["SEED"]);
const ROUNDS = 25;

/** mulberry32: a small seeded PRNG, so failures reproduce from the seed. */
function prng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

/** Few, short levels so that filters and topics collide often; includes empty and "$" levels. */
const LEVELS = ["a", "b", "c", "", "$s", "a$", "A"];

function randomTopic(random: (n: number) => number): string {
  const count = 1 + random(5);
  const topic = Array.from({ length: count }, () => LEVELS[random(LEVELS.length)]!).join("/");
  return topic === "" ? "/" : topic; // "" is not a topic name [MQTT-4.7.3-1]
}

function randomFilter(random: (n: number) => number): string {
  const count = 1 + random(5);
  const levels = Array.from({ length: count }, () =>
    random(4) === 0 ? "+" : LEVELS[random(LEVELS.length)]!,
  );
  const hash = random(5);
  if (hash === 0) levels[levels.length - 1] = "#";
  else if (hash === 1) levels.push("#");
  const filter = levels.join("/");
  return filter === "" ? "/" : filter; // "" is not a filter [MQTT-4.7.3-1]
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

describe("routing indexes agree with topicMatches()", () => {
  it("TopicTrie.match() visits exactly the matching (filter, key) entries", (t) => {
    t.diagnostic(`seed ${SEED}`);
    const random = prng(SEED);
    for (let round = 0; round < ROUNDS; round++) {
      const trie = new TopicTrie<number, string>();
      const live = new Map<string, string>(); // "filter key" -> value
      for (let i = 0; i < 150; i++) {
        const filter = randomFilter(random);
        const key = random(4);
        trie.add(filter, key, `${filter}|${key}`);
        live.set(`${filter} ${key}`, `${filter}|${key}`);
      }
      for (const phase of ["full", "after removals"]) {
        for (let i = 0; i < 150; i++) {
          const topic = randomTopic(random);
          const got: string[] = [];
          trie.match(topic, (key, value, filter) => {
            assert.equal(value, `${filter}|${key}`);
            got.push(`${filter} ${key}`);
          });
          const expected = [...live.keys()].filter((entry) =>
            topicMatches(entry.slice(0, entry.lastIndexOf(" ")), topic),
          );
          assert.deepEqual(
            sorted(got),
            sorted(expected),
            `seed ${SEED}, round ${round}, ${phase}, topic "${topic}"`,
          );
        }
        for (const entry of [...live.keys()]) {
          if (random(2) === 0) continue;
          const space = entry.lastIndexOf(" ");
          assert.equal(trie.remove(entry.slice(0, space), Number(entry.slice(space + 1))), true);
          live.delete(entry);
        }
      }
      const fresh = new TopicTrie<number, string>();
      for (const entry of live.keys()) {
        const space = entry.lastIndexOf(" ");
        fresh.add(entry.slice(0, space), Number(entry.slice(space + 1)), "");
      }
      assert.equal(trie.size, live.size, `seed ${SEED}`);
      assert.equal(trie.nodeCount, fresh.nodeCount, `seed ${SEED}: pruning left extra nodes`);
    }
  });

  it("RetainedIndex.match() finds exactly the matching topics", (t) => {
    t.diagnostic(`seed ${SEED}`);
    const random = prng(SEED ^ 0x5eed);
    for (let round = 0; round < ROUNDS; round++) {
      const index = new RetainedIndex<string>();
      const live = new Set<string>();
      for (let i = 0; i < 150; i++) {
        const topic = randomTopic(random);
        index.set(topic, topic);
        live.add(topic);
      }
      for (const phase of ["full", "after deletions"]) {
        for (let i = 0; i < 150; i++) {
          const filter = randomFilter(random);
          const got: string[] = [];
          index.match(filter, (topic, value) => {
            assert.equal(value, topic);
            got.push(topic);
          });
          const expected = [...live].filter((topic) => topicMatches(filter, topic));
          assert.deepEqual(
            sorted(got),
            sorted(expected),
            `seed ${SEED}, round ${round}, ${phase}, filter "${filter}"`,
          );
        }
        for (const topic of [...live]) {
          if (random(2) === 0) continue;
          assert.equal(index.delete(topic), true);
          live.delete(topic);
        }
      }
      const fresh = new RetainedIndex<string>();
      for (const topic of live) fresh.set(topic, topic);
      assert.equal(index.size, live.size, `seed ${SEED}`);
      assert.equal(index.nodeCount, fresh.nodeCount, `seed ${SEED}: pruning left extra nodes`);
    }
  });

  it("SharedSubscriptions.match() visits exactly the matching groups", (t) => {
    t.diagnostic(`seed ${SEED}`);
    const random = prng(SEED ^ 0xa11ce);
    for (let round = 0; round < ROUNDS; round++) {
      const shared = new SharedSubscriptions<number, number>();
      const groups = new Map<string, Set<number>>(); // "shareGroup filter" -> members
      for (let i = 0; i < 100; i++) {
        const shareGroup = `g${random(3)}`;
        const filter = randomFilter(random);
        const key = random(3);
        shared.subscribe(shareGroup, filter, key, 0);
        const id = `${shareGroup} ${filter}`;
        groups.set(id, (groups.get(id) ?? new Set()).add(key));
      }
      for (let i = 0; i < 100; i++) {
        const topic = randomTopic(random);
        const got: string[] = [];
        shared.match(topic, (shareGroup, group, filter) => {
          const id = `${shareGroup} ${filter}`;
          assert.deepEqual(
            sorted([...group].map(([key]) => String(key))),
            sorted([...groups.get(id)!].map(String)),
          );
          got.push(id);
        });
        const expected = [...groups.keys()].filter((id) =>
          topicMatches(id.slice(id.indexOf(" ") + 1), topic),
        );
        assert.deepEqual(sorted(got), sorted(expected), `seed ${SEED}, round ${round}, topic "${topic}"`);
      }
      for (const [id, members] of groups) {
        const space = id.indexOf(" ");
        for (const key of members) shared.unsubscribe(id.slice(0, space), id.slice(space + 1), key);
      }
      assert.equal(shared.size, 0);
      assert.equal(shared.nodeCount, 0, `seed ${SEED}`);
    }
  });
});
