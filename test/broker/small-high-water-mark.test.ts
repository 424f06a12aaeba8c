/**
 * A `mqtt.writeHighWaterMark` below the size of one turn's batch (64 KiB), with a store that
 * acknowledges at once (memory): the batch alone can make a link unwritable, and when the operating
 * system then takes it all, no drain comes. Deliveries that waited for the link must still go on, and
 * in order: a new message may not overtake the resends of a reconnect [MQTT-4.6.0-1].
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { bytes, delay, RawClient, text } from "../helpers/raw-client.js";
import { drain, publishes, sub, subscribe } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const publishFrame = (
  topic: string,
  payload: string | Uint8Array,
  qos: 0 | 1,
  packetId?: number,
): Uint8Array =>
  encodePacket(
    {
      type: PacketType.PUBLISH,
      topic,
      payload: typeof payload === "string" ? bytes(payload) : payload,
      qos,
      retain: false,
      dup: false,
      ...(packetId === undefined ? {} : { packetId }),
    },
    5,
  );

/** The PUBLISH packets `client` receives until it is quiet for `quietMs`, not acknowledged. */
async function collect(client: RawClient, quietMs: number): Promise<PublishPacket[]> {
  const got: PublishPacket[] = [];
  for (;;) {
    try {
      const packet = await client.next(quietMs);
      if (packet.type === PacketType.PUBLISH) got.push(packet);
    } catch {
      return got;
    }
  }
}

describe("mqtt.writeHighWaterMark 8192 (a memory store)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { writeHighWaterMark: 8192 } } });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });
  const connected = async (options: Parameters<typeof RawClient.connected>[1]): Promise<RawClient> => {
    const client = await RawClient.connected(broker.port, options);
    clients.push(client);
    return client;
  };
  const label = (p: PublishPacket): string => text(p.payload).split("|")[0]!;

  it("a QoS 1 message queued behind a turn's large QoS 0 batch is delivered, and so are the next ones", async () => {
    const subscriber = await connected({ protocolVersion: 5, clientId: "hwm-stall-sub" });
    await subscribe(subscriber, [sub("hwm/stall/#", 1)]);
    const publisher = await connected({ protocolVersion: 5, clientId: "hwm-stall-pub" });
    const big = new Uint8Array(4000).fill(0x41);
    // one chunk, so one turn: 12 KB of QoS 0, then a QoS 1 message
    publisher.sendBytes(
      new Uint8Array(
        Buffer.concat([
          ...[0, 1, 2].map(() => publishFrame("hwm/stall/zero", big, 0)),
          publishFrame("hwm/stall/one", "q1-1", 1, 1),
        ]),
      ),
    );
    for (let i = 2; i <= 4; i++) {
      publisher.sendBytes(publishFrame("hwm/stall/one", `q1-${i}`, 1, i));
      await delay(30);
    }
    const got = publishes(await drain(subscriber, 400)).filter((p) => p.qos === 1);
    assert.deepEqual(
      got.map((p) => text(p.payload)),
      ["q1-1", "q1-2", "q1-3", "q1-4"],
    );
  });

  it("[MQTT-4.6.0-1] a new message does not overtake the resends of a reconnect", async () => {
    const options = {
      protocolVersion: 5 as const,
      clientId: "hwm-order-sub",
      properties: { sessionExpiryInterval: 300 },
    };
    let subscriber = await connected(options);
    await subscribe(subscriber, [sub("hwm/order", 1)]);
    const publisher = await connected({ protocolVersion: 5, clientId: "hwm-order-pub" });
    const pad = "x".repeat(3000);
    for (let i = 1; i <= 6; i++) {
      publisher.sendBytes(publishFrame("hwm/order", `m${i}|${pad}`, 1, i));
      await delay(20);
    }
    assert.equal((await collect(subscriber, 200)).length, 6); // received, never acknowledged
    subscriber.destroy();
    await delay(100);
    subscriber = await connected({ ...options, cleanStart: false });
    await delay(100);
    publisher.sendBytes(publishFrame("hwm/order", `m7|${pad}`, 1, 7));
    const seen: string[] = [];
    for (let round = 0; round < 4 && seen.length < 7; round++) {
      for (const p of await collect(subscriber, 300)) {
        seen.push(`${label(p)}${p.dup ? " dup" : ""}`);
        subscriber.send({ type: PacketType.PUBACK, packetId: p.packetId! });
      }
    }
    assert.deepEqual(seen, ["m1 dup", "m2 dup", "m3 dup", "m4 dup", "m5 dup", "m6 dup", "m7"]);
  });
});
