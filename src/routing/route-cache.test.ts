import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { MAX_CACHED_TOPIC_LENGTH, ROUTE_CACHE_PAUSE, ROUTE_CACHE_WINDOW, RouteCache } from "./route-cache.js";

/** Looks `topic` up and stores `route` when asked to record; returns what the lookup answered. */
function see<R extends object>(
  cache: RouteCache<R>,
  prefix: string | undefined,
  topic: string,
  route: R,
): R | null | undefined {
  const generation = cache.generation;
  const found = cache.lookup(prefix, topic);
  if (found === null) cache.store(prefix, topic, route, generation);
  return found;
}

describe("RouteCache", () => {
  it("never remembers a topic longer than MAX_CACHED_TOPIC_LENGTH: unique long topics pin no memory", () => {
    const cache = new RouteCache<{ id: number }>();
    const route = { id: 1 };
    const long = "x/" + "a".repeat(MAX_CACHED_TOPIC_LENGTH);
    for (let i = 0; i < 3; i++) assert.equal(see(cache, undefined, long, route), undefined);
    for (let i = 0; i < 3; i++) assert.equal(see(cache, "$t/acme/", long, route), undefined);
    assert.equal(cache.size, 0);
    const atLimit = "a".repeat(MAX_CACHED_TOPIC_LENGTH);
    for (let i = 0; i < 2; i++) see(cache, undefined, atLimit, route);
    assert.equal(cache.lookup(undefined, atLimit), route, "a topic at the limit is kept");
  });

  it("long topics do not count in the hit-rate window: they neither pause lookups nor keep them going", () => {
    const cache = new RouteCache<{ id: number }>();
    const long = "a".repeat(MAX_CACHED_TOPIC_LENGTH + 1);
    for (let i = 0; i < 4 * ROUTE_CACHE_WINDOW; i++) cache.lookup(undefined, `${long}${i}`);
    assert.equal(cache.paused, false);
    assert.equal(cache.size, 0);
  });

  it("marks a first sighting, asks to record on the second and serves from the third", () => {
    const cache = new RouteCache<{ id: number }>();
    const route = { id: 1 };
    assert.equal(cache.lookup(undefined, "a/b"), undefined);
    assert.equal(cache.lookup(undefined, "a/b"), null);
    cache.store(undefined, "a/b", route, cache.generation);
    assert.equal(cache.lookup(undefined, "a/b"), route);
    assert.equal(cache.lookup(undefined, "a/b"), route);
    assert.equal(cache.size, 1);
  });

  it("keeps mounted topics apart per mount prefix, and apart from plain topics", () => {
    const cache = new RouteCache<{ id: number }>();
    const acme = { id: 1 };
    const other = { id: 2 };
    const plain = { id: 3 };
    for (let i = 0; i < 3; i++) {
      see(cache, "$t/acme/", "x", acme);
      see(cache, "$t/other/", "x", other);
      see(cache, undefined, "x", plain);
    }
    assert.equal(cache.lookup("$t/acme/", "x"), acme);
    assert.equal(cache.lookup("$t/other/", "x"), other);
    assert.equal(cache.lookup(undefined, "x"), plain);
    assert.equal(cache.size, 3);
  });

  it("forgets everything on clear, and ignores a route recorded across a clear", () => {
    const cache = new RouteCache<{ id: number }>();
    see(cache, "$t/a/", "x", { id: 1 });
    see(cache, "$t/a/", "x", { id: 1 });
    cache.clear();
    assert.equal(cache.size, 0);
    assert.equal(cache.lookup("$t/a/", "x"), undefined, "a first sighting again");
    let generation = cache.generation;
    assert.equal(cache.lookup("$t/a/", "x"), null);
    cache.clear(); // a subscription changed while the route was being recorded
    cache.store("$t/a/", "x", { id: 2 }, generation);
    assert.equal(cache.lookup("$t/a/", "x"), undefined, "the stale route was not stored");
    // the topic marked again after the clear (a route made while this one was recorded): still not stored
    generation = cache.generation;
    assert.equal(cache.lookup("$t/a/", "x"), null);
    cache.clear();
    assert.equal(cache.lookup("$t/a/", "x"), undefined, "marked again in the new generation");
    cache.store("$t/a/", "x", { id: 3 }, generation);
    assert.equal(cache.lookup("$t/a/", "x"), null, "still only marked: the old recording was dropped");
  });

  it("remembers a route it was told not to keep as such: never asks to record it again", () => {
    const cache = new RouteCache<{ id: number }>();
    cache.lookup(undefined, "big");
    assert.equal(cache.lookup(undefined, "big"), null);
    cache.store(undefined, "big", undefined, cache.generation);
    for (let i = 0; i < 5; i++) assert.equal(cache.lookup(undefined, "big"), undefined);
  });

  it("remembers at most its capacity of topics, then starts again", () => {
    const cache = new RouteCache<{ id: number }>(4);
    for (let i = 0; i < 50; i++) {
      see(cache, i % 2 === 0 ? "$t/a/" : undefined, `t/${i}`, { id: i });
      assert.ok(cache.size <= 4, `size ${cache.size} <= 4`);
    }
    // a working set within the capacity is served
    const route = { id: 99 };
    for (let i = 0; i < 3; i++) see(cache, "$t/a/", "hot", route);
    assert.equal(cache.lookup("$t/a/", "hot"), route);
  });

  it("pauses lookups after a window in which fewer than half hit, then resumes with what it kept", () => {
    const cache = new RouteCache<{ id: number }>(ROUTE_CACHE_WINDOW * 4);
    const hot = { id: 1 };
    see(cache, undefined, "hot", hot);
    see(cache, undefined, "hot", hot);
    for (let i = 2; i < ROUTE_CACHE_WINDOW; i++)
      assert.equal(cache.lookup(undefined, `unique/${i}`), undefined);
    assert.equal(cache.paused, true);
    for (let i = 0; i < ROUTE_CACHE_PAUSE; i++) assert.equal(cache.lookup(undefined, "hot"), undefined);
    assert.equal(cache.paused, false);
    assert.equal(cache.lookup(undefined, "hot"), hot);
  });

  it("does not pause while most lookups hit", () => {
    const cache = new RouteCache<{ id: number }>();
    const routes = Array.from({ length: 10 }, (_, id) => ({ id }));
    for (let i = 0; i < ROUTE_CACHE_WINDOW * 3; i++) see(cache, "$t/a/", `t/${i % 10}`, routes[i % 10]!);
    assert.equal(cache.paused, false);
    assert.equal(cache.lookup("$t/a/", "t/3"), routes[3]);
  });
});
