/**
 * Message delivery retry (spec 4.4): on reconnection to a persistent session, unacknowledged QoS 1/2
 * PUBLISH packets are resent with their original packet identifiers and DUP set, a pending PUBREL is
 * resent as PUBREL, and nothing is resent at any other time. Inbound QoS 2 state survives too.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { ConnackPacket } from "../../src/protocol/packets/connack.js";
import { type ConnectOptions, RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  ack,
  Clients,
  nextPublish,
  payloads,
  persistent,
  publish,
  receive,
  sendPublish,
  subscribe,
  tag,
  uid,
  VERSIONS,
  waitOffline,
} from "./publish-helpers.js";

describe("message delivery retry (spec 4.4)", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  async function reconnect(options: ConnectOptions): Promise<[RawClient, ConnackPacket]> {
    const client = clients.track(await RawClient.open(broker.port, options.protocolVersion ?? 5));
    const connack = await client.connect(options);
    assert.equal(connack.reasonCode, 0);
    return [client, connack];
  }

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;

    it(`[MQTT-4.4.0-1] [MQTT-3.3.1-1] on reconnection unacknowledged PUBLISH are resent with DUP 1 and their identifiers, a pending PUBREL as PUBREL ${v}`, async () => {
      const topic = uid("retry");
      const clientId = uid("retry-sub");
      const options = persistent(version, clientId);
      const sub = await clients.connect(broker.port, options);
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, "a", 1);
      await publish(pub, topic, "b", 2);
      await publish(pub, topic, "c", 2);
      const first = await receive(sub, 3, false);
      assert.deepEqual(payloads(first), ["a", "b", "c"]);
      const [a, b, c] = first as [(typeof first)[0], (typeof first)[0], (typeof first)[0]];
      sub.send({ type: PacketType.PUBREC, packetId: c.packetId! });
      assert.equal((await sub.expect(PacketType.PUBREL)).packetId, c.packetId);
      // nothing is resent while the connection stays up
      await sub.expectNothing(300);
      sub.destroy();
      await waitOffline(broker, clientId);

      const [again, connack] = await reconnect(options);
      assert.equal(connack.sessionPresent, true);
      // the PUBLISH packets come again in their original order; where the PUBREL goes is not specified
      const resent = [await again.next(), await again.next(), await again.next()];
      const publishes = resent.filter((p) => p.type === PacketType.PUBLISH);
      assert.deepEqual(
        publishes.map((p) => [p.packetId, p.qos, p.dup, payloads([p])[0]]),
        [
          [a.packetId, 1, true, "a"],
          [b.packetId, 2, true, "b"],
        ],
      );
      assert.deepEqual(
        resent.filter((p) => p.type === PacketType.PUBREL).map((p) => p.packetId),
        [c.packetId],
      );

      again.send({ type: PacketType.PUBACK, packetId: a.packetId! });
      again.send({ type: PacketType.PUBREC, packetId: b.packetId! });
      assert.equal((await again.expect(PacketType.PUBREL)).packetId, b.packetId);
      again.send({ type: PacketType.PUBCOMP, packetId: b.packetId! });
      again.send({ type: PacketType.PUBCOMP, packetId: c.packetId! });
      await again.expectNothing(200);
      again.destroy();
      await waitOffline(broker, clientId);

      // everything completed: a further reconnection resends nothing
      const [third] = await reconnect(options);
      await third.expectNothing(250);
    });

    it(`[MQTT-3.3.1-3] ${tag(version, "[MQTT-3.1.2-5]", "[MQTT-4.5.0-1]")} a message first sent after reconnection has DUP 0, after the resent ones ${v}`, async () => {
      const topic = uid("fresh");
      const clientId = uid("fresh-sub");
      const options = persistent(version, clientId);
      const sub = await clients.connect(broker.port, options);
      await subscribe(sub, topic, 1);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, "in-flight", 1);
      const inflight = await nextPublish(sub);
      sub.destroy();
      await waitOffline(broker, clientId);
      await publish(pub, topic, "queued", 1);

      const [again] = await reconnect(options);
      const resent = await nextPublish(again);
      assert.deepEqual(
        [payloads([resent])[0], resent.dup, resent.packetId],
        ["in-flight", true, inflight.packetId],
      );
      const fresh = await nextPublish(again);
      assert.deepEqual([payloads([fresh])[0], fresh.dup], ["queued", false]);
      assert.notEqual(fresh.packetId, resent.packetId);
      await ack(again, resent);
      await ack(again, fresh);
    });

    it(`${tag(version, "[MQTT-4.3.3-2]", "[MQTT-4.3.3-10]")} [MQTT-4.4.0-1] a QoS 2 PUBLISH resent after reconnection, before PUBREL, is acknowledged and not forwarded again ${v}`, async () => {
      const topic = uid("in2");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const clientId = uid("in2-pub");
      const options = persistent(version, clientId);
      const pub = await clients.connect(broker.port, options);
      sendPublish(pub, topic, "once", 2, { packetId: 9 });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 9);
      pub.destroy();
      await waitOffline(broker, clientId);

      const [again] = await reconnect(options);
      sendPublish(again, topic, "once", 2, { packetId: 9, dup: true });
      assert.equal((await again.expect(PacketType.PUBREC)).packetId, 9);
      again.send({ type: PacketType.PUBREL, packetId: 9 });
      const pubcomp = await again.expect(PacketType.PUBCOMP);
      assert.equal(pubcomp.packetId, 9);
      if (version === 5) assert.equal(pubcomp.reasonCode, 0);
      assert.deepEqual(payloads(await receive(sub, 1)), ["once"]);
      await sub.expectNothing(200);
    });

    it(`[MQTT-4.4.0-1] a PUBREL resent after reconnection completes the inbound QoS 2 flow ${v}`, async () => {
      const topic = uid("rel");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const clientId = uid("rel-pub");
      const options = persistent(version, clientId);
      const pub = await clients.connect(broker.port, options);
      sendPublish(pub, topic, "released", 2, { packetId: 5 });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 5);
      pub.destroy();
      await waitOffline(broker, clientId);
      const [again] = await reconnect(options);
      again.send({ type: PacketType.PUBREL, packetId: 5 });
      const pubcomp = await again.expect(PacketType.PUBCOMP);
      assert.equal(pubcomp.packetId, 5);
      if (version === 5) assert.equal(pubcomp.reasonCode, 0, "the identifier was known: no 0x92");
      assert.deepEqual(payloads(await receive(sub, 1)), ["released"]);
      // after PUBCOMP the identifier carries a new message [MQTT-4.3.3-12]
      await publish(again, topic, "new", 2, { packetId: 5 });
      assert.deepEqual(payloads(await receive(sub, 1)), ["new"]);
    });
  }
});
