/**
 * Shared subscriptions (MQTT 5.0 section 4.8.2; MQTT 3.1.1 has none): `$share/<ShareName>/<filter>`
 * validation, one delivery per group per message, several groups, members leaving, shared plus
 * non-shared subscriptions, retained messages, granted QoS per member, negative acknowledgements,
 * the in-flight window of a busy member, and `mqtt.sharedSubscriptionAvailable: false`.
 *
 * Switchboard picks members round robin in the order they joined, preferring members that can take the
 * message now (src/routing/shared-group.ts); the spec leaves the choice to the server, so only the tests
 * named "round robin" depend on that policy.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { delay, RawClient, text } from "../helpers/raw-client.js";
import {
  drain,
  expectClosedWith,
  payloads,
  publish,
  receive,
  sub,
  subscribe,
  unique,
  unsubscribe,
  waitFor,
} from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

/**
 * Reads every packet of a client in the background once started, keeps its PUBLISH packets and
 * acknowledges them (unless told not to). Runs until the connection closes.
 */
class Collector {
  readonly got: PublishPacket[] = [];
  readonly client: RawClient;

  constructor(client: RawClient, ack = true) {
    this.client = client;
    void this.#run(ack);
  }

  get payloads(): string[] {
    return this.got.map((p) => text(p.payload));
  }

  async #run(ack: boolean): Promise<void> {
    for (;;) {
      let packet;
      try {
        packet = await this.client.next(60_000);
      } catch {
        return;
      }
      if (packet.type === PacketType.PUBREL)
        this.client.send({ type: PacketType.PUBCOMP, packetId: packet.packetId });
      if (packet.type !== PacketType.PUBLISH) continue;
      this.got.push(packet);
      if (!ack) continue;
      if (packet.qos === 1) this.client.send({ type: PacketType.PUBACK, packetId: packet.packetId! });
      if (packet.qos === 2) this.client.send({ type: PacketType.PUBREC, packetId: packet.packetId! });
    }
  }
}

function range(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `m${i + 1}`);
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

describe("shared subscriptions (v5)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  async function connect(options: Parameters<typeof RawClient.connected>[1] = {}): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, { protocolVersion: 5, ...options });
    clients.push(client);
    return client;
  }

  /** Connects `n` clients that subscribe `filter` at `qos` and collect what they get. */
  async function members(n: number, filter: string, qos: 0 | 1 | 2 = 0): Promise<Collector[]> {
    const out: Collector[] = [];
    for (let i = 0; i < n; i++) {
      const client = await connect();
      assert.deepEqual((await subscribe(client, [sub(filter, qos)])).reasonCodes, [qos]);
      out.push(new Collector(client));
    }
    return out;
  }

  async function publishAll(topic: string, messages: readonly string[], qos: 0 | 1 | 2 = 0): Promise<void> {
    const publisher = await connect();
    for (const m of messages) await publish(publisher, topic, m, { qos });
    if (qos === 0) await publish(publisher, unique("flush"), "flush", { qos: 1 }); // all QoS 0 handled
    publisher.destroy();
  }

  function total(collectors: readonly Collector[]): number {
    return collectors.reduce((n, c) => n + c.got.length, 0);
  }

  it("[MQTT-4.8.2-1] [MQTT-4.8.2-2] malformed shared subscription filters get 0x8F while valid ones in the same SUBSCRIBE succeed", async () => {
    const client = await connect();
    const suback = await subscribe(client, [
      sub("$share//t", 1),
      sub("$share/g", 1),
      sub("$share/g/", 1),
      sub("$share/g+/t", 1),
      sub("$share/g#/t", 1),
      sub("$share/+/t", 1),
      sub("$share", 1),
      sub("$share/g/a/#/b", 1),
      sub(`$share/g/${unique("share-ok")}`, 1),
    ]);
    assert.deepEqual(suback.reasonCodes, [0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 1]);
    assert.equal(client.closed, false);
  });

  it("[spec 4.8.2] each message goes to exactly one member of the group; round robin gives each of 3 members 10 of 30 (QoS 0)", async () => {
    const topic = unique("share/rr0");
    const group = await members(3, `$share/g/${topic}`, 0);
    const messages = range(30);
    await publishAll(topic, messages, 0);
    await waitFor(() => total(group) >= 30, "30 deliveries");
    await delay(100);
    assert.deepEqual(sorted(group.flatMap((c) => c.payloads)), messages, "every message exactly once");
    assert.deepEqual(
      group.map((c) => c.got.length),
      [10, 10, 10],
      "round robin",
    );
    assert.ok(
      group.every((c) => c.got.every((p) => p.topic === topic && p.qos === 0 && !p.retain)),
      "delivered with the published topic name",
    );
  });

  it("[spec 4.8.2] [MQTT-4.8.2-3] QoS 1: each message goes to exactly one member, at the granted QoS, and all members share the load", async () => {
    const topic = unique("share/rr1");
    const group = await members(3, `$share/work/${topic}`, 1);
    const messages = range(30);
    await publishAll(topic, messages, 1);
    await waitFor(() => total(group) >= 30, "30 deliveries");
    await delay(100);
    assert.deepEqual(sorted(group.flatMap((c) => c.payloads)), messages, "every message exactly once");
    assert.ok(
      group.every((c) => c.got.length > 0),
      `every member gets some: ${group.map((c) => c.got.length).join("/")}`,
    );
    assert.ok(group.every((c) => c.got.every((p) => p.qos === 1)));
  });

  it("[spec 4.8.2] two groups on the same filter each get every message, and so does a non-shared subscriber", async () => {
    const topic = unique("share/groups");
    const g1 = await members(2, `$share/one/${topic}`, 1);
    const g2 = await members(1, `$share/two/${topic}`, 1);
    const plain = await members(1, topic, 1);
    const messages = range(12);
    await publishAll(topic, messages, 1);
    await waitFor(() => total(g1) >= 12 && total(g2) >= 12 && total(plain) >= 12, "12 deliveries per group");
    await delay(100);
    assert.deepEqual(sorted(g1.flatMap((c) => c.payloads)), messages, "group one: each message once");
    assert.deepEqual(sorted(g2.flatMap((c) => c.payloads)), messages, "group two: each message once");
    assert.deepEqual(plain[0]!.payloads, messages, "non-shared subscriber: everything, in order");
  });

  it("[spec 4.8.2] a wildcard filter in a shared subscription matches like any other filter", async () => {
    const base = unique("share/wild");
    const group = await members(2, `$share/w/${base}/+/x`, 0);
    const publisher = await connect();
    await publish(publisher, `${base}/a/x`, "ax", { qos: 1 });
    await publish(publisher, `${base}/b/x`, "bx", { qos: 1 });
    await publish(publisher, `${base}/a/y`, "ay", { qos: 1 });
    await publish(publisher, `${base}/x`, "x", { qos: 1 });
    await delay(150);
    assert.deepEqual(group.flatMap((c) => c.payloads).sort(), ["ax", "bx"]);
  });

  it('[MQTT-4.7.2-1] a shared subscription to "#" does not match topics beginning with "$", one to "$foo/#" does', async () => {
    const all = await members(1, "$share/dollar/#", 1);
    const foo = await members(1, "$share/dollar/$foo/#", 1);
    const publisher = await connect();
    const topic = `$foo/${unique("x")}`;
    await publish(publisher, topic, "dollar", { qos: 1 });
    await waitFor(() => foo[0]!.got.length === 1, "delivery to $share/dollar/$foo/#");
    await delay(100);
    assert.deepEqual(
      all[0]!.got.filter((p) => p.topic.startsWith("$")).map((p) => p.topic),
      [],
      "nothing beginning with $ for $share/dollar/#",
    );
    assert.equal(foo[0]!.got[0]!.topic, topic);
  });

  it('[MQTT-4.8.2-1] a filter that merely starts with "$share" ("$sharedx/...") is an ordinary subscription', async () => {
    const topic = `$sharedx/${unique("t")}`;
    const a = await members(1, topic, 1);
    const b = await members(1, topic, 1);
    const publisher = await connect();
    await publish(publisher, topic, "both", { qos: 1 });
    await waitFor(() => a[0]!.got.length === 1 && b[0]!.got.length === 1, "a copy for each subscriber");
  });

  it("[spec 4.8.2] a member that disconnects stops receiving and the remaining members get every message", async () => {
    const topic = unique("share/leave");
    const group = await members(3, `$share/g/${topic}`, 1);
    const leaving = group[1]!;
    await leaving.client.disconnect();
    const messages = range(20);
    await publishAll(topic, messages, 1);
    const stay = [group[0]!, group[2]!];
    await waitFor(() => total(stay) >= 20, "20 deliveries to the remaining members");
    await delay(100);
    assert.deepEqual(leaving.got, [], "the disconnected member got nothing");
    assert.deepEqual(sorted(stay.flatMap((c) => c.payloads)), messages);
  });

  it("[MQTT-3.10.4-1] [spec 4.8.2] UNSUBSCRIBE of the shared filter removes the member from the group", async () => {
    const topic = unique("share/unsub");
    const filter = `$share/g/${topic}`;
    const stay = await members(1, filter, 1);
    const client = await connect();
    await subscribe(client, [sub(filter, 1)]);
    assert.deepEqual((await unsubscribe(client, [filter])).reasonCodes, [0x00]);
    assert.deepEqual((await unsubscribe(client, [filter])).reasonCodes, [0x11], "no longer a member");
    const messages = range(6);
    await publishAll(topic, messages, 1);
    await waitFor(() => total(stay) >= 6, "6 deliveries");
    assert.deepEqual(await drain(client, 100), [], "the unsubscribed client gets nothing");
    assert.deepEqual(stay[0]!.payloads, messages);
  });

  it("[spec 4.8.2] subscribing again to the same shared filter does not make a second membership", async () => {
    const topic = unique("share/resub");
    const filter = `$share/g/${topic}`;
    const group = await members(2, filter, 0);
    const again = await connect();
    await subscribe(again, [sub(filter, 0)]);
    await subscribe(again, [sub(filter, 1)]);
    const third = new Collector(again);
    const messages = range(30);
    await publishAll(topic, messages, 1);
    const all = [...group, third];
    await waitFor(() => total(all) >= 30, "30 deliveries");
    await delay(100);
    assert.deepEqual(sorted(all.flatMap((c) => c.payloads)), messages, "every message once");
    assert.ok(
      third.got.length <= 12,
      `the resubscribed member gets one share, not two: ${third.got.length} of 30`,
    );
    assert.ok(
      third.got.every((p) => p.qos === 1),
      "the replacing subscription's QoS applies",
    );
  });

  it("[spec 4.8.2] a shared and a non-shared subscription of the same client give it two copies", async () => {
    const topic = unique("share/both");
    const client = await connect();
    await subscribe(client, [sub(`$share/g/${topic}`, 1), sub(topic, 1)]);
    const publisher = await connect();
    await publish(publisher, topic, "twice", { qos: 1 });
    const got = [await receive(client), await receive(client)];
    assert.deepEqual(payloads(got), ["twice", "twice"]);
    assert.deepEqual(await drain(client), []);
  });

  it("[spec 3.3.1.3] [spec 4.8.2] retained messages are not sent when a shared subscription is made", async () => {
    const topic = unique("share/retained");
    const publisher = await connect();
    await publish(publisher, topic, "retained", { qos: 1, retain: true });
    const shared = await connect();
    await subscribe(shared, [sub(`$share/g/${topic}`, 1)]);
    assert.deepEqual(await drain(shared), [], "nothing for the shared subscription");
    const plain = await connect();
    await subscribe(plain, [sub(topic, 1)]);
    assert.deepEqual(payloads(await drain(plain)), ["retained"], "the retained message exists");
    await publish(publisher, topic, "live", { qos: 1, retain: true });
    const p = await receive(shared);
    assert.equal(text(p.payload), "live", "later messages reach the shared subscription");
    assert.equal(p.retain, false, "RETAIN=0 without Retain As Published");
  });

  it("[MQTT-4.8.2-3] each member gets messages at the QoS it was granted", async () => {
    const topic = unique("share/qos");
    const [q0] = await members(1, `$share/g/${topic}`, 0);
    const [q1] = await members(1, `$share/g/${topic}`, 1);
    const messages = range(10);
    await publishAll(topic, messages, 2);
    await waitFor(() => q0!.got.length + q1!.got.length >= 10, "10 deliveries");
    await delay(100);
    assert.ok(q0!.got.length > 0 && q1!.got.length > 0, "both members take part");
    assert.ok(
      q0!.got.every((p) => p.qos === 0),
      "QoS 0 member",
    );
    assert.ok(
      q1!.got.every((p) => p.qos === 1),
      "QoS 1 member",
    );
    assert.deepEqual(sorted([...q0!.payloads, ...q1!.payloads]), messages);
  });

  it("[MQTT-3.3.4-3] a shared subscription's Subscription Identifier comes back on its messages", async () => {
    const topic = unique("share/subid");
    const client = await connect();
    await subscribe(client, [sub(`$share/g/${topic}`, 1)], { subscriptionIdentifiers: [77] });
    const publisher = await connect();
    await publish(publisher, topic, "id", { qos: 1 });
    assert.deepEqual((await receive(client)).properties?.subscriptionIdentifiers, [77]);
  });

  it("[MQTT-3.8.3-4] No Local on a shared subscription is a Protocol Error: DISCONNECT 0x82", async () => {
    const client = await connect();
    client.send({
      type: PacketType.SUBSCRIBE,
      packetId: 9,
      subscriptions: [sub(`$share/g/${unique("share/nolocal")}`, 0, { noLocal: true })],
    });
    await expectClosedWith(client, 5, 0x82);
  });

  it("[MQTT-4.8.2-6] a message a member refuses with PUBACK 0x80 is not sent to another member", async () => {
    const topic = unique("share/nack");
    const a = await connect();
    const b = await connect();
    await subscribe(a, [sub(`$share/g/${topic}`, 1)]);
    await subscribe(b, [sub(`$share/g/${topic}`, 1)]);
    const publisher = await connect();
    await publish(publisher, topic, "refused", { qos: 1 });
    const publishesOf = (c: RawClient): PublishPacket[] =>
      c.received.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
    await waitFor(() => publishesOf(a).length + publishesOf(b).length === 1, "one delivery");
    const [chosen, other] = publishesOf(a).length === 1 ? [a, b] : [b, a];
    chosen.send({ type: PacketType.PUBACK, packetId: publishesOf(chosen)[0]!.packetId!, reasonCode: 0x80 });
    await delay(300);
    assert.deepEqual(publishesOf(other), [], "not redelivered to the other member");
    assert.equal(publishesOf(chosen).length, 1, "nor to the refusing member");
  });

  it("[spec 4.8.2] a member whose session ends with messages it has not acknowledged or not yet been sent: another member gets them", async () => {
    const topic = unique("share/ended");
    const filter = `$share/g/${topic}`;
    // a member whose window holds one message, which it never acknowledges: the rest wait in its queue
    const ending = await connect({ properties: { receiveMaximum: 1 } });
    await subscribe(ending, [sub(filter, 2)]);
    const publisher = await connect();
    const messages = range(4);
    for (const m of messages) await publish(publisher, topic, m, { qos: 1 });
    await waitFor(() => ending.received.some((p) => p.type === PacketType.PUBLISH), "a delivery");
    // every message went to the only member: the first in flight, the others queued
    const [other] = await members(1, filter, 1);
    ending.destroy(); // session expiry 0: the session ends with the connection
    await waitFor(() => other!.got.length === 4, "all 4 at the other member");
    assert.deepEqual(other!.payloads, messages, "in the order they were published");
    assert.ok(
      other!.got.every((p) => !p.dup && p.qos === 1),
      "new deliveries at the QoS this member was granted",
    );
  });

  it("[spec 4.8.2] an ended member's messages go to the group of that name as it is now, made again after it emptied", async () => {
    const topic = unique("share/remade");
    const filter = `$share/g/${topic}`;
    const ending = await connect({ properties: { receiveMaximum: 1 } });
    await subscribe(ending, [sub(filter, 1)]);
    const publisher = await connect();
    const messages = range(3);
    for (const m of messages) await publish(publisher, topic, m, { qos: 1 });
    await ending.expect(PacketType.PUBLISH); // never acknowledged: the other two wait in its queue
    // the only member leaves the group (it empties and is dropped), keeping what it holds, and another
    // client makes a group of the same name
    assert.deepEqual((await unsubscribe(ending, [filter])).reasonCodes, [0x00]);
    const [other] = await members(1, filter, 1);
    ending.destroy();
    await waitFor(() => other!.got.length === 3, "all 3 at the new group's member");
    assert.deepEqual(other!.payloads, messages);
  });

  it("[spec 4.8.2] a QoS 2 message the ending member already received (PUBREC) is not sent to another member", async () => {
    const topic = unique("share/received");
    const filter = `$share/g/${topic}`;
    const ending = await connect();
    await subscribe(ending, [sub(filter, 2)]);
    const publisher = await connect();
    await publish(publisher, topic, "received", { qos: 2 });
    const delivered = await ending.expect(PacketType.PUBLISH);
    ending.send({ type: PacketType.PUBREC, packetId: delivered.packetId! });
    await ending.expect(PacketType.PUBREL);
    const [other] = await members(1, filter, 2);
    ending.destroy();
    await delay(300);
    assert.deepEqual(other!.payloads, [], "the receiver has it: exactly once");
  });

  it("[spec 4.8.2] a member whose session outlives its connection is skipped while offline; online members get the messages", async () => {
    const topic = unique("share/offline");
    const clientId = unique("offline-member");
    const away = await connect({ clientId, properties: { sessionExpiryInterval: 60 } });
    await subscribe(away, [sub(`$share/g/${topic}`, 1)]);
    const [online] = await members(1, `$share/g/${topic}`, 1);
    await away.disconnect();
    const messages = range(8);
    await publishAll(topic, messages, 1);
    await waitFor(() => online!.got.length >= 8, "8 deliveries to the online member");
    const back = await connect({ clientId, cleanStart: false, properties: { sessionExpiryInterval: 0 } });
    assert.deepEqual(await drain(back), [], "nothing was queued for the offline member");
    assert.deepEqual(online!.payloads, messages);
  });
});

describe("shared subscriptions with a full in-flight window (mqtt.maxInflight 1)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxInflight: 1 } } });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  it("[spec 4.8.2] round robin skips a member whose in-flight window is full: the others get the messages", async () => {
    const topic = unique("share/busy");
    const filter = `$share/g/${topic}`;
    const connected: RawClient[] = [];
    for (let i = 0; i < 3; i++) {
      const client = await RawClient.connected(broker.port, { protocolVersion: 5 });
      clients.push(client);
      await subscribe(client, [sub(filter, 1)]);
      connected.push(client);
    }
    const publisher = await RawClient.connected(broker.port, { protocolVersion: 5 });
    clients.push(publisher);
    const publishesOf = (c: RawClient): PublishPacket[] =>
      c.received.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
    const pings = (c: RawClient): number => c.received.filter((p) => p.type === PacketType.PINGRESP).length;
    const deliveries = (): number => connected.reduce((n, c) => n + publishesOf(c).length, 0);

    // The first member to get a message does not acknowledge it; the others acknowledge each message
    // and a PINGREQ round trip makes sure the broker has processed the PUBACK before the next PUBLISH.
    let busy: RawClient | undefined;
    let sent = 0;
    const send = async (): Promise<void> => {
      const before = deliveries();
      sent++;
      await publish(publisher, topic, `m${sent}`, { qos: 1 });
      await waitFor(() => deliveries() === before + 1, `delivery of m${sent}`);
      const receiver = connected.find((c) => publishesOf(c).some((p) => text(p.payload) === `m${sent}`))!;
      if (busy === undefined) {
        busy = receiver;
        return;
      }
      const p = publishesOf(receiver).at(-1)!;
      receiver.send({ type: PacketType.PUBACK, packetId: p.packetId! });
      const pinged = pings(receiver);
      receiver.send({ type: PacketType.PINGREQ });
      await waitFor(() => pings(receiver) === pinged + 1, "PINGRESP");
    };

    await send();
    assert.ok(busy);
    for (let i = 0; i < 12; i++) await send();
    assert.equal(publishesOf(busy).length, 1, "the member with a full window got nothing more");
    const others = connected.filter((c) => c !== busy);
    assert.equal(publishesOf(others[0]!).length + publishesOf(others[1]!).length, 12);
    assert.ok(
      others.every((c) => publishesOf(c).length > 0),
      "both other members took part",
    );

    // Once it acknowledges, the member is picked again
    busy.send({ type: PacketType.PUBACK, packetId: publishesOf(busy)[0]!.packetId! });
    const pinged = pings(busy);
    busy.send({ type: PacketType.PINGREQ });
    await waitFor(() => pings(busy!) === pinged + 1, "PINGRESP");
    for (let i = 0; i < 3 && publishesOf(busy).length === 1; i++) await send();
    assert.equal(publishesOf(busy).length, 2, "the member gets messages again once its window has room");
  });

  it("[spec 4.8.2] when no member can take a message now, a connected one gets it rather than an offline one", async () => {
    const topic = unique("share/offline");
    const filter = `$share/g/${topic}`;
    const offline = await RawClient.connected(broker.port, {
      protocolVersion: 5,
      clientId: unique("offline-member"),
      properties: { sessionExpiryInterval: 3600 },
    });
    await subscribe(offline, [sub(filter, 1)]);
    offline.destroy();
    const online = await RawClient.connected(broker.port, { protocolVersion: 5 });
    clients.push(online);
    await subscribe(online, [sub(filter, 1)]);
    const collector = new Collector(online);
    const publisher = await RawClient.connected(broker.port, { protocolVersion: 5 });
    clients.push(publisher);
    // sent at once: the online member's window (1) is full from the first message until it acknowledges
    for (let i = 1; i <= 10; i++)
      publisher.send({
        type: PacketType.PUBLISH,
        topic,
        payload: new TextEncoder().encode(`m${i}`),
        qos: 1,
        packetId: i,
        retain: false,
        dup: false,
      });
    await waitFor(() => collector.got.length === 10, "all 10 at the online member");
    assert.deepEqual(
      collector.payloads,
      Array.from({ length: 10 }, (_, i) => `m${i + 1}`),
    );
  });
});

describe("shared subscriptions turned off (mqtt.sharedSubscriptionAvailable false)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { sharedSubscriptionAvailable: false } } });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  it("[spec 3.2.2.3.13] SUBACK 0x9E Shared Subscriptions not supported for $share filters, other filters succeed; CONNACK says so", async () => {
    const client = await RawClient.open(broker.port, 5);
    clients.push(client);
    const connack = await client.connect({ protocolVersion: 5 });
    assert.equal(connack.properties?.sharedSubscriptionAvailable, false);
    const topic = unique("noshare");
    const suback = await subscribe(client, [sub(`$share/g/${topic}`, 1), sub(topic, 1)]);
    assert.deepEqual(suback.reasonCodes, [0x9e, 1]);
    const publisher = await RawClient.connected(broker.port, { protocolVersion: 5 });
    clients.push(publisher);
    await publish(publisher, topic, "one copy", { qos: 1 });
    assert.deepEqual(payloads(await drain(client)), ["one copy"]);
  });
});
