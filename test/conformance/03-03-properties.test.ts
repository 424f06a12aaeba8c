/**
 * PUBLISH properties (spec 3.3.2.3): what is forwarded unaltered (Payload Format Indicator, Content
 * Type, Response Topic, Correlation Data, User Properties in order with duplicates), what is not, and
 * the Message Expiry Interval: expired messages are never sent and the interval is counted down.
 *
 * The expiry suite runs the broker on a clock the test moves forward, so no test sleeps.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import type { Properties, UserProperty } from "../../src/protocol/properties.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  Clients,
  nextPublish,
  payloads,
  persistent,
  publish,
  receive,
  sendPublish,
  subscribe,
  uid,
  VERSIONS,
  waitOffline,
} from "./publish-helpers.js";

const USER_PROPERTIES: UserProperty[] = [
  ["b", "2"],
  ["a", "1"],
  ["a", "1"],
  ["a", "3"],
  ["", ""],
  ["ключ", "värde ✓"],
];

const FORWARDED: Properties = {
  payloadFormatIndicator: true,
  contentType: "application/json; charset=utf-8",
  responseTopic: "reply/to/me",
  correlationData: Uint8Array.from([0, 1, 2, 0xfe, 0xff]),
  userProperties: USER_PROPERTIES,
};

/** The forwardable properties of a received PUBLISH, in comparable form. */
function forwarded(packet: PublishPacket): Record<string, unknown> {
  const p = packet.properties ?? {};
  return {
    payloadFormatIndicator: p.payloadFormatIndicator,
    contentType: p.contentType,
    responseTopic: p.responseTopic,
    correlationData: p.correlationData === undefined ? undefined : [...p.correlationData],
    userProperties: p.userProperties?.map(([k, v]) => [k, v]),
  };
}

const EXPECTED = forwarded({
  type: PacketType.PUBLISH,
  topic: "",
  payload: new Uint8Array(),
  qos: 0,
  retain: false,
  dup: false,
  properties: FORWARDED,
});

describe("PUBLISH properties forwarded (spec 3.3.2.3)", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  for (const qos of [0, 1, 2] as const) {
    it(`[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] QoS ${qos}: Payload Format Indicator, Content Type, Response Topic, Correlation Data and User Properties (order and duplicates kept) arrive unaltered (v5)`, async () => {
      const topic = uid("props");
      const sub = await clients.connect(broker.port, { protocolVersion: 5 });
      await subscribe(sub, topic, 2);
      const down = await clients.connect(broker.port, { protocolVersion: 5 });
      await subscribe(down, topic, 0);
      const pub = await clients.connect(broker.port, { protocolVersion: 5 });
      await publish(pub, topic, '{"ok":true}', qos, { properties: FORWARDED });
      for (const client of [sub, down]) {
        const [got] = await receive(client, 1);
        assert.deepEqual(forwarded(got!), EXPECTED);
        assert.equal(got!.properties?.topicAlias, undefined);
        assert.equal(got!.properties?.messageExpiryInterval, undefined, "no expiry was set");
        assert.deepEqual(payloads([got!]), ['{"ok":true}']);
      }
    });
  }

  it("[MQTT-3.3.2-17] [MQTT-3.3.2-18] properties survive the offline queue and a resend after reconnection (v5)", async () => {
    const topic = uid("props-off");
    const clientId = uid("props-sub");
    const sub = await clients.connect(broker.port, persistent(5, clientId));
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "inflight", 1, { properties: FORWARDED });
    await nextPublish(sub); // not acknowledged
    sub.destroy();
    await waitOffline(broker, clientId);
    await publish(pub, topic, "queued", 1, { properties: FORWARDED });
    const again = await clients.connect(broker.port, persistent(5, clientId));
    const got = await receive(again, 2);
    assert.deepEqual(payloads(got), ["inflight", "queued"]);
    assert.equal(got[0]!.dup, true);
    for (const p of got) assert.deepEqual(forwarded(p), EXPECTED);
  });

  it("[MQTT-3.3.2-4] a Payload Format Indicator of 0 is forwarded as sent (v5)", async () => {
    const topic = uid("pfi0");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, Uint8Array.from([0xff, 0x00]), 1, {
      properties: { payloadFormatIndicator: false },
    });
    const [got] = await receive(sub, 1);
    assert.equal(got!.properties?.payloadFormatIndicator, false);
    assert.deepEqual([...got!.payload], [0xff, 0x00]);
  });

  it("[MQTT-3.3.4-6] a Subscription Identifier a client puts on its PUBLISH is never forwarded (v5)", async () => {
    const topic = uid("subid");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    sendPublish(pub, topic, "with id", 1, { properties: { subscriptionIdentifiers: [77] } });
    const answer = await pub.next();
    if (answer.type === PacketType.DISCONNECT) {
      assert.equal(answer.reasonCode, ReasonCode.ProtocolError);
      await sub.expectNothing(100);
    } else {
      assert.equal(answer.type, PacketType.PUBACK);
      const [got] = await receive(sub, 1);
      assert.equal(got!.properties?.subscriptionIdentifiers, undefined);
    }
  });

  it("[spec 3.3.3] zero-length and binary payloads are forwarded unchanged (v3.1.1 and v5)", async () => {
    const topic = uid("payload");
    const subs = [];
    for (const version of VERSIONS) {
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 1);
      subs.push(sub);
    }
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const version of VERSIONS) {
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, new Uint8Array(0), 1);
      await publish(pub, topic, binary, 1);
    }
    for (const sub of subs) {
      const got = await receive(sub, 4);
      assert.deepEqual(
        got.map((p) => [...p.payload]),
        [[], [...binary], [], [...binary]],
      );
    }
  });

  it("[spec 3.3.2.3] a v3.1.1 subscriber gets the topic and payload of a message published with v5 properties (v3.1.1)", async () => {
    const topic = uid("cross");
    const sub = await clients.connect(broker.port, { protocolVersion: 4 });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "plain", 2, { properties: { ...FORWARDED, messageExpiryInterval: 60 } });
    const [got] = await receive(sub, 1);
    assert.deepEqual(
      [got!.topic, payloads([got!])[0], got!.qos, got!.properties],
      [topic, "plain", 2, undefined],
    );
  });
});

describe("Message Expiry Interval (spec 3.3.2.3.3), on a test clock", () => {
  let broker: TestBroker;
  let offset = 0;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ clock: () => Date.now() + offset });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  /** Moves the broker's clock forward. */
  function advance(ms: number): void {
    offset += ms;
  }

  it("[MQTT-3.3.2-6] a message delivered at once carries the full Message Expiry Interval (v5)", async () => {
    const topic = uid("exp-now");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "fresh", 1, { properties: { messageExpiryInterval: 60 } });
    const [got] = await receive(sub, 1);
    assert.equal(got!.properties?.messageExpiryInterval, 60);
  });

  it("[MQTT-3.3.2-5] a Message Expiry Interval of 0 reaches a connected subscriber at once, and is not kept for a queued one (v5)", async () => {
    const topic = uid("exp-zero");
    const online = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(online, topic, 1);
    const clientId = uid("exp-zero-off");
    const offline = await clients.connect(broker.port, persistent(5, clientId));
    await subscribe(offline, topic, 1);
    await offline.disconnect();
    await waitOffline(broker, clientId);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "now-or-never", 1, { properties: { messageExpiryInterval: 0 } });
    const [got] = await receive(online, 1);
    assert.equal(got!.properties?.messageExpiryInterval, 0);
    advance(10);
    const back = await clients.connect(broker.port, persistent(5, clientId));
    await back.expectNothing(200);
  });

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"} subscriber)`;
    it(`[MQTT-3.3.2-5] a queued message whose expiry passed while the session was offline is never sent; one without expiry is ${v}`, async () => {
      const topic = uid("exp-off");
      const clientId = uid("exp-sub");
      const sub = await clients.connect(broker.port, persistent(version, clientId));
      await subscribe(sub, topic, 2);
      await sub.disconnect();
      await waitOffline(broker, clientId);
      const pub = await clients.connect(broker.port, { protocolVersion: 5 });
      const before = broker.broker.metrics.dropped.expired;
      await publish(pub, topic, "expires-q1", 1, { packetId: 1, properties: { messageExpiryInterval: 2 } });
      await publish(pub, topic, "expires-q2", 2, { packetId: 2, properties: { messageExpiryInterval: 2 } });
      await publish(pub, topic, "stays", 1, { packetId: 3 });
      await publish(pub, topic, "expires-later", 1, {
        packetId: 4,
        properties: { messageExpiryInterval: 30 },
      });
      advance(2500);
      const again = await clients.connect(broker.port, persistent(version, clientId));
      const got = await receive(again, 2);
      assert.deepEqual(payloads(got), ["stays", "expires-later"]);
      await again.expectNothing(150);
      assert.equal(broker.broker.metrics.dropped.expired, before + 2);
      if (version === 5) {
        assert.equal(got[0]!.properties?.messageExpiryInterval, undefined);
        assert.equal(
          got[1]!.properties?.messageExpiryInterval,
          28,
          "30 s minus the 2.5 s it waited, rounded up",
        );
      }
    });
  }

  it("[MQTT-3.3.2-6] the interval forwarded after waiting offline is the received value minus the time waited (v5)", async () => {
    const topic = uid("exp-dec");
    const clientId = uid("exp-dec-sub");
    const sub = await clients.connect(broker.port, persistent(5, clientId));
    await subscribe(sub, topic, 1);
    await sub.disconnect();
    await waitOffline(broker, clientId);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "ten", 1, { properties: { messageExpiryInterval: 10 } });
    advance(3000);
    const again = await clients.connect(broker.port, persistent(5, clientId));
    const [got] = await receive(again, 1);
    assert.equal(got!.properties?.messageExpiryInterval, 7);
  });

  it("[MQTT-3.3.2-5] a message waiting behind a full in-flight window expires there and is never sent (v5)", async () => {
    const topic = uid("exp-window");
    const sub = await clients.connect(broker.port, { protocolVersion: 5, properties: { receiveMaximum: 1 } });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "first", 1, { packetId: 1 });
    await publish(pub, topic, "short-lived", 1, { packetId: 2, properties: { messageExpiryInterval: 1 } });
    await publish(pub, topic, "last", 1, { packetId: 3 });
    const [first] = await receive(sub, 1, false);
    assert.deepEqual(payloads([first!]), ["first"]);
    advance(1500);
    sub.send({ type: PacketType.PUBACK, packetId: first!.packetId! });
    assert.deepEqual(payloads(await receive(sub, 1)), ["last"]);
    await sub.expectNothing(100);
  });

  for (const qos of [1, 2] as const) {
    it(`[MQTT-3.3.2-5]${qos === 2 ? " [MQTT-4.3.3-7]" : ""} a QoS ${qos} message already sent is resent after reconnection even when its expiry has passed (v5)`, async () => {
      const topic = uid("exp-inflight");
      const clientId = uid("exp-inflight-sub");
      const sub = await clients.connect(broker.port, persistent(5, clientId));
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: 5 });
      await publish(pub, topic, "started", qos, { properties: { messageExpiryInterval: 1 } });
      const first = await nextPublish(sub);
      sub.destroy();
      await waitOffline(broker, clientId);
      advance(1500);
      const again = await clients.connect(broker.port, persistent(5, clientId));
      const [resent] = await receive(again, 1);
      assert.deepEqual([resent!.packetId, resent!.dup, resent!.qos], [first.packetId, true, qos]);
    });
  }
});
