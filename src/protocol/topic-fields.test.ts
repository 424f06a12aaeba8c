import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  MAX_FIELD_TOPIC_LENGTH,
  TOPIC_FIELDS_PAUSE,
  TOPIC_FIELDS_WINDOW,
  TopicFields,
} from "./topic-fields.js";

/** The Topic Name field written out plainly: two-byte length, then the UTF-8 bytes (TextEncoder). */
function reference(topic: string): Uint8Array {
  const bytes = new TextEncoder().encode(topic);
  return Uint8Array.from([bytes.length >> 8, bytes.length & 0xff, ...bytes]);
}

describe("TopicFields", () => {
  it("marks a topic's first sighting, makes its field on the second and serves that same field after", () => {
    const fields = new TopicFields();
    assert.equal(fields.field("devices/d1/meta/temperature"), undefined);
    const made = fields.field("devices/d1/meta/temperature");
    assert.deepEqual(made?.bytes, reference("devices/d1/meta/temperature"));
    assert.equal(fields.field("devices/d1/meta/temperature"), made, "the very same bytes object");
    assert.equal(fields.size, 1);
  });

  it("keeps the UTF-8 of non-ASCII topics (lone surrogates as U+FFFD, as the encoder writes them)", () => {
    for (const topic of ["café/température", "温度/传感器/1", "sensors/🌡️/1", "lone/\ud800/x", ""]) {
      const fields = new TopicFields();
      fields.field(topic);
      const field = fields.field(topic);
      const expected = topic.includes("\ud800")
        ? reference(topic.replace("\ud800", "\ufffd"))
        : reference(topic);
      assert.deepEqual(field?.bytes, expected, JSON.stringify(topic));
    }
  });

  it(`does not keep topics longer than ${MAX_FIELD_TOPIC_LENGTH} characters`, () => {
    const fields = new TopicFields();
    const long = "a".repeat(MAX_FIELD_TOPIC_LENGTH + 1);
    for (let i = 0; i < 3; i++) assert.equal(fields.field(long), undefined);
    const atLimit = "é".repeat(MAX_FIELD_TOPIC_LENGTH);
    fields.field(atLimit);
    assert.deepEqual(fields.field(atLimit)?.bytes, reference(atLimit));
  });

  it("starts again when full", () => {
    const fields = new TopicFields(4);
    for (let i = 0; i < 4; i++) fields.field(`t/${i}`);
    assert.equal(fields.size, 4);
    fields.field("t/new");
    assert.equal(fields.size, 1, "cleared, then the new topic marked");
    assert.equal(fields.field("t/0"), undefined, "forgotten: a first sighting again");
  });

  it("pauses its lookups after a window in which fewer than half hit, then resumes", () => {
    const fields = new TopicFields(1_000_000);
    for (let i = 0; i < TOPIC_FIELDS_WINDOW; i++) fields.field(`unique/${i}`);
    assert.equal(fields.paused, true);
    fields.field("kept");
    for (let i = 1; i < TOPIC_FIELDS_PAUSE; i++) assert.equal(fields.field("kept"), undefined);
    assert.equal(fields.paused, false);
    assert.equal(fields.field("kept"), undefined, "the first sighting after the pause");
    assert.deepEqual(fields.field("kept")?.bytes, reference("kept"));
  });

  it("does not pause while most lookups hit", () => {
    const fields = new TopicFields();
    for (let i = 0; i < 3 * TOPIC_FIELDS_WINDOW; i++) fields.field(`t/${i % 5}`);
    assert.equal(fields.paused, false);
    assert.deepEqual(fields.field("t/3")?.bytes, reference("t/3"));
  });
});
