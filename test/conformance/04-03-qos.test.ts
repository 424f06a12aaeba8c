/**
 * QoS 0/1/2 protocol flows in both directions (spec 4.3, 3.4-3.7): acknowledgements and their packet
 * identifiers, inbound QoS 2 duplicate suppression, PUBREL for an unknown identifier, PUBREC/PUBACK
 * failure codes from the subscriber, the DUP flag, and the granted-QoS downgrade.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType, type QoS } from "../../src/protocol/packet-type.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
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

describe("QoS flows (spec 4.3)", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;

    it(`[MQTT-4.3.1-1] ${tag(version, "[MQTT-2.3.1-5]", "[MQTT-2.2.1-2]")} QoS 0 is forwarded with QoS 0, DUP 0, no packet identifier, and not acknowledged ${v}`, async () => {
      const topic = uid("q0");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      sendPublish(pub, topic, "zero", 0);
      const got = await nextPublish(sub);
      assert.equal(got.qos, 0);
      assert.equal(got.dup, false);
      assert.equal(got.packetId, undefined);
      assert.deepEqual(payloads([got]), ["zero"]);
      await pub.expectNothing(150);
    });

    it(`${tag(version, "[MQTT-4.3.2-2] [MQTT-2.3.1-6]", "[MQTT-4.3.2-4] [MQTT-2.2.1-5]")} QoS 1 PUBLISH is answered by PUBACK with its packet identifier ${v}`, async () => {
      const topic = uid("q1");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      sendPublish(pub, topic, "one", 1, { packetId: 0x1234 });
      const puback = await pub.expect(PacketType.PUBACK);
      assert.equal(puback.packetId, 0x1234);
      if (version === 5) assert.equal(puback.reasonCode, ReasonCode.Success);
      else assert.equal(puback.reasonCode, undefined, "v3.1.1 PUBACK has no reason code");
      const got = await nextPublish(sub);
      assert.equal(got.qos, 1);
      assert.equal(got.dup, false);
      assert.ok(got.packetId !== undefined && got.packetId > 0);
      await ack(sub, got);
      await sub.expectNothing(150);
    });

    it(`${tag(version, "[MQTT-4.3.3-2]", "[MQTT-4.3.3-8] [MQTT-4.3.3-11]")} inbound QoS 2: PUBREC, then PUBREL is answered by PUBCOMP, same packet identifier ${v}`, async () => {
      const topic = uid("q2");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      sendPublish(pub, topic, "two", 2, { packetId: 0xfffe });
      const pubrec = await pub.expect(PacketType.PUBREC);
      assert.equal(pubrec.packetId, 0xfffe);
      pub.send({ type: PacketType.PUBREL, packetId: 0xfffe });
      const pubcomp = await pub.expect(PacketType.PUBCOMP);
      assert.equal(pubcomp.packetId, 0xfffe);
      if (version === 5) assert.equal(pubcomp.reasonCode, ReasonCode.Success);
      const got = await receive(sub, 1);
      assert.deepEqual(payloads(got), ["two"]);
      assert.equal(got[0]!.qos, 2);
      await sub.expectNothing(150);
    });

    it(`${tag(version, "[MQTT-4.3.3-1]", "[MQTT-4.3.3-2] [MQTT-4.3.3-4] [MQTT-4.3.3-5]")} outbound QoS 2: PUBLISH DUP 0, PUBREC is answered by PUBREL with the same identifier, PUBCOMP ends it ${v}`, async () => {
      const topic = uid("out2");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, "x", 2);
      const got = await nextPublish(sub);
      assert.equal(got.qos, 2);
      assert.equal(got.dup, false);
      assert.ok(got.packetId! > 0);
      await sub.expectNothing(150); // no PUBREL before PUBREC
      sub.send({ type: PacketType.PUBREC, packetId: got.packetId! });
      const pubrel = await sub.expect(PacketType.PUBREL);
      assert.equal(pubrel.packetId, got.packetId);
      sub.send({ type: PacketType.PUBCOMP, packetId: got.packetId! });
      await sub.expectNothing(200); // [MQTT-4.3.3-6] the PUBLISH is never sent again
    });

    it(`${tag(version, "[MQTT-2.3.1-1] [MQTT-2.3.1-4]", "[MQTT-2.2.1-4]")} packet identifiers of in-flight QoS 1/2 PUBLISH to a client are non-zero and distinct ${v}`, async () => {
      const topic = uid("ids");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      for (let i = 0; i < 20; i++) await publish(pub, topic, `m${i}`, i % 2 === 0 ? 1 : 2, { packetId: 1 });
      const got = await receive(sub, 20, false);
      const ids = got.map((p) => p.packetId!);
      assert.ok(
        ids.every((id) => id > 0 && id <= 0xffff),
        `ids ${ids.join(",")}`,
      );
      assert.equal(new Set(ids).size, 20, `ids must be distinct: ${ids.join(",")}`);
      for (const p of got) await ack(sub, p);
    });

    it(`${tag(version, "[MQTT-4.3.3-2]", "[MQTT-4.3.3-10] [MQTT-4.3.3-12]")} a QoS 2 PUBLISH resent with the same identifier before PUBREL gets PUBREC again and is not forwarded twice ${v}`, async () => {
      const topic = uid("dup2");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      sendPublish(pub, topic, "first", 2, { packetId: 7 });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 7);
      sendPublish(pub, topic, "first", 2, { packetId: 7, dup: true });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 7);
      sendPublish(pub, topic, "first", 2, { packetId: 7, dup: true });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 7);
      const got = await receive(sub, 1);
      assert.deepEqual(payloads(got), ["first"]);
      await sub.expectNothing(200);
      pub.send({ type: PacketType.PUBREL, packetId: 7 });
      assert.equal((await pub.expect(PacketType.PUBCOMP)).packetId, 7);
      // after PUBCOMP the same identifier carries a new message
      await publish(pub, topic, "second", 2, { packetId: 7 });
      assert.deepEqual(payloads(await receive(sub, 1)), ["second"]);
    });

    it(`${tag(version, "[MQTT-4.3.2-2]", "[MQTT-4.3.2-5]")} after PUBACK, a QoS 1 PUBLISH with the same identifier is a new message ${v}`, async () => {
      const topic = uid("reuse1");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 1);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, "a", 1, { packetId: 3 });
      await publish(pub, topic, "b", 1, { packetId: 3, dup: true });
      assert.deepEqual(payloads(await receive(sub, 2)), ["a", "b"]);
    });

    it(`${tag(version, "[MQTT-4.3.3-2]", "[MQTT-4.3.3-11]")} PUBREL for an unknown packet identifier is answered by PUBCOMP${version === 5 ? " with 0x92 Packet Identifier not found" : ""} ${v}`, async () => {
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      pub.send({ type: PacketType.PUBREL, packetId: 4242 });
      const pubcomp = await pub.expect(PacketType.PUBCOMP);
      assert.equal(pubcomp.packetId, 4242);
      if (version === 5) assert.equal(pubcomp.reasonCode, ReasonCode.PacketIdentifierNotFound);
      else assert.equal(pubcomp.reasonCode, undefined);
      assert.equal(pub.closed, false);
    });

    it(`[MQTT-3.3.1-3] the DUP flag of a forwarded PUBLISH does not copy the publisher's DUP ${v}`, async () => {
      const topic = uid("dupflag");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, "d1", 1, { packetId: 11, dup: true });
      await publish(pub, topic, "d2", 2, { packetId: 12, dup: true });
      const got = await receive(sub, 2);
      assert.deepEqual(
        got.map((p) => p.dup),
        [false, false],
      );
    });

    it(`${tag(version, "[MQTT-3.8.4-6]", "[MQTT-3.8.4-8]")} delivered QoS is min(published QoS, granted QoS) ${v}`, async () => {
      const base = uid("grant");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      for (const granted of [0, 1, 2] as const)
        await subscribe(sub, `${base}/${granted}`, granted, granted + 1);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      const expected: string[] = [];
      for (const granted of [0, 1, 2] as const) {
        for (const published of [0, 1, 2] as const) {
          await publish(pub, `${base}/${granted}`, `${granted}:${published}`, published, { packetId: 20 });
          expected.push(`${granted}:${published}:${Math.min(granted, published)}`);
        }
      }
      const got = await receive(sub, 9);
      assert.deepEqual(
        got.map((p) => `${new TextDecoder().decode(p.payload)}:${p.qos}`),
        expected,
      );
    });

    it(`${tag(version, "[MQTT-3.8.4-6]", "[MQTT-3.8.4-8]")} one QoS 2 message reaches subscribers granted QoS 0, 1 and 2 each at its own QoS ${v}`, async () => {
      const topic = uid("mixed");
      const grants: QoS[] = [1, 2, 0, 2, 1];
      const subs = [];
      for (const granted of grants) {
        const sub = await clients.connect(broker.port, { protocolVersion: version });
        await subscribe(sub, topic, granted);
        subs.push(sub);
      }
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      await publish(pub, topic, "fan-out", 2);
      for (const [i, sub] of subs.entries()) {
        const got = await nextPublish(sub);
        assert.equal(got.qos, grants[i], `subscriber ${i} granted QoS ${grants[i]} received QoS ${got.qos}`);
        assert.equal(got.packetId === undefined, grants[i] === 0);
        await ack(sub, got);
        await sub.expectNothing(100);
      }
    });
  }

  it("[spec 3.6.2.1] a PUBREC for a packet identifier with no outbound QoS 2 flow is answered by PUBREL 0x92 Packet Identifier not found (v5)", async () => {
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    sub.send({ type: PacketType.PUBREC, packetId: 321 });
    const pubrel = await sub.expect(PacketType.PUBREL);
    assert.deepEqual([pubrel.packetId, pubrel.reasonCode], [321, ReasonCode.PacketIdentifierNotFound]);
    sub.send({ type: PacketType.PUBCOMP, packetId: 321 });
    await sub.expectNothing(100);
    assert.equal(sub.closed, false);
  });

  it("[MQTT-4.3.3-4] a repeated PUBREC (PUBREL already sent) is answered by PUBREL again; one PUBCOMP ends the flow (v5)", async () => {
    const topic = uid("rerec");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "x", 2);
    const got = await nextPublish(sub);
    for (let i = 0; i < 2; i++) {
      sub.send({ type: PacketType.PUBREC, packetId: got.packetId! });
      const pubrel = await sub.expect(PacketType.PUBREL);
      assert.deepEqual([pubrel.packetId, pubrel.reasonCode], [got.packetId, ReasonCode.Success]);
    }
    sub.send({ type: PacketType.PUBCOMP, packetId: got.packetId! });
    await sub.expectNothing(150);
  });

  it("[MQTT-4.4.0-2] a PUBACK or PUBREC with a reason code >= 0x80 ends the flow: no PUBREL, identifier freed, never resent (v5)", async () => {
    const topic = uid("fail");
    const clientId = uid("failsub");
    const options = persistent(5, clientId, { properties: { receiveMaximum: 1 } });
    const sub = await clients.connect(broker.port, options);
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "q2-refused", 2, { packetId: 1 });
    await publish(pub, topic, "q1-refused", 1, { packetId: 2 });
    await publish(pub, topic, "accepted", 1, { packetId: 3 });

    const first = await nextPublish(sub);
    assert.deepEqual(payloads([first]), ["q2-refused"]);
    sub.send({ type: PacketType.PUBREC, packetId: first.packetId!, reasonCode: ReasonCode.UnspecifiedError });
    // the window (Receive Maximum 1) is free again: the next message comes, and no PUBREL does
    const second = await nextPublish(sub);
    assert.deepEqual(payloads([second]), ["q1-refused"]);
    sub.send({
      type: PacketType.PUBACK,
      packetId: second.packetId!,
      reasonCode: ReasonCode.ImplementationSpecificError,
    });
    const third = await nextPublish(sub);
    assert.deepEqual(payloads([third]), ["accepted"]);
    await ack(sub, third);
    await sub.expectNothing(150);
    assert.equal(
      sub.received.some((p) => p.type === PacketType.PUBREL),
      false,
      "no PUBREL after a failing PUBREC",
    );

    sub.destroy();
    await waitOffline(broker, clientId);
    const again = await clients.connect(broker.port, { ...options, cleanStart: false });
    await again.expectNothing(250);
  });
});
