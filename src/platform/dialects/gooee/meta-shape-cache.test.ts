/**
 * The shapes kept per device: learned on acceptance, kept while they fit, not learned for a while for
 * a device whose arrays keep changing layout, shared by the devices of one layout and scope; bounded.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetaShape, MetaSlots } from "./meta-shape.js";
import { MetaShapeCache } from "./meta-shape-cache.js";

const encoder = new TextEncoder();
const TEXT = '[{"name":"co2","value":612,"timestamp":"2016-08-09T20:00:47Z"}]';
const learnText = (text: string) => (): MetaShape | undefined =>
  MetaShape.learn(encoder.encode(text), JSON.parse(text) as unknown[], () => null);
const learn = learnText(TEXT);

/** `count` arrays read against `device`'s shape, each accepted. */
function fit(cache: MetaShapeCache, device: string, count: number): void {
  const entry = cache.entry(device)!;
  const slots = new MetaSlots();
  for (let i = 0; i < count; i++) {
    assert.equal(entry.shape!.read(encoder.encode(TEXT), slots), true);
    cache.fitted(entry);
  }
}

describe("MetaShapeCache", () => {
  it("keeps the shape learned from an accepted array while the arrays fit", () => {
    const cache = new MetaShapeCache();
    assert.equal(cache.shape("d"), undefined);
    cache.accepted("d", "t", learn);
    const shape = cache.shape("d");
    assert.ok(shape);
    fit(cache, "d", 1);
    assert.equal(cache.shape("d"), shape);
  });

  it("stops learning a device whose arrays miss 4 times in a row, for 256 publishes", () => {
    const cache = new MetaShapeCache();
    let learned = 0;
    const counting = (): MetaShape | undefined => {
      learned++;
      return learn();
    };
    cache.accepted("d", "t", counting); // learned
    for (let i = 0; i < 3; i++) cache.accepted("d", "t", counting); // misses 1..3: learned again each time
    assert.equal(learned, 4);
    cache.accepted("d", "t", counting); // the 4th miss in a row: paused
    assert.equal(cache.shape("d"), undefined);
    for (let i = 0; i < 256; i++) cache.accepted("d", "t", counting);
    assert.equal(learned, 4);
    cache.accepted("d", "t", counting);
    assert.equal(learned, 5);
    assert.ok(cache.shape("d"));
  });

  it("a fit between misses starts the count again", () => {
    const cache = new MetaShapeCache();
    cache.accepted("d", "t", learn);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) cache.accepted("d", "t", learn);
      fit(cache, "d", 1);
    }
    assert.ok(cache.shape("d"));
  });

  it("shares one shape between the devices of a layout and scope, not across scopes", () => {
    const cache = new MetaShapeCache();
    cache.accepted("a", "t1", learn);
    cache.accepted("b", "t1", learnText(TEXT.replace("612", '"x"')));
    cache.accepted("c", "t2", learn);
    cache.accepted("d", "t1", learnText(TEXT.replace("co2", "als")));
    assert.equal(cache.shape("a"), cache.shape("b"));
    assert.notEqual(cache.shape("a"), cache.shape("c"));
    assert.notEqual(cache.shape("a"), cache.shape("d"));
    assert.equal(cache.layouts, 3);
    // each device keeps its own check of the registry
    cache.entry("a")!.checkedGeneration = 7;
    assert.equal(cache.entry("b")!.checkedGeneration, -1);
  });

  it("starts again when full", () => {
    const cache = new MetaShapeCache({ capacity: 2 });
    cache.accepted("a", "t", learn);
    cache.accepted("b", "t", learn);
    assert.equal(cache.size, 2);
    cache.accepted("c", "t", learn);
    assert.equal(cache.size, 1);
    assert.equal(cache.shape("a"), undefined);
    assert.ok(cache.shape("c"));
    // layouts count too
    const layouts = new MetaShapeCache({ capacity: 2 });
    layouts.accepted("a", "t1", learn);
    layouts.accepted("a", "t2", learn);
    layouts.accepted("a", "t3", learn);
    assert.equal(layouts.layouts, 1);
    assert.equal(layouts.size, 1);
  });
});
