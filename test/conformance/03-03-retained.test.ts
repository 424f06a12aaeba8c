/**
 * Retained messages (MQTT 5.0 section 3.3.1.3 and 3.8.3.1, MQTT 3.1.1 section 3.3.1.3): storing,
 * replacing and clearing them, sending them on subscribe with RETAIN set (also through wildcard filters,
 * at the lower of the stored and the granted QoS), the RETAIN flag of forwarded messages, Retain
 * Handling and Retain As Published (v5), and message expiry of retained messages (v5).
 *
 * The broker runs on a clock the tests can move forward, so expiry is tested without sleeping.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ProtocolVersion, type QoS } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { RawClient, text } from "../helpers/raw-client.js";
import {
  drain,
  payloads,
  publish,
  publishes,
  receive,
  sub,
  subscribe,
  unique,
  unsubscribe,
} from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

function label(version: ProtocolVersion): string {
  return version === 5 ? "v5" : "v3.1.1";
}

/** The tag for `version`: MQTT 5.0's or MQTT 3.1.1's. */
function tag(version: ProtocolVersion, v5: string, v311: string): string {
  return version === 5 ? v5 : v311;
}

function summary(p: PublishPacket): [topic: string, payload: string, qos: QoS, retain: boolean] {
  return [p.topic, text(p.payload), p.qos, p.retain];
}

describe("retained messages", () => {
  let broker: TestBroker;
  let clockOffset = 0;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ clock: () => Date.now() + clockOffset });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  async function connect(version: ProtocolVersion): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, { protocolVersion: version });
    clients.push(client);
    return client;
  }

  for (const version of [4, 5] as const) {
    const v = label(version);

    it(`${tag(version, "[MQTT-3.3.1-5] [MQTT-3.3.1-9]", "[MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8]")} a retained message is stored and sent to a new subscriber with RETAIN=1 (${v})`, async () => {
      const topic = unique("ret/set");
      const publisher = await connect(version);
      await publish(publisher, topic, "stored", { qos: 1, retain: true });
      publisher.destroy();
      const subscriber = await connect(version);
      assert.deepEqual((await subscribe(subscriber, [sub(topic, 1)])).reasonCodes, [1]);
      const p = await receive(subscriber);
      assert.deepEqual(summary(p), [topic, "stored", 1, true]);
      assert.deepEqual(await drain(subscriber), [], "one retained message per topic");
    });

    it(`${tag(version, "[MQTT-3.3.1-5]", "[MQTT-3.3.1-5] [MQTT-3.3.1-7]")} a new retained message replaces the stored one, and a QoS 0 one is kept (${v})`, async () => {
      const topic = unique("ret/replace");
      const publisher = await connect(version);
      await publish(publisher, topic, "first", { qos: 2, retain: true });
      await publish(publisher, topic, "second", { qos: 1, retain: true });
      await publish(publisher, topic, "third", { qos: 0, retain: true });
      await publish(publisher, unique("ret/flush"), "x", { qos: 1 }); // the QoS 0 publish has been handled
      const subscriber = await connect(version);
      await subscribe(subscriber, [sub(topic, 2)]);
      const got = publishes(await drain(subscriber));
      assert.deepEqual(got.map(summary), [[topic, "third", 0, true]]);
    });

    it(`${tag(version, "[MQTT-3.3.1-6] [MQTT-3.3.1-7]", "[MQTT-3.3.1-10] [MQTT-3.3.1-11]")} a retained PUBLISH with an empty payload clears the retained message and is still forwarded to current subscribers (${v})`, async () => {
      const topic = unique("ret/clear");
      const publisher = await connect(version);
      await publish(publisher, topic, "doomed", { qos: 1, retain: true });
      const current = await connect(version);
      await subscribe(current, [sub(topic, 1)]);
      assert.equal(text((await receive(current)).payload), "doomed");
      await publish(publisher, topic, "", { qos: 1, retain: true });
      const cleared = await receive(current);
      assert.equal(cleared.payload.byteLength, 0, "the empty message reaches the existing subscriber");
      assert.equal(cleared.retain, false, "processed as normal: RETAIN=0 on an established subscription");
      const late = await connect(version);
      await subscribe(late, [sub(topic, 1)]);
      assert.deepEqual(await drain(late), [], "no retained message after clearing");
    });

    it(`${tag(version, "[MQTT-3.3.1-6] [MQTT-3.3.1-7]", "[MQTT-3.3.1-10] [MQTT-3.3.1-11]")} an empty retained PUBLISH on a topic without a retained message is forwarded and not stored (${v})`, async () => {
      const topic = unique("ret/empty");
      const current = await connect(version);
      await subscribe(current, [sub(topic, 0)]);
      const publisher = await connect(version);
      await publish(publisher, topic, "", { qos: 1, retain: true });
      const p = await receive(current);
      assert.deepEqual(summary(p), [topic, "", 0, false]);
      const late = await connect(version);
      await subscribe(late, [sub(topic, 0)]);
      assert.deepEqual(await drain(late), [], "a zero-byte retained message is not stored");
    });

    it(`${tag(version, "[MQTT-3.3.1-8]", "[MQTT-3.3.1-12]")} a PUBLISH with RETAIN=0 neither stores, replaces nor removes the retained message (${v})`, async () => {
      const topic = unique("ret/keep");
      const other = unique("ret/never");
      const publisher = await connect(version);
      await publish(publisher, topic, "kept", { qos: 1, retain: true });
      await publish(publisher, topic, "live", { qos: 1 });
      await publish(publisher, topic, "", { qos: 1 });
      await publish(publisher, other, "not retained", { qos: 1 });
      const subscriber = await connect(version);
      await subscribe(subscriber, [sub(topic, 1), sub(other, 1)]);
      const got = publishes(await drain(subscriber));
      assert.deepEqual(got.map(summary), [[topic, "kept", 1, true]]);
    });

    it(`${tag(version, "[MQTT-3.3.1-12]", "[MQTT-3.3.1-9]")} a retained message forwarded to an established subscription has RETAIN=0${version === 5 ? " without Retain As Published" : ""} (${v})`, async () => {
      const topic = unique("ret/flag");
      const subscriber = await connect(version);
      await subscribe(subscriber, [sub(topic, 1)]);
      const publisher = await connect(version);
      await publish(publisher, topic, "r", { qos: 1, retain: true });
      const p = await receive(subscriber);
      assert.deepEqual(summary(p), [topic, "r", 1, false]);
    });

    it(`${tag(version, "[MQTT-3.3.1-9]", "[MQTT-3.3.1-6] [MQTT-3.3.1-8]")} retained messages of every topic matching a wildcard filter are sent once each with RETAIN=1 (${v})`, async () => {
      const base = unique("ret/wild");
      const publisher = await connect(version);
      const topics = [`${base}/a`, `${base}/b/c`, `${base}/d`, base];
      for (const topic of topics) await publish(publisher, topic, topic, { qos: 1, retain: true });
      await publish(publisher, `${base}x/a`, "outside", { qos: 1, retain: true });

      const all = await connect(version);
      await subscribe(all, [sub(`${base}/#`, 1)]);
      const gotAll = publishes(await drain(all));
      assert.deepEqual(gotAll.map((p) => text(p.payload)).sort(), [...topics].sort());
      assert.ok(
        gotAll.every((p) => p.retain && p.topic === text(p.payload)),
        "RETAIN=1 and the original topic",
      );

      const one = await connect(version);
      await subscribe(one, [sub(`${base}/+`, 1)]);
      assert.deepEqual(payloads(await drain(one)).sort(), [`${base}/a`, `${base}/d`]);
    });

    it(`${tag(version, "[MQTT-3.8.4-8]", "[MQTT-3.8.4-6]")} a retained message is sent at the lower of its stored QoS and the granted QoS (${v})`, async () => {
      const base = unique("ret/qos");
      const publisher = await connect(version);
      await publish(publisher, `${base}/2`, "two", { qos: 2, retain: true });
      await publish(publisher, `${base}/1`, "one", { qos: 1, retain: true });
      await publish(publisher, `${base}/0`, "zero", { qos: 0, retain: true });
      await publish(publisher, unique("ret/flush"), "x", { qos: 1 });
      for (const granted of [0, 1, 2] as const) {
        const subscriber = await connect(version);
        await subscribe(subscriber, [sub(`${base}/+`, granted)]);
        const got = publishes(await drain(subscriber));
        const qosByPayload = Object.fromEntries(got.map((p) => [text(p.payload), p.qos]));
        assert.deepEqual(
          qosByPayload,
          { two: Math.min(2, granted), one: Math.min(1, granted), zero: 0 },
          `granted QoS ${granted}`,
        );
        subscriber.destroy();
      }
    });

    it(`${tag(version, "[MQTT-3.8.4-4]", "[MQTT-3.8.4-3]")} subscribing again to the same filter sends the retained messages again${version === 5 ? " (Retain Handling 0)" : ""} (${v})`, async () => {
      const topic = unique("ret/resub");
      const publisher = await connect(version);
      await publish(publisher, topic, "again", { qos: 1, retain: true });
      const subscriber = await connect(version);
      await subscribe(subscriber, [sub(topic, 1)]);
      assert.deepEqual(payloads([await receive(subscriber)]), ["again"]);
      await subscribe(subscriber, [sub(topic, 1)]);
      const p = await receive(subscriber);
      assert.deepEqual(summary(p), [topic, "again", 1, true]);
    });

    it(`[MQTT-3.3.2-5] a retained message whose Message Expiry Interval has passed is not sent to new subscribers (${v} subscriber)`, async () => {
      const topic = unique("ret/expired");
      const publisher = await connect(5);
      await publish(publisher, topic, "short-lived", {
        qos: 1,
        retain: true,
        properties: { messageExpiryInterval: 5 },
      });
      const before = await connect(version);
      await subscribe(before, [sub(topic, 1)]);
      assert.deepEqual(payloads(await drain(before)), ["short-lived"], "still delivered before it expires");
      clockOffset += 6000;
      const subscriber = await connect(version);
      await subscribe(subscriber, [sub(topic, 1)]);
      assert.deepEqual(await drain(subscriber), [], "expired: not delivered");
    });

    it(`[spec 3.3.1.3] retained messages cross protocol versions: published by ${version === 5 ? "v3.1.1" : "v5"}, received by ${v} with RETAIN=1`, async () => {
      const topic = unique("ret/cross");
      const publisher = await connect(version === 5 ? 4 : 5);
      await publish(publisher, topic, "cross", { qos: 1, retain: true });
      const subscriber = await connect(version);
      await subscribe(subscriber, [sub(topic, 2)]);
      assert.deepEqual(summary(await receive(subscriber)), [topic, "cross", 1, true]);
    });
  }

  // ---- v5 only: Retain As Published, Retain Handling, expiry and properties ----

  it("[MQTT-3.3.1-13] Retain As Published keeps the RETAIN flag of forwarded messages as published (v5)", async () => {
    const topic = unique("ret/rap");
    const subscriber = await connect(5);
    await subscribe(subscriber, [sub(topic, 1, { retainAsPublished: true })]);
    const publisher = await connect(5);
    await publish(publisher, topic, "retained", { qos: 1, retain: true });
    await publish(publisher, topic, "plain", { qos: 1 });
    const got = [await receive(subscriber), await receive(subscriber)];
    assert.deepEqual(got.map(summary), [
      [topic, "retained", 1, true],
      [topic, "plain", 1, false],
    ]);
  });

  it("[MQTT-3.3.1-12] [MQTT-3.3.1-13] Retain As Published on one overlapping subscription and not the other (v5)", async () => {
    const base = unique("ret/rap-overlap");
    const rap = await connect(5);
    await subscribe(rap, [sub(`${base}/+`, 1, { retainAsPublished: true })]);
    const plain = await connect(5);
    await subscribe(plain, [sub(`${base}/+`, 1, { retainAsPublished: false })]);
    const publisher = await connect(5);
    await publish(publisher, `${base}/a`, "r", { qos: 1, retain: true });
    assert.equal((await receive(rap)).retain, true, "RAP=1 keeps RETAIN=1");
    assert.equal((await receive(plain)).retain, false, "RAP=0 sets RETAIN=0");
  });

  it("[spec 3.8.3.1] retained messages sent when a subscription is made have RETAIN=1 with or without Retain As Published (v5)", async () => {
    const topic = unique("ret/rap-sub");
    const publisher = await connect(5);
    await publish(publisher, topic, "r", { qos: 1, retain: true });
    for (const retainAsPublished of [false, true]) {
      const subscriber = await connect(5);
      await subscribe(subscriber, [sub(topic, 1, { retainAsPublished })]);
      assert.equal((await receive(subscriber)).retain, true, `Retain As Published ${retainAsPublished}`);
      subscriber.destroy();
    }
  });

  it("[MQTT-3.3.1-9] Retain Handling 0 sends the retained messages on every SUBSCRIBE (v5)", async () => {
    const topic = unique("ret/rh0");
    const publisher = await connect(5);
    await publish(publisher, topic, "rh0", { qos: 1, retain: true });
    const subscriber = await connect(5);
    for (let i = 0; i < 3; i++) {
      await subscribe(subscriber, [sub(topic, 1, { retainHandling: 0 })]);
      assert.deepEqual(summary(await receive(subscriber)), [topic, "rh0", 1, true], `SUBSCRIBE #${i + 1}`);
    }
  });

  it("[MQTT-3.3.1-10] Retain Handling 1 sends the retained messages only when the subscription is new (v5)", async () => {
    const topic = unique("ret/rh1");
    const publisher = await connect(5);
    await publish(publisher, topic, "rh1", { qos: 1, retain: true });
    const subscriber = await connect(5);
    await subscribe(subscriber, [sub(topic, 1, { retainHandling: 1 })]);
    assert.deepEqual(summary(await receive(subscriber)), [topic, "rh1", 1, true], "new subscription");
    await subscribe(subscriber, [sub(topic, 1, { retainHandling: 1 })]);
    assert.deepEqual(await drain(subscriber), [], "the subscription existed: nothing is sent");
    await unsubscribe(subscriber, [topic]);
    await subscribe(subscriber, [sub(topic, 1, { retainHandling: 1 })]);
    assert.deepEqual(payloads(await drain(subscriber)), ["rh1"], "new again after UNSUBSCRIBE");
  });

  it("[MQTT-3.3.1-10] [MQTT-3.8.4-5] Retain Handling 1 with the same filter twice in one SUBSCRIBE sends the retained message once (v5)", async () => {
    const topic = unique("ret/rh1-twice");
    const publisher = await connect(5);
    await publish(publisher, topic, "once", { qos: 1, retain: true });
    const subscriber = await connect(5);
    const suback = await subscribe(subscriber, [
      sub(topic, 1, { retainHandling: 1 }),
      sub(topic, 1, { retainHandling: 1 }),
    ]);
    assert.deepEqual(suback.reasonCodes, [1, 1]);
    assert.deepEqual(
      payloads(await drain(subscriber)),
      ["once"],
      "the second entry finds the subscription existing",
    );
  });

  it("[MQTT-3.3.1-10] Retain Handling 1 counts a subscription kept in a resumed session as existing, not one discarded by Clean Start (v5)", async () => {
    const topic = unique("ret/rh1-session");
    const clientId = unique("rh1");
    const publisher = await connect(5);
    await publish(publisher, topic, "kept", { qos: 1, retain: true });
    const first = await RawClient.connected(broker.port, {
      clientId,
      properties: { sessionExpiryInterval: 60 },
    });
    clients.push(first);
    await subscribe(first, [sub(topic, 1, { retainHandling: 1 })]);
    assert.deepEqual(payloads(await drain(first)), ["kept"]);
    await first.disconnect();

    const resumed = await RawClient.connected(broker.port, {
      clientId,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    });
    clients.push(resumed);
    await subscribe(resumed, [sub(topic, 1, { retainHandling: 1 })]);
    assert.deepEqual(await drain(resumed), [], "the session's subscription existed");
    await resumed.disconnect();

    const fresh = await RawClient.connected(broker.port, { clientId, cleanStart: true });
    clients.push(fresh);
    await subscribe(fresh, [sub(topic, 1, { retainHandling: 1 })]);
    assert.deepEqual(payloads(await drain(fresh)), ["kept"], "Clean Start discarded it: new again");
  });

  it("[MQTT-3.3.1-11] Retain Handling 2 never sends retained messages on subscribe but later messages flow (v5)", async () => {
    const topic = unique("ret/rh2");
    const publisher = await connect(5);
    await publish(publisher, topic, "rh2", { qos: 1, retain: true });
    const subscriber = await connect(5);
    await subscribe(subscriber, [sub(topic, 1, { retainHandling: 2 })]);
    assert.deepEqual(await drain(subscriber), [], "nothing on the new subscription");
    await subscribe(subscriber, [sub(topic, 1, { retainHandling: 2 })]);
    assert.deepEqual(await drain(subscriber), [], "nothing on the replacing subscription");
    await publish(publisher, topic, "live", { qos: 1 });
    assert.deepEqual(summary(await receive(subscriber)), [topic, "live", 1, false]);
  });

  it("[MQTT-3.3.2-6] a retained message is sent with its Message Expiry Interval minus the time it waited (v5)", async () => {
    const topic = unique("ret/expiry-left");
    const publisher = await connect(5);
    await publish(publisher, topic, "ticking", {
      qos: 1,
      retain: true,
      properties: { messageExpiryInterval: 60 },
    });
    clockOffset += 20_000;
    const subscriber = await connect(5);
    await subscribe(subscriber, [sub(topic, 1)]);
    const p = await receive(subscriber);
    const left = p.properties?.messageExpiryInterval;
    assert.ok(
      left !== undefined && left <= 40 && left >= 39,
      `expected about 40 s left, got ${String(left)}`,
    );
  });

  it("[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] a retained message keeps its properties unaltered (v5)", async () => {
    const topic = unique("ret/props");
    const publisher = await connect(5);
    const properties = {
      payloadFormatIndicator: true,
      contentType: "text/plain",
      responseTopic: "reply/here",
      correlationData: Uint8Array.from([1, 2, 3]),
      userProperties: [
        ["b", "2"],
        ["a", "1"],
        ["b", "3"],
      ] as [string, string][],
    };
    await publish(publisher, topic, "with props", { qos: 1, retain: true, properties });
    const subscriber = await connect(5);
    await subscribe(subscriber, [sub(topic, 1)]);
    const p = await receive(subscriber);
    assert.equal(p.properties?.payloadFormatIndicator, true);
    assert.equal(p.properties.contentType, "text/plain");
    assert.equal(p.properties.responseTopic, "reply/here");
    assert.deepEqual([...(p.properties.correlationData ?? [])], [1, 2, 3]);
    assert.deepEqual(p.properties.userProperties, properties.userProperties);
  });

  it("[MQTT-3.3.4-3] a retained message sent on subscribe carries the subscription's Subscription Identifier (v5)", async () => {
    const topic = unique("ret/subid");
    const publisher = await connect(5);
    await publish(publisher, topic, "id", { qos: 1, retain: true });
    const subscriber = await connect(5);
    await subscribe(subscriber, [sub(topic, 1)], { subscriptionIdentifiers: [42] });
    const p = await receive(subscriber);
    assert.deepEqual(p.properties?.subscriptionIdentifiers, [42]);
  });
});
