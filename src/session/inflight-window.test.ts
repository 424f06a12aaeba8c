import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApplicationMessage } from "./application-message.js";
import type { InflightDelivery } from "./delivery.js";
import { InflightWindow } from "./inflight-window.js";

const MESSAGE: ApplicationMessage = {
  id: 1,
  topic: "t",
  payload: new Uint8Array(0),
  qos: 1,
  retain: false,
  properties: undefined,
  createdAt: 0,
  expiresAt: undefined,
  publisherId: undefined,
};

function entry(packetId: number, qos: 1 | 2 = 1): InflightDelivery {
  return {
    message: MESSAGE,
    qos,
    retain: false,
    subscriptionIdentifiers: undefined,
    packetId,
    phase: "publish",
  };
}

describe("InflightWindow", () => {
  it("[MQTT-2.2.1-4] InflightWindow.allocateId() starts at 1 and counts up, never 0", () => {
    const w = new InflightWindow(10);
    assert.deepEqual([w.allocateId(), w.allocateId(), w.allocateId()], [1, 2, 3]);
  });

  it("[MQTT-2.2.1-4] InflightWindow.allocateId() skips identifiers that are in flight", () => {
    const w = new InflightWindow(10);
    w.add(entry(1));
    w.add(entry(2));
    w.add(entry(4));
    assert.equal(w.allocateId(), 3);
    assert.equal(w.allocateId(), 5);
    w.delete(2);
    // A freed id is not reused at once: allocation continues round the ring.
    assert.equal(w.allocateId(), 6);
  });

  it("[MQTT-2.2.1-4] InflightWindow.allocateId() wraps from 65535 to 1, skipping 0 and ids in use", () => {
    const w = new InflightWindow(65535);
    let last = 0;
    for (let i = 0; i < 65534; i++) last = w.allocateId();
    assert.equal(last, 65534);
    assert.equal(w.allocateId(), 65535);
    assert.equal(w.allocateId(), 1, "after 65535 comes 1, not 0");
    w.add(entry(2));
    w.add(entry(3));
    assert.equal(w.allocateId(), 4);
    // Walk the whole ring again: 0 never appears.
    for (let i = 0; i < 70000; i++) {
      const id = w.allocateId();
      assert.ok(id >= 1 && id <= 65535 && id !== 2 && id !== 3, `allocated ${id}`);
    }
  });

  it("[MQTT-2.2.1-4] InflightWindow.allocateId() finds the last free id and throws when all 65535 are in use", () => {
    const w = new InflightWindow(65535);
    for (let id = 1; id <= 65535; id++) if (id !== 40000) w.add(entry(id));
    assert.equal(w.allocateId(), 40000);
    w.add(entry(40000));
    assert.equal(w.size, 65535);
    assert.throws(() => w.allocateId(), RangeError);
  });

  it("InflightWindow.full is true once size reaches capacity; capacity can be changed", () => {
    const w = new InflightWindow(2);
    assert.equal(w.size, 0);
    assert.equal(w.full, false);
    w.add(entry(w.allocateId()));
    assert.equal(w.full, false);
    w.add(entry(w.allocateId()));
    assert.equal(w.size, 2);
    assert.equal(w.full, true);
    w.capacity = 3;
    assert.equal(w.full, false);
    w.capacity = 1;
    assert.equal(w.full, true, "above a lowered capacity the window is full");
    assert.equal(w.delete(1), true);
    assert.equal(w.full, true);
    assert.equal(w.delete(2), true);
    assert.equal(w.full, false);
  });

  it("InflightWindow get/delete/values/clear: lookup by packet id, insertion order kept", () => {
    const w = new InflightWindow(10);
    const a = entry(7);
    const b = entry(3, 2);
    const c = entry(5);
    w.add(a);
    w.add(b);
    w.add(c);
    assert.equal(w.get(3), b);
    assert.equal(w.get(4), undefined);
    assert.deepEqual(
      [...w.values()].map((e) => e.packetId),
      [7, 3, 5],
    );
    assert.equal(w.delete(4), false);
    assert.equal(w.delete(3), true);
    assert.equal(w.get(3), undefined);
    assert.deepEqual(
      [...w.values()].map((e) => e.packetId),
      [7, 5],
    );
    w.clear();
    assert.equal(w.size, 0);
    assert.deepEqual([...w.values()], []);
  });
});
