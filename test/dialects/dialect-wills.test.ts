/**
 * A will is published as its client's publish would be: through the dialects' message stages. A
 * PlaceOS driver's will on its module's ingest topic (the usual "connected: false" last will) becomes
 * the module's state; a Gooee device's will whose payload its schema refuses is not routed as it is
 * but reported on `rejected`, and a valid one makes the derived messages. Over real sockets (MQTT.js),
 * the connection killed so the will goes out; immediate and delayed wills.
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type MqttClient } from "mqtt";
import { connectWithInbox, type Inbox } from "../helpers/mqttjs.js";
import { type GooeeBroker, IDS as GOOEE, startGooeeBroker } from "./helpers/gooee-world.js";
import { IDS, type PlaceosBroker, startPlaceosBroker } from "./helpers/placeos-world.js";

/** Connects a client with a will and kills its socket, so the broker publishes the will. */
async function dieWithWill(
  url: string,
  username: string,
  will: { topic: string; payload: string; delay?: number },
): Promise<void> {
  const client: MqttClient = connect(url, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    username,
    password: "x",
    clientId: `will-${Math.random().toString(36).slice(2, 8)}`,
    ...(will.delay === undefined ? {} : { properties: { sessionExpiryInterval: 60 } }),
    will: {
      topic: will.topic,
      payload: Buffer.from(will.payload),
      qos: 1,
      retain: false,
      ...(will.delay === undefined ? {} : { properties: { willDelayInterval: will.delay } }),
    },
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  client.stream.destroy(); // not a DISCONNECT: the will is sent [MQTT-3.1.2-8]
}

async function watcher(
  url: string,
  username: string,
  filter: string,
): Promise<{ client: MqttClient; inbox: Inbox }> {
  const connected = await connectWithInbox(url, { protocolVersion: 5, username, password: "x" });
  await connected.client.subscribeAsync(filter, { qos: 1 });
  return connected;
}

describe("wills through the dialect stages", () => {
  describe("PlaceOS: a driver's will on the ingest topic", () => {
    let broker: PlaceosBroker;
    const open: MqttClient[] = [];
    before(async () => {
      broker = await startPlaceosBroker();
    });
    after(async () => {
      for (const client of open) await client.endAsync(true);
      await broker.stop();
    });

    for (const delay of [undefined, 1])
      it(`becomes the module's state (${delay === undefined ? "immediate" : "delayed"} will)`, async () => {
        const { client, inbox } = await watcher(
          broker.url,
          "alice",
          "placeos/+/state/+/+/+/+/+/VidConf/+/connected",
        );
        open.push(client);
        const value = delay === undefined ? "immediate" : "delayed";
        await dieWithWill(broker.url, "drv", {
          topic: `placeos/ingest/${IDS.vc}/state/connected`,
          payload: JSON.stringify({ offline: value }),
          ...(delay === undefined ? {} : { delay }),
        });
        const died = Date.now();
        // the subscription's retained value (an earlier test's) comes first: skip to this will's
        let message = await inbox.next(5000);
        while (message.packet.retain) message = await inbox.next(5000);
        if (delay !== undefined) assert.ok(Date.now() - died >= delay * 1000 - 50, "sent after its delay");
        assert.equal(
          message.topic,
          `placeos/${IDS.org}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}/${IDS.vcDriver}/VidConf/1/connected`,
        );
        assert.deepEqual(JSON.parse(message.payload).value, { offline: value });
        const state = broker.registry.state({ kind: "modules", id: IDS.vc });
        assert.deepEqual(state.find((s) => s.channel === "connected")?.value, { offline: value });
      });
  });

  describe("Gooee: a device's will on its meta topic", () => {
    let broker: GooeeBroker;
    const open: MqttClient[] = [];
    const meta = `devices/${GOOEE.metaDevice}/meta`;
    before(async () => {
      broker = await startGooeeBroker();
    });
    after(async () => {
      for (const client of open) await client.endAsync(true);
      await broker.stop();
    });

    it("a payload its schema refuses is reported on rejected, not routed as it came", async () => {
      const { client, inbox } = await watcher(broker.url, "bob", `${meta}/#`);
      open.push(client);
      const data = [{ name: "temperature", value: 200 }];
      await dieWithWill(broker.url, "alice", { topic: meta, payload: JSON.stringify(data) });
      const report = await inbox.next();
      assert.equal(report.topic, `${meta}/rejected`);
      assert.deepEqual((JSON.parse(report.payload) as { data: unknown }).data, data);
      await inbox.expectNothing(200);
    });

    it("a valid payload makes the derived messages", async () => {
      const { client, inbox } = await watcher(broker.url, "bob", `${meta}/#`);
      open.push(client);
      await dieWithWill(broker.url, "alice", {
        topic: meta,
        payload: JSON.stringify([{ name: "temperature", value: 21 }]),
      });
      const topics = (await inbox.take(2)).map((m) => m.topic).sort();
      assert.deepEqual(topics, [meta, `${meta}/temperature`].sort());
    });
  });
});
