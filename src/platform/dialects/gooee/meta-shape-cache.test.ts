/**
 * The shapes kept per device: learned on acceptance, kept while they fit, and not learned for a while
 * for a device whose arrays keep changing layout; bounded.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetaShape } from "./meta-shape.js";
import { MetaShapeCache } from "./meta-shape-cache.js";

const TEXT = '[{"name":"co2","value":612,"timestamp":"2016-08-09T20:00:47Z"}]';
const learn = (): MetaShape | undefined => MetaShape.learn(TEXT, JSON.parse(TEXT) as unknown[], () => null);

describe("MetaShapeCache", () => {
  it("keeps the shape learned from an accepted array while the arrays fit", () => {
    const cache = new MetaShapeCache();
    assert.equal(cache.shape("d"), undefined);
    cache.accepted("d", learn);
    const shape = cache.shape("d");
    assert.ok(shape);
    cache.hit("d");
    assert.equal(cache.shape("d"), shape);
  });

  it("stops learning a device whose arrays miss 4 times in a row, for 256 publishes", () => {
    const cache = new MetaShapeCache();
    let learned = 0;
    const counting = (): MetaShape | undefined => {
      learned++;
      return learn();
    };
    cache.accepted("d", counting); // learned
    for (let i = 0; i < 3; i++) cache.accepted("d", counting); // misses 1..3: learned again each time
    assert.equal(learned, 4);
    cache.accepted("d", counting); // the 4th miss in a row: paused
    assert.equal(cache.shape("d"), undefined);
    for (let i = 0; i < 256; i++) cache.accepted("d", counting);
    assert.equal(learned, 4);
    cache.accepted("d", counting);
    assert.equal(learned, 5);
    assert.ok(cache.shape("d"));
  });

  it("a hit between misses starts the count again", () => {
    const cache = new MetaShapeCache();
    cache.accepted("d", learn);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) cache.accepted("d", learn);
      cache.hit("d");
    }
    assert.ok(cache.shape("d"));
  });

  it("starts again when full", () => {
    const cache = new MetaShapeCache(2);
    cache.accepted("a", learn);
    cache.accepted("b", learn);
    assert.equal(cache.size, 2);
    cache.accepted("c", learn);
    assert.equal(cache.size, 1);
    assert.equal(cache.shape("a"), undefined);
    assert.ok(cache.shape("c"));
  });
});
