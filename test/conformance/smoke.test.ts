import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

describe("broker smoke", () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(() => broker.stop());

  for (const version of [3, 4, 5] as const) {
    it(`v${version}: QoS 0/1/2 round trip through a subscription`, async () => {
      const sub = await RawClient.connected(broker.port, { protocolVersion: version });
      sub.send({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          {
            topicFilter: `smoke/${version}/#`,
            qos: 2,
            noLocal: false,
            retainAsPublished: false,
            retainHandling: 0,
          },
        ],
      });
      const suback = await sub.expect(PacketType.SUBACK);
      assert.deepEqual(suback.reasonCodes, [2]);
      const pub = await RawClient.connected(broker.port, { protocolVersion: version });
      pub.send({
        type: PacketType.PUBLISH,
        topic: `smoke/${version}/a`,
        payload: bytes("q0"),
        qos: 0,
        retain: false,
        dup: false,
      });
      pub.send({
        type: PacketType.PUBLISH,
        topic: `smoke/${version}/b`,
        payload: bytes("q1"),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 7,
      });
      assert.equal((await pub.expect(PacketType.PUBACK)).packetId, 7);
      pub.send({
        type: PacketType.PUBLISH,
        topic: `smoke/${version}/c`,
        payload: bytes("q2"),
        qos: 2,
        retain: false,
        dup: false,
        packetId: 8,
      });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 8);
      pub.send({ type: PacketType.PUBREL, packetId: 8 });
      assert.equal((await pub.expect(PacketType.PUBCOMP)).packetId, 8);

      const m0 = await sub.expect(PacketType.PUBLISH);
      assert.equal(text(m0.payload), "q0");
      assert.equal(m0.qos, 0);
      const m1 = await sub.expect(PacketType.PUBLISH);
      assert.equal(text(m1.payload), "q1");
      assert.equal(m1.qos, 1);
      sub.send({ type: PacketType.PUBACK, packetId: m1.packetId! });
      const m2 = await sub.expect(PacketType.PUBLISH);
      assert.equal(text(m2.payload), "q2");
      assert.equal(m2.qos, 2);
      sub.send({ type: PacketType.PUBREC, packetId: m2.packetId! });
      assert.equal((await sub.expect(PacketType.PUBREL)).packetId, m2.packetId);
      sub.send({ type: PacketType.PUBCOMP, packetId: m2.packetId! });
      await sub.disconnect();
      await pub.disconnect();
    });
  }
});
