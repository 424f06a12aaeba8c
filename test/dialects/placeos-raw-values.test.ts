/**
 * PlaceOS embeds a driver's JSON raw (`String::RawConverter`), and so does the dialect: the text a
 * driver publishes on the ingest topic is the `value` of the state payload byte for byte, not the value
 * parsed and serialized again, which would turn `12345678901234567890` into `12345678901234567000`,
 * `1.0` into `1`, `1e2` into `100`, and keep only the last of a repeated key. With real MQTT.js clients:
 *
 * - the published and retained payloads, and the registry's current state;
 * - the state republished from the registry when the module moves (its name changes);
 * - the state published again at start from the SQLite store, after a restart;
 * - a tenant privacy rule still sees every value of a repeated key: the payload it lets through holds
 *   none it did not check, and an unchanged payload keeps its text.
 *
 * The Redis and REST inputs have theirs in placeos-redis.test.ts and test/admin/module-state.test.ts.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stateValueJson } from "../../src/platform/registry/index.js";
import { drain, IDS, must, type PlaceosBroker, startPlaceosBroker, T } from "./helpers/placeos-world.js";
import { TestClient } from "./helpers/test-client.js";

const ROOM = `placeos/${IDS.org}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}`;
const VC = `${ROOM}/${IDS.vcDriver}/VidConf/1/`;

/** Keys and the driver's text of each: what parsing and serializing again would change. */
const RAW: readonly (readonly [string, string])[] = [
  ["big", "12345678901234567890"],
  ["decimal", "1.0"],
  ["exponent", "1e2"],
  ["repeated", '{"source":1,"source":2}'],
  ["spaced", '{ "input" : "HDMI 1", "levels" : [ 1.50, -0.0 ] }'],
  ["escaped", '"caf\\u00e9 \\/ \\ud83d\\ude00"'],
];

const ingest = (moduleId: string, key: string): string => `placeos/ingest/${moduleId}/state/${key}`;

/** The value text of a state payload `{"time":<ms>,"value":<text>}`, checked to be exactly that shape. */
function valueText(payload: string): string {
  const match = /^\{"time":\d+,"value":([\s\S]*)\}$/.exec(payload);
  assert.ok(match !== null, `a state payload: ${payload}`);
  assert.doesNotThrow(() => JSON.parse(payload), `one JSON text: ${payload}`);
  return match[1]!;
}

async function publishRaw(broker: PlaceosBroker, moduleId: string = IDS.vc): Promise<void> {
  const driver = await TestClient.connect(broker.url, { username: "drv" });
  for (const [key, text] of RAW) {
    const answer = await driver.publish(ingest(moduleId, key), text);
    assert.deepEqual([answer.kind, answer.kind === "acked" ? answer.reasonCode : -1], ["acked", 0], key);
  }
  await driver.end();
}

/** The retained state of a fresh subscriber to `filter`, as `key -> value text`. */
async function retainedValues(broker: PlaceosBroker, filter: string): Promise<Record<string, string>> {
  const late = await TestClient.connect(broker.url, { username: "alice" });
  await late.subscribe(filter);
  const messages = await drain(late);
  await late.end();
  for (const m of messages) assert.equal(m.packet.retain, true, m.topic);
  return Object.fromEntries(
    messages.map((m) => [m.topic.slice(m.topic.lastIndexOf("/") + 1), valueText(m.payload)]),
  );
}

describe("PlaceOS: a driver's JSON is published as it came", () => {
  let broker: PlaceosBroker;

  before(async () => {
    broker = await startPlaceosBroker();
  });
  after(async () => {
    await broker.stop();
  });

  it("live, retained, and as the module's current state", async () => {
    const watcher = await TestClient.connect(broker.url, { username: "alice" });
    await watcher.subscribe(`${VC}+`);
    await publishRaw(broker);
    const live = await watcher.inbox.take(RAW.length);
    await watcher.end();
    assert.deepEqual(
      live.map((m) => [m.topic, valueText(m.payload)]),
      RAW.map(([key, text]) => [`${VC}${key}`, text]),
    );
    assert.deepEqual(await retainedValues(broker, `${VC}+`), Object.fromEntries(RAW));

    const state = new Map(broker.registry.state({ kind: "modules", id: IDS.vc }).map((s) => [s.channel, s]));
    for (const [key, text] of RAW) {
      const stored = state.get(key)!;
      assert.deepEqual(stored.value, JSON.parse(text), `${key}: the parsed value is kept too`);
      assert.equal(stateValueJson(stored.value, stored.valueText), text, key);
    }
  });

  it("republished as it came when the module moves to new topics", async () => {
    await publishRaw(broker, IDS.display1);
    const watcher = await TestClient.connect(broker.url, { username: "alice" });
    await watcher.subscribe(`${ROOM}/${IDS.displayDriver}/Screen/1/+`);
    must(broker.registry.update("modules", IDS.display1, { name: "Screen" }));
    const moved = await watcher.inbox.take(RAW.length);
    await watcher.end();
    assert.deepEqual(
      Object.fromEntries(
        moved.map((m) => [m.topic.slice(m.topic.lastIndexOf("/") + 1), valueText(m.payload)]),
      ),
      Object.fromEntries(RAW),
    );
  });
});

describe("PlaceOS: a driver's JSON after a restart (SQLite store)", () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "sb-placeos-raw-"));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is published again at start as it came, and kept as the current state", async () => {
    const storage = { storage: { kind: "sqlite", path: dataDir } };
    const first = await startPlaceosBroker({ registry: "store", config: storage });
    try {
      await publishRaw(first);
    } finally {
      await first.stop();
    }
    // the registry and its current state come from the store; the sync at start publishes the state
    // again over what was retained
    const second = await startPlaceosBroker({ registry: "store", config: storage });
    try {
      assert.deepEqual(await retainedValues(second, `${VC}+`), Object.fromEntries(RAW));
      const state = second.registry.state({ kind: "modules", id: IDS.vc });
      assert.deepEqual(
        Object.fromEntries(state.map((s) => [s.channel, stateValueJson(s.value, s.valueText)])),
        Object.fromEntries(RAW),
      );
    } finally {
      await second.stop();
    }
  });
});

describe("PlaceOS: a tenant that lost the dialect while the broker was down (SQLite store)", () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "sb-placeos-left-"));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("has what the dialect published for it cleared at the next start", async () => {
    const storage = { storage: { kind: "sqlite", path: dataDir } };
    const retainedOf = (broker: PlaceosBroker): string[] => {
      const topics: string[] = [];
      broker.switchboard.broker.retained.match(`$t/${T}/placeos/#`, Date.now(), (m) => topics.push(m.topic));
      return topics;
    };
    const first = await startPlaceosBroker({ registry: "store", config: storage });
    try {
      await publishRaw(first);
      assert.ok(retainedOf(first).length > 3, "metadata and state retained");
    } finally {
      await first.stop();
    }
    const second = await startPlaceosBroker({ registry: "store", config: storage, placeos: { tenants: [] } });
    try {
      assert.deepEqual(retainedOf(second), []);
      assert.equal(
        second.logs.matching(
          "PlaceOS: cleared what the dialect had published for a tenant that no longer has it",
        ).length,
        1,
      );
    } finally {
      await second.stop();
    }
  });
});

describe("PlaceOS: a driver's JSON under the tenant's privacy rules", () => {
  let broker: PlaceosBroker;

  before(async () => {
    broker = await startPlaceosBroker();
    must(
      broker.registry.update("tenants", T, {
        privacy: {
          hashKey: "a-tenant-hash-key-0123456789",
          ruleSets: [{ id: "pii", rules: [{ id: "emails", match: { detector: "email" }, action: "hash" }] }],
        },
      }),
    );
  });
  after(async () => {
    await broker.stop();
  });

  it("checks every value of a repeated key, and keeps the text of what no rule changed", async () => {
    const watcher = await TestClient.connect(broker.url, { username: "alice" });
    await watcher.subscribe(`${VC}+`);
    const driver = await TestClient.connect(broker.url, { username: "drv" });
    await driver.publish(ingest(IDS.vc, "host"), '{"email":"ada@example.com","email":"-"}');
    await driver.publish(ingest(IDS.vc, "volume"), '{"level":1.0,"max":12345678901234567890}');
    await driver.end();
    const [host, volume] = await watcher.inbox.take(2);
    await watcher.end();
    assert.doesNotMatch(
      host!.payload,
      /ada@example\.com/,
      "the first value of the key is not sent unchecked",
    );
    assert.deepEqual(JSON.parse(host!.payload).value, { email: "-" }, "sent as the rules saw it");
    assert.equal(valueText(volume!.payload), '{"level":1.0,"max":12345678901234567890}');
  });
});
