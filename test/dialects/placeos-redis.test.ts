/**
 * The Redis input of PlaceOS module state, against the real Redis on 127.0.0.1:6379: a message
 * PUBLISHed on `status/<module_id>/<key>` (as PlaceOS drivers write it) becomes the module's current
 * state and its retained PlaceOS state topic, exactly as the MQTT ingest does, the message's JSON
 * published as it came (PlaceOS embeds it raw); messages that are not JSON, name no module or no key
 * are counted and ignored; the input stops with the layer.
 *
 * Each run uses its own channel prefix (`sbtest-<random>:status/*`), so runs in parallel and other
 * users of the Redis never see each other's messages. Without a Redis the tests fail when CI=true and
 * are skipped, loudly, otherwise.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { stateValueJson } from "../../src/platform/registry/index.js";
import {
  byTopic,
  drain,
  IDS,
  type PlaceosBroker,
  startPlaceosBroker,
  stateValue,
} from "./helpers/placeos-world.js";
import { TestClient } from "./helpers/test-client.js";

const REDIS_HOST = "127.0.0.1";
const REDIS_PORT = 6379;
const ROOM = `placeos/${IDS.org}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}`;

function redisReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: REDIS_HOST, port: REDIS_PORT, timeout: 1000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const reachable = await redisReachable();
if (!reachable) {
  const message = `Redis is not running on ${REDIS_HOST}:${REDIS_PORT}: the PlaceOS Redis input tests cannot run`;
  if (process.env["CI"] === "true") assert.fail(message);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
}

describe("PlaceOS Redis input", { skip: reachable ? false : "no Redis on 127.0.0.1:6379" }, () => {
  const prefix = `sbtest-${randomUUID().slice(0, 8)}:status/`;
  let broker: PlaceosBroker;
  let redis: Redis;
  let watcher: TestClient;

  const publish = async (channel: string, message: string | Buffer): Promise<void> => {
    const receivers = await redis.publish(channel, message);
    assert.equal(receivers, 1, "the broker's input is subscribed");
  };

  before(async () => {
    broker = await startPlaceosBroker({
      placeos: {
        redis: { enabled: true, url: `redis://${REDIS_HOST}:${REDIS_PORT}`, pattern: `${prefix}*` },
      },
    });
    assert.ok(broker.redis !== undefined, "the layer has the Redis input");
    await broker.redis.ready;
    redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true });
    await redis.connect();
    watcher = await TestClient.connect(broker.url, { username: "alice" });
    await watcher.subscribe("placeos/+/state/#");
    await drain(watcher);
  });
  after(async () => {
    await watcher.end();
    redis.disconnect();
    await broker.stop();
  });

  it("a status message becomes the module's state and its retained state topic", async () => {
    const from = Date.now();
    await publish(`${prefix}${IDS.display1}/power`, "true");
    const [message] = await watcher.inbox.take(1);
    const to = Date.now();
    assert.equal(message!.topic, `${ROOM}/${IDS.displayDriver}/Display/1/power`);
    assert.equal(stateValue(message!.payload, from, to), true);
    const [stored] = broker.registry.state({ kind: "modules", id: IDS.display1 });
    assert.deepEqual(
      [stored!.channel, stored!.value, stored!.time],
      ["power", true, JSON.parse(message!.payload).time],
    );
    assert.deepEqual(broker.redis!.counts, { received: 1, accepted: 1, refused: 0 });

    const late = await TestClient.connect(broker.url, { username: "alice" });
    await late.subscribe(message!.topic);
    const [retained] = await late.inbox.take(1);
    assert.equal(retained!.packet.retain, true);
    assert.equal(retained!.payload, message!.payload);
    await late.end();
  });

  it("any JSON value; an empty message is null; a key with `/` is escaped in the topic", async () => {
    await publish(
      `${prefix}${IDS.vc}/call_status`,
      JSON.stringify({ state: "Connected", remote: "sip:x@y" }),
    );
    await publish(`${prefix}${IDS.vc}/camera`, "");
    await publish(`${prefix}${IDS.vc}/inputs/hdmi`, "[1,2]");
    const got = byTopic(await drain(watcher));
    const at = `${ROOM}/${IDS.vcDriver}/VidConf/1`;
    assert.deepEqual(
      Object.fromEntries(Object.entries(got).map(([topic, payload]) => [topic, JSON.parse(payload).value])),
      {
        [`${at}/call_status`]: { state: "Connected", remote: "sip:x@y" },
        [`${at}/camera`]: null,
        [`${at}/inputs%2Fhdmi`]: [1, 2],
      },
    );
    assert.deepEqual(
      broker.registry
        .state({ kind: "modules", id: IDS.vc })
        .map((s) => s.channel)
        .sort(),
      ["call_status", "camera", "inputs/hdmi"],
    );
  });

  it("the message's JSON is published as it came, not parsed and serialized again", async () => {
    const raw: Record<string, string> = {
      big: "12345678901234567890",
      decimal: "1.0",
      exponent: "1e2",
      repeated: '{"a":1,"a":2}',
    };
    for (const [key, text] of Object.entries(raw)) await publish(`${prefix}${IDS.lobbyDisplay}/${key}`, text);
    const got = byTopic(await drain(watcher));
    const at = `placeos/${IDS.org}/state/${IDS.building}/_/_/${IDS.lobby}/${IDS.displayDriver}/Display/1`;
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(got).map(([topic, payload]) => [
          topic,
          /^\{"time":\d+,"value":(.*)\}$/.exec(payload)?.[1],
        ]),
      ),
      Object.fromEntries(Object.entries(raw).map(([key, text]) => [`${at}/${key}`, text])),
    );
    for (const stored of broker.registry.state({ kind: "modules", id: IDS.lobbyDisplay }))
      assert.equal(stateValueJson(stored.value, stored.valueText), raw[stored.channel], stored.channel);
  });

  it("ignores (and counts) a message that is not JSON, an unknown module, a channel without a key", async () => {
    const before = { ...broker.redis!.counts };
    await publish(`${prefix}${IDS.display2}/power`, "on");
    await publish(`${prefix}mod-nope/power`, "true");
    await publish(`${prefix}${IDS.display2}`, "true");
    await publish(`${prefix}${IDS.display2}/`, "true");
    await watcher.inbox.expectNothing(300);
    assert.deepEqual(broker.redis!.counts, {
      received: before.received + 4,
      accepted: before.accepted,
      refused: before.refused + 4,
    });
    assert.deepEqual(broker.registry.state({ kind: "modules", id: IDS.display2 }), []);
    const warned = broker.logs.matching("Redis input: ignored a message");
    assert.equal(warned.length, 4, "each logged once");
    assert.match(String(warned[1]!["reason"]), /no module "mod-nope"/);
  });

  it("ignores (and counts) a message that is not UTF-8, rather than storing U+FFFD", async () => {
    const before = { ...broker.redis!.counts };
    await publish(`${prefix}${IDS.display2}/name`, Buffer.from([0x22, 0xff, 0x22])); // "\xff"
    await watcher.inbox.expectNothing(300);
    assert.deepEqual(broker.redis!.counts, {
      received: before.received + 1,
      accepted: before.accepted,
      refused: before.refused + 1,
    });
    assert.deepEqual(broker.registry.state({ kind: "modules", id: IDS.display2 }), []);
    assert.match(
      String(broker.logs.matching("Redis input: ignored a message").at(-1)!["reason"]),
      /not UTF-8/,
    );
  });

  it("messages on other channels are not taken", async () => {
    const other = await redis.publish(`other-${prefix}${IDS.display2}/power`, "true");
    assert.equal(other, 0);
    await watcher.inbox.expectNothing(200);
  });

  it("stops with the dialect layer: nothing is subscribed any more", async () => {
    await broker.dialects.stop();
    assert.equal(await redis.publish(`${prefix}${IDS.display2}/power`, "true"), 0, "no subscriber left");
    await watcher.inbox.expectNothing(200);
  });
});
