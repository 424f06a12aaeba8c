/**
 * The Gooee seed's whole topic table (002, "Topics" and "Rejected Topics"), cell by cell, with real
 * MQTT.js clients over TCP, as MQTT 3.1.1 and MQTT 5 clients:
 *
 * - Pub Yes: the publish is acknowledged and routed to subscribers of the topic;
 * - Pub No: the connection is dropped (v5: DISCONNECT 0x87 first) and nothing is routed;
 * - Sub Yes: the subscription is granted and receives what the API puts on the topic: the message
 *   itself, the derived `meta/<name>` and `actions/<type>` topics, the building aggregation of device
 *   actions and fault alarms, and the `rejected` reports (the seed's example byte for byte);
 * - any topic outside the table drops the connection (v5: DISCONNECT 0x90 for a publish, 0x8F for a
 *   subscription); wildcard filters that stay within the table are granted.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GooeeBroker, IDS, startGooeeBroker } from "./helpers/gooee-world.js";
import {
  BUILDING_FAULT_ALARM,
  DEVICE_ACTION,
  DEVICE_ACTION_DIM,
  DEVICE_FAULT_ALARM,
  headCount,
  META,
  META_TEMPERATURE,
  REJECTED_META,
  REJECTED_REPORT,
  SPACE_ACTION,
  SPACE_ACTION_OFF,
} from "./helpers/seed-examples.js";
import { type MqttVersion, TestClient } from "./helpers/test-client.js";

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** What arrives on a topic: exactly these bytes, or this JSON with the ingest time filled in. */
type Expected = { readonly exact: unknown } | { readonly filled: Readonly<Record<string, unknown>> };

interface Cell {
  /** The row as the seed writes it. */
  readonly row: string;
  readonly topic: string;
  readonly pub: boolean;
  readonly sub: boolean;
  /** A publish that puts a message on `topic` (the topic itself for Pub Yes rows). */
  readonly trigger: { readonly topic: string; readonly payload: unknown };
  readonly expected: Expected;
}

const D = (id: string) => `devices/${id}`;
const A = `areas/${IDS.area}`;
const S = `spaces/${IDS.space}`;
const B = `buildings/${IDS.building}`;

function headCountCells(prefix: string, row: string, value: number): Cell[] {
  return ["head_count", "headcount_in", "headcount_out"].map((name) => {
    const payload = headCount(name, value);
    return {
      row: `${row}/meta/${name}`,
      topic: `${prefix}/meta/${name}`,
      pub: true,
      sub: true,
      trigger: { topic: `${prefix}/meta/${name}`, payload },
      expected: { filled: payload },
    };
  });
}

/** The seed's table, in its order, then its rejected topics. */
const TABLE: readonly Cell[] = [
  {
    row: "devices/(:id)/meta",
    topic: `${D(IDS.metaDevice)}/meta`,
    pub: true,
    sub: true,
    trigger: { topic: `${D(IDS.metaDevice)}/meta`, payload: META },
    expected: { exact: META },
  },
  {
    row: "devices/(:id)/meta/(:name)",
    topic: `${D(IDS.metaDevice)}/meta/temperature`,
    pub: false,
    sub: true,
    trigger: { topic: `${D(IDS.metaDevice)}/meta`, payload: META },
    expected: { exact: META_TEMPERATURE },
  },
  {
    row: "devices/(:id)/actions",
    topic: `${D(IDS.actionDevice)}/actions`,
    pub: true,
    sub: true,
    trigger: { topic: `${D(IDS.actionDevice)}/actions`, payload: DEVICE_ACTION },
    expected: { exact: DEVICE_ACTION },
  },
  {
    row: "devices/(:id)/actions/(:type)",
    topic: `${D(IDS.actionDevice)}/actions/dim`,
    pub: false,
    sub: true,
    trigger: { topic: `${D(IDS.actionDevice)}/actions`, payload: DEVICE_ACTION },
    expected: { exact: DEVICE_ACTION_DIM },
  },
  {
    row: "devices/(:id)/fault_alarms",
    topic: `${D(IDS.alarmDevice)}/fault_alarms`,
    pub: true,
    sub: true,
    trigger: { topic: `${D(IDS.alarmDevice)}/fault_alarms`, payload: DEVICE_FAULT_ALARM },
    expected: { exact: DEVICE_FAULT_ALARM },
  },
  ...headCountCells(A, "areas/(:id)", 2),
  {
    row: "spaces/(:id)/actions",
    topic: `${S}/actions`,
    pub: true,
    sub: true,
    trigger: { topic: `${S}/actions`, payload: SPACE_ACTION },
    expected: { exact: SPACE_ACTION },
  },
  {
    row: "spaces/(:id)/actions/(:type)",
    topic: `${S}/actions/off`,
    pub: false,
    sub: true,
    trigger: { topic: `${S}/actions`, payload: SPACE_ACTION },
    expected: { exact: SPACE_ACTION_OFF },
  },
  ...headCountCells(S, "spaces/(:id)", 5),
  {
    row: "buildings/(:id)/actions",
    topic: `${B}/actions`,
    pub: false,
    sub: true,
    // a device placed under the building (in a space of an area of a level of it)
    trigger: { topic: `${D(IDS.actionDevice)}/actions`, payload: DEVICE_ACTION },
    expected: { exact: DEVICE_ACTION },
  },
  {
    row: "buildings/(:id)/actions/(:type)",
    topic: `${B}/actions/dim`,
    pub: false,
    sub: true,
    trigger: { topic: `${D(IDS.actionDevice)}/actions`, payload: DEVICE_ACTION },
    expected: { exact: DEVICE_ACTION_DIM },
  },
  {
    row: "buildings/(:id)/fault_alarms",
    topic: `${B}/fault_alarms`,
    pub: true,
    sub: true,
    trigger: { topic: `${B}/fault_alarms`, payload: BUILDING_FAULT_ALARM },
    expected: { exact: BUILDING_FAULT_ALARM },
  },
  ...headCountCells(B, "buildings/(:id)", 20),
  {
    row: "devices/(:id)/meta/rejected",
    topic: `${D(IDS.metaDevice)}/meta/rejected`,
    pub: false,
    sub: true,
    trigger: { topic: `${D(IDS.metaDevice)}/meta`, payload: REJECTED_META },
    expected: { exact: REJECTED_REPORT },
  },
  {
    row: "devices/(:id)/fault_alarms/rejected",
    topic: `${D(IDS.alarmDevice)}/fault_alarms/rejected`,
    pub: false,
    sub: true,
    trigger: {
      topic: `${D(IDS.alarmDevice)}/fault_alarms`,
      payload: { ...DEVICE_FAULT_ALARM, priority: 300 },
    },
    expected: {
      exact: {
        error: {
          message: "Invalid payload due to number out of range.  Position: (root)/priority. Value: 300.",
          context: { type: "integer", title: "Priority", minimum: 0, maximum: 255 },
        },
        data: { ...DEVICE_FAULT_ALARM, priority: 300 },
      },
    },
  },
  {
    row: "buildings/(:id)/fault_alarms/rejected",
    topic: `${B}/fault_alarms/rejected`,
    pub: false,
    sub: true,
    trigger: { topic: `${B}/fault_alarms`, payload: { ...BUILDING_FAULT_ALARM, level: 5 } },
    expected: {
      exact: {
        error: {
          message: "Invalid payload due to type mismatch.  Position: (root)/level. Value: 5.",
          context: { type: "string", title: "Level" },
        },
        data: { ...BUILDING_FAULT_ALARM, level: 5 },
      },
    },
  },
];

function check(payload: string, expected: Expected, what: string): void {
  if ("exact" in expected) {
    // byte for byte: the same keys in the same order, the same numbers
    assert.equal(payload, JSON.stringify(expected.exact), what);
    return;
  }
  const received = JSON.parse(payload) as Record<string, unknown>;
  const { timestamp, ...rest } = received;
  assert.deepEqual(rest, expected.filled, what);
  assert.match(String(timestamp), ISO_MICROS, `${what}: the ingest time, ISO 8601 with microseconds`);
}

describe("Gooee topic table (seed 002), one real client per permission cell", () => {
  let broker: GooeeBroker;
  const clients: TestClient[] = [];

  const connect = async (version: MqttVersion, username = "alice"): Promise<TestClient> => {
    const client = await TestClient.connect(broker.url, { username, version });
    clients.push(client);
    return client;
  };

  /** A v5 client subscribed to `topic` (to see what is routed there). */
  const watch = async (topic: string): Promise<TestClient> => {
    const watcher = await connect(5, "bob");
    assert.deepEqual(await watcher.subscribe(topic), { kind: "granted", codes: [1] });
    return watcher;
  };

  before(async () => {
    broker = await startGooeeBroker();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  for (const version of [4, 5] as const) {
    const label = version === 5 ? "MQTT 5" : "MQTT 3.1.1";
    describe(label, () => {
      for (const cell of TABLE) {
        if (cell.pub) {
          it(`${cell.row} Pub Yes: acknowledged and routed to its subscribers`, async () => {
            const watcher = await watch(cell.topic);
            const publisher = await connect(version);
            const answer = await publisher.publish(cell.topic, JSON.stringify(cell.trigger.payload));
            assert.deepEqual(answer, { kind: "acked", reasonCode: 0, reasonString: undefined });
            const message = await watcher.inbox.next();
            assert.equal(message.topic, cell.topic);
            check(message.payload, cell.expected, cell.row);
            assert.ok(publisher.connected, "the publisher stays connected");
          });
        } else {
          it(`${cell.row} Pub No: the connection is dropped${version === 5 ? " (DISCONNECT 0x87 first)" : ""}`, async () => {
            const watcher = await watch(cell.topic);
            const publisher = await connect(version);
            const answer = await publisher.publish(cell.topic, JSON.stringify(cell.trigger.payload));
            assert.equal(answer.kind, "closed");
            const ending = answer.ending;
            if (version === 5) assert.equal(ending.disconnect?.reasonCode, 0x87);
            else assert.equal(ending.disconnect, undefined, "a v3 client is closed without a packet");
            await watcher.inbox.expectNothing();
          });
        }
        assert.ok(cell.sub, "every row of the seed's table may be subscribed to");
        it(`${cell.row} Sub Yes: granted, and receives ${describeTrigger(cell)}`, async () => {
          const subscriber = await connect(version);
          assert.deepEqual(await subscriber.subscribe(cell.topic), { kind: "granted", codes: [1] });
          const publisher = await connect(5, "bob");
          const answer = await publisher.publish(cell.trigger.topic, JSON.stringify(cell.trigger.payload));
          assert.equal(answer.kind, "acked");
          const message = await subscriber.inbox.next();
          assert.equal(message.topic, cell.topic);
          check(message.payload, cell.expected, cell.row);
          await subscriber.inbox.expectNothing(50);
        });
      }

      describe("topics outside the table", () => {
        for (const topic of [
          `${D(IDS.metaDevice)}/status`,
          "foo",
          `${A}/meta/temperature`,
          `${D(IDS.metaDevice)}/meta/a/b`,
        ]) {
          for (const qos of [0, 1] as const) {
            it(`publishing to "${topic}" at QoS ${qos} drops the connection${version === 5 ? " (DISCONNECT 0x90 first)" : ""}`, async () => {
              const publisher = await connect(version);
              const answer = await publisher.publish(topic, "{}", qos);
              const ending = answer.kind === "closed" ? answer.ending : await publisher.expectEnded();
              if (version === 5) assert.equal(ending.disconnect?.reasonCode, 0x90);
              else assert.equal(ending.disconnect, undefined);
            });
          }
        }
        for (const filter of [
          `${D(IDS.metaDevice)}/status`,
          "lights/#",
          `${D(IDS.metaDevice)}/meta/temperature/x`,
          "+/x/y/z/w",
        ]) {
          it(`subscribing to "${filter}" drops the connection${version === 5 ? " (DISCONNECT 0x8F first)" : ""}`, async () => {
            const subscriber = await connect(version);
            const answer = await subscriber.subscribe(filter);
            assert.equal(answer.kind, "closed");
            if (version === 5) assert.equal(answer.ending.disconnect?.reasonCode, 0x8f);
            else assert.equal(answer.ending.disconnect, undefined);
          });
        }
        it("a SUBSCRIBE with one filter outside the table among good ones drops the connection", async () => {
          const subscriber = await connect(version);
          const answer = await subscriber.subscribe([`${B}/actions`, "elsewhere/#"]);
          assert.equal(answer.kind, "closed");
        });
      });

      describe("wildcard filters within the table", () => {
        for (const filter of [
          "#",
          "devices/+/meta/#",
          `${B}/#`,
          "+/+/meta/head_count",
          `${D(IDS.metaDevice)}/meta/+`,
        ]) {
          it(`"${filter}" is granted`, async () => {
            const subscriber = await connect(version);
            assert.deepEqual(await subscriber.subscribe(filter), { kind: "granted", codes: [1] });
          });
        }
        it(`"${B}/#" receives the building's aggregated actions and fault alarms, nothing of other buildings`, async () => {
          const subscriber = await connect(version);
          await subscriber.subscribe(`${B}/#`);
          const annex = await connect(version);
          await annex.subscribe(`buildings/${IDS.otherBuilding}/#`);
          const publisher = await connect(5, "bob");
          await publisher.publish(`${D(IDS.actionDevice)}/actions`, JSON.stringify(DEVICE_ACTION));
          await publisher.publish(`${D(IDS.alarmDevice)}/fault_alarms`, JSON.stringify(DEVICE_FAULT_ALARM));
          const received = await subscriber.inbox.take(3);
          assert.deepEqual(
            received.map((m) => [m.topic, m.payload]),
            [
              [`${B}/actions`, JSON.stringify(DEVICE_ACTION)],
              [`${B}/actions/dim`, JSON.stringify(DEVICE_ACTION_DIM)],
              [`${B}/fault_alarms`, JSON.stringify(DEVICE_FAULT_ALARM)],
            ],
          );
          await annex.inbox.expectNothing();
        });
        it("a device placed under no building produces no building topics", async () => {
          const subscriber = await connect(version);
          await subscriber.subscribe(["buildings/#", `${D(IDS.looseDevice)}/actions/+`]);
          const publisher = await connect(5, "bob");
          const action = { ...DEVICE_ACTION, target_id: IDS.looseDevice };
          await publisher.publish(`${D(IDS.looseDevice)}/actions`, JSON.stringify(action));
          const message = await subscriber.inbox.next();
          assert.equal(message.topic, `${D(IDS.looseDevice)}/actions/dim`);
          await subscriber.inbox.expectNothing();
        });
      });
    });
  }
});

function describeTrigger(cell: Cell): string {
  if (cell.trigger.topic === cell.topic) return "what is published on it";
  return `what a publish on ${cell.trigger.topic.replace(/^(\w+)\/[^/]+/, "$1/(:id)")} puts on it`;
}
