/**
 * Retained messages past their Message Expiry Interval are removed when it passes, from memory and
 * the store, not only when a subscription meets them: the count ($SYS) and the memory they held are
 * right without any subscriber.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, delay, RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

describe("retained messages expire on time", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-retained-expiry-"));
  let broker: TestBroker | undefined;
  after(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("[MQTT-3.3.2-5] one past its expiry is deleted from memory and the file; one replaced keeps the new one's expiry", async () => {
    broker = await startTestBroker({ config: { storage: { kind: "sqlite", path: dir, commitInterval: 2 } } });
    const client = await RawClient.connected(broker.port, { protocolVersion: 5 });
    const retain = (topic: string, payload: string, expiry?: number): void =>
      client.send({
        type: PacketType.PUBLISH,
        topic,
        payload: bytes(payload),
        qos: 0,
        retain: true,
        dup: false,
        ...(expiry === undefined ? {} : { properties: { messageExpiryInterval: expiry } }),
      });
    retain("exp/short", "gone soon", 1);
    retain("exp/replaced", "first", 1);
    retain("exp/replaced", "second", 60);
    retain("exp/forever", "stays");
    await delay(200);
    const retained = broker.broker.retained;
    assert.equal(retained.size, 3);
    await delay(1300);
    assert.equal(retained.get("exp/short"), undefined, "removed without a subscriber meeting it");
    assert.equal(retained.size, 2);
    await broker.broker.store.commit();
    const stored = [...(await broker.broker.store.load()).retained.keys()].sort();
    assert.deepEqual(stored, ["exp/forever", "exp/replaced"]);
    client.destroy();
  });
});
