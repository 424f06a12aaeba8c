/**
 * Topic aliases (spec 3.3.2.3.4, v5 only): inbound aliases up to our Topic Alias Maximum, the errors
 * for alias 0, an alias above the maximum and an unknown alias; outbound aliases up to the client's
 * Topic Alias Maximum, and mappings that never outlive a connection.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  Clients,
  expectClosedWith,
  nextPublish,
  payloads,
  persistent,
  publish,
  receive,
  sendPublish,
  subscribe,
  uid,
  waitOffline,
} from "./publish-helpers.js";

/** Resolves received PUBLISH topics as a client does: a topic with an alias sets the mapping, an empty one uses it. */
function resolveTopics(packets: readonly PublishPacket[]): string[] {
  const map = new Map<number, string>();
  return packets.map((p) => {
    const alias = p.properties?.topicAlias;
    if (alias === undefined) return p.topic;
    if (p.topic.length > 0) {
      map.set(alias, p.topic);
      return p.topic;
    }
    const known = map.get(alias);
    assert.ok(known !== undefined, `PUBLISH with an empty topic and alias ${alias} that was never mapped`);
    return known;
  });
}

describe("inbound topic aliases (spec 3.3.2.3.4), default mqtt.topicAliasMaximum 64", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[spec 3.2.2.3.8] CONNACK advertises Topic Alias Maximum 64 (v5)", async () => {
    const client = clients.track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ protocolVersion: 5, clientId: uid("tam") });
    assert.equal(connack.properties?.topicAliasMaximum, 64);
  });

  it("[MQTT-3.3.2-12] an alias set with a topic stands for that topic in later PUBLISH packets with an empty topic, at every QoS (v5)", async () => {
    const base = uid("alias");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, `${base}/#`, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, `${base}/one`, "set", 1, { properties: { topicAlias: 1 } });
    await publish(pub, "", "use-q0", 0, { properties: { topicAlias: 1 } });
    await publish(pub, "", "use-q1", 1, { properties: { topicAlias: 1 } });
    await publish(pub, "", "use-q2", 2, { properties: { topicAlias: 1 } });
    await publish(pub, `${base}/max`, "set-64", 1, { properties: { topicAlias: 64 } });
    await publish(pub, "", "use-64", 1, { properties: { topicAlias: 64 } });
    // a mapping can be replaced
    await publish(pub, `${base}/two`, "remap", 1, { properties: { topicAlias: 1 } });
    await publish(pub, "", "use-remapped", 1, { properties: { topicAlias: 1 } });
    const got = await receive(sub, 8);
    assert.deepEqual(
      got.map((p) => `${p.topic.slice(base.length)}=${payloads([p])[0]}`),
      [
        "/one=set",
        "/one=use-q0",
        "/one=use-q1",
        "/one=use-q2",
        "/max=set-64",
        "/max=use-64",
        "/two=remap",
        "/two=use-remapped",
      ],
    );
    assert.ok(
      got.every((p) => p.properties?.topicAlias === undefined),
      "the publisher's aliases are not forwarded",
    );
  });

  for (const [alias, tagged] of [
    [0, "[MQTT-3.3.2-8]"],
    [65, "[MQTT-3.3.2-9]"],
  ] as const) {
    it(`${tagged} Topic Alias ${alias} is a DISCONNECT 0x94 Topic Alias invalid, and the message is not forwarded (v5)`, async () => {
      const topic = uid("bad-alias");
      const sub = await clients.connect(broker.port, { protocolVersion: 5 });
      await subscribe(sub, topic, 1);
      const pub = await clients.connect(broker.port, { protocolVersion: 5 });
      sendPublish(pub, topic, "x", 1, { properties: { topicAlias: alias } });
      await expectClosedWith(pub, 5, ReasonCode.TopicAliasInvalid);
      await sub.expectNothing(100);
    });
  }

  it("[spec 3.3.2.3.4] an empty topic with an alias that was never set is a DISCONNECT 0x82 Protocol Error (v5)", async () => {
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    sendPublish(pub, "", "x", 1, { properties: { topicAlias: 5 } });
    await expectClosedWith(pub, 5, ReasonCode.ProtocolError);
  });

  it("[MQTT-3.3.2-7] inbound alias mappings do not carry over to the next connection of the session (v5)", async () => {
    const topic = uid("carry");
    const clientId = uid("carry-pub");
    const pub = await clients.connect(broker.port, persistent(5, clientId));
    await publish(pub, topic, "set", 1, { properties: { topicAlias: 3 } });
    await pub.disconnect();
    await waitOffline(broker, clientId);
    const again = await clients.connect(broker.port, persistent(5, clientId));
    sendPublish(again, "", "use", 1, { properties: { topicAlias: 3 } });
    await expectClosedWith(again, 5, ReasonCode.ProtocolError);
  });
});

describe("inbound topic aliases disabled (mqtt.topicAliasMaximum 0)", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { topicAliasMaximum: 0 } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[MQTT-3.3.2-9] with Topic Alias Maximum 0 (absent from CONNACK) any Topic Alias is a DISCONNECT 0x94 (v5)", async () => {
    const client = clients.track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ protocolVersion: 5, clientId: uid("noalias") });
    assert.equal(connack.properties?.topicAliasMaximum ?? 0, 0);
    sendPublish(client, uid("t"), "x", 0, { properties: { topicAlias: 1 } });
    await expectClosedWith(client, 5, ReasonCode.TopicAliasInvalid);
  });
});

describe("outbound topic aliases (spec 3.3.2.3.4)", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[MQTT-3.3.2-11] [MQTT-3.1.2-26] with the client's Topic Alias Maximum 2, aliases are 1..2; a repeated topic is sent empty with its alias (v5)", async () => {
    const base = uid("out");
    const sub = await clients.connect(broker.port, {
      protocolVersion: 5,
      properties: { topicAliasMaximum: 2 },
    });
    await subscribe(sub, `${base}/#`, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    const topics = ["a", "a", "b", "a", "c", "b", "c", "c", "a", "d", "a"].map((t) => `${base}/${t}`);
    for (const [i, topic] of topics.entries()) await publish(pub, topic, `m${i}`, i % 2 === 0 ? 0 : 1);
    const got = await receive(sub, topics.length);
    const aliases = got.map((p) => p.properties?.topicAlias);
    assert.ok(
      aliases.every((a) => a === undefined || (a >= 1 && a <= 2)),
      `aliases ${JSON.stringify(aliases)}`,
    );
    assert.deepEqual(resolveTopics(got), topics);
    assert.deepEqual(
      payloads(got),
      topics.map((_, i) => `m${i}`),
    );
    assert.equal(got[1]!.topic, "", "the second message on a topic is sent with an empty topic");
    assert.equal(got[1]!.properties?.topicAlias, got[0]!.properties?.topicAlias);
    assert.ok(got[0]!.properties?.topicAlias !== undefined);
  });

  it("[MQTT-3.1.2-27] without a Topic Alias Maximum in CONNECT the broker sends no aliases (v5)", async () => {
    const topic = uid("none");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    for (let i = 0; i < 3; i++) await publish(pub, topic, `m${i}`, 1);
    const got = await receive(sub, 3);
    assert.ok(got.every((p) => p.topic === topic && p.properties?.topicAlias === undefined));
  });

  it("[MQTT-3.3.2-7] outbound mappings end with the connection: a message resent after reconnection carries its topic (v5)", async () => {
    const topic = uid("resend");
    const clientId = uid("resend-sub");
    const options = persistent(5, clientId, { properties: { topicAliasMaximum: 5 } });
    const sub = await clients.connect(broker.port, options);
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "first", 1);
    await publish(pub, topic, "second", 1);
    const before = await receive(sub, 2, false);
    assert.deepEqual(resolveTopics(before), [topic, topic]);
    assert.equal(before[1]!.topic, "");
    sub.destroy();
    await waitOffline(broker, clientId);
    const again = await clients.connect(broker.port, options);
    const after = await receive(again, 2);
    assert.deepEqual(resolveTopics(after), [topic, topic]);
    assert.equal(after[0]!.topic, topic, "the first PUBLISH on a new connection names its topic");
  });

  it("[spec 3.3.2.3.4] [MQTT-3.1.2-25] a message too large for the client does not leave it an alias it never received (v5)", async () => {
    const topic = uid("toolarge");
    const sub = await clients.connect(broker.port, {
      protocolVersion: 5,
      properties: { topicAliasMaximum: 5, maximumPacketSize: 200 },
    });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "L".repeat(400), 1);
    await publish(pub, topic, "small", 1);
    const got = await nextPublish(sub);
    assert.deepEqual(payloads([got]), ["small"]);
    assert.equal(got.topic, topic, "the first PUBLISH the client receives on this topic must name it");
    assert.equal(sub.received.filter((p) => p.type === PacketType.PUBLISH).length, 1);
  });
});

describe("outbound topic aliases capped by mqtt.outboundTopicAliasMaximum 2", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { outboundTopicAliasMaximum: 2 } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[MQTT-3.3.2-11] a client asking for 65535 aliases is sent aliases 1..2 only: the broker's memory of aliased topics is bounded (v5)", async () => {
    const base = uid("cap");
    const sub = await clients.connect(broker.port, {
      protocolVersion: 5,
      properties: { topicAliasMaximum: 65535 },
    });
    await subscribe(sub, `${base}/#`, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    const topics = ["a", "b", "c", "d", "a", "e"].map((t) => `${base}/${t}`);
    for (const [i, topic] of topics.entries()) await publish(pub, topic, `m${i}`, 1);
    const got = await receive(sub, topics.length);
    const aliases = got.map((p) => p.properties?.topicAlias);
    assert.ok(
      aliases.every((a) => a !== undefined && a >= 1 && a <= 2),
      `aliases ${JSON.stringify(aliases)}`,
    );
    assert.deepEqual(resolveTopics(got), topics);
  });

  it("[spec 3.3.2.3.4] a topic longer than 512 characters is sent in full, never aliased (v5)", async () => {
    const topic = `${uid("long")}/${"x".repeat(600)}`;
    const sub = await clients.connect(broker.port, {
      protocolVersion: 5,
      properties: { topicAliasMaximum: 10 },
    });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    for (let i = 0; i < 3; i++) await publish(pub, topic, `m${i}`, 1);
    const got = await receive(sub, 3);
    assert.ok(got.every((p) => p.topic === topic && p.properties?.topicAlias === undefined));
  });
});
