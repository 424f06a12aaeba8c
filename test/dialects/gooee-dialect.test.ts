/**
 * The Gooee dialect beyond the topic table (gooee-topic-table.test.ts walks the table itself), with
 * real MQTT.js clients against a broker with the dialect enabled:
 *
 * - meta values are kept as the device's current state (in the registry), with the source time;
 * - timestamps: ISO 8601 with microseconds kept exactly as given, missing ones filled with the ingest
 *   time in the routed message and in the derived ones;
 * - validation: meta names against Gooee's Meta Constraints, values against the tenant's payload
 *   schema (ajv, compiled once per schema version), unknown or disabled targets; the v5 reason code
 *   and reason string, the `rejected` report, and the v3 client that gets neither a negative ack nor a
 *   dropped connection;
 * - QoS and RETAIN of derived topics, rejected reports never retained, a zero-length retained publish;
 * - the dialect per tenant: a tenant without it is untouched, one with it in the registry has it, and
 *   enabling it in the registry takes effect at once;
 * - projection through the envelope: an envelope that enters elsewhere is rendered on Gooee's topics.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createEnvelope, parseIsoTimestamp } from "../../src/platform/envelope/index.js";
import type { GooeeDialect } from "../../src/platform/dialects/gooee/index.js";
import type { EntityRef } from "../../src/platform/registry/index.js";
import { type GooeeBroker, IDS, startGooeeBroker } from "./helpers/gooee-world.js";
import {
  DEVICE_ACTION,
  DEVICE_ACTION_DIM,
  DEVICE_FAULT_ALARM,
  META,
  REJECTED_META,
  REJECTED_REPORT,
} from "./helpers/seed-examples.js";
import { type MqttVersion, type PublishAnswer, TestClient } from "./helpers/test-client.js";

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const PAYLOAD_FORMAT_INVALID = 0x99;
const IMPLEMENTATION_SPECIFIC_ERROR = 0x83;

const metaTopic = (id: string = IDS.metaDevice): string => `devices/${id}/meta`;

/** Asserts that `text` is an ISO 8601 time with microseconds between `from` and `to` (ms). */
function assertIngestTime(text: unknown, from: number, to: number, what: string): void {
  assert.equal(typeof text, "string", `${what}: a time`);
  assert.match(text as string, ISO_MICROS, `${what}: ISO 8601 with microseconds`);
  const micros = parseIsoTimestamp(text as string)!;
  assert.ok(micros >= from * 1000 && micros <= to * 1000, `${what}: ${text as string} is the ingest time`);
}

function assertRejected(answer: PublishAnswer, reasonCode: number, reason: string): void {
  assert.deepEqual(answer, { kind: "acked", reasonCode, reasonString: reason });
}

describe("Gooee dialect", () => {
  let broker: GooeeBroker;
  const clients: TestClient[] = [];

  const connect = async (
    version: MqttVersion = 5,
    username = "alice",
    options: Parameters<typeof TestClient.connect>[1] = {},
  ): Promise<TestClient> => {
    const client = await TestClient.connect(broker.url, { ...options, username, version });
    clients.push(client);
    return client;
  };

  const watch = async (filters: string | readonly string[], username = "bob"): Promise<TestClient> => {
    const watcher = await connect(5, username);
    const answer = await watcher.subscribe(filters);
    assert.equal(answer.kind, "granted");
    return watcher;
  };

  const state = (entity: EntityRef): Record<string, [unknown, string | undefined]> =>
    Object.fromEntries(broker.registry.state(entity).map((s) => [s.channel, [s.value, s.sourceTime]]));

  before(async () => {
    broker = await startGooeeBroker();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  describe("current state", () => {
    it("meta values are kept as the device's current state, with the source time as given", async () => {
      const device: EntityRef = { kind: "devices", id: IDS.metaDevice };
      const publisher = await connect();
      assert.equal((await publisher.publish(metaTopic(), JSON.stringify(META))).kind, "acked");
      assert.deepEqual(state(device), {
        temperature: [87.4, "2016-08-09T20:00:47.539000Z"],
        als: [87, "2016-08-09T20:00:47.539000Z"],
      });

      const from = Date.now();
      await publisher.publish(metaTopic(), JSON.stringify([{ name: "temperature", value: 21.5 }]));
      const to = Date.now();
      const values = broker.registry.state(device);
      const temperature = values.find((s) => s.channel === "temperature")!;
      assert.equal(temperature.value, 21.5);
      assert.equal(temperature.sourceTime, undefined, "no source time was given");
      assert.ok(temperature.time >= from && temperature.time <= to, "stored at the ingest time");
      assert.deepEqual(state(device)["als"], [87, "2016-08-09T20:00:47.539000Z"], "other values kept");
    });

    it("head counts are kept as the zone's current state", async () => {
      const publisher = await connect();
      await publisher.publish(
        `buildings/${IDS.building}/meta/headcount_in`,
        JSON.stringify({ name: "headcount_in", value: 42, timestamp: "2024-01-02T03:04:05.123456Z" }),
      );
      assert.deepEqual(state({ kind: "zones", id: IDS.building })["headcount_in"], [
        42,
        "2024-01-02T03:04:05.123456Z",
      ]);
    });

    it("a rejected publish changes no state, even its valid values", async () => {
      const device: EntityRef = { kind: "devices", id: IDS.metaDevice };
      const publisher = await connect();
      await publisher.publish(metaTopic(), JSON.stringify([{ name: "als", value: 5 }]));
      const answer = await publisher.publish(
        metaTopic(),
        JSON.stringify([
          { name: "als", value: 6 },
          { name: "temperature", value: "hot" },
        ]),
      );
      assert.equal(answer.kind === "acked" && answer.reasonCode, PAYLOAD_FORMAT_INVALID);
      assert.equal(state(device)["als"]?.[0], 5);
    });
  });

  describe("timestamps", () => {
    it("ISO 8601 times with microseconds (and offsets) are kept exactly as given", async () => {
      const watcher = await watch(`${metaTopic()}/#`);
      const publisher = await connect();
      const meta = [
        { name: "temperature", value: 20.25, timestamp: "2021-03-04T05:06:07.123456Z" },
        { name: "als", value: 300, timestamp: "2021-03-04T07:06:07.000001+02:00" },
      ];
      const payload = JSON.stringify(meta);
      assert.equal((await publisher.publish(metaTopic(), payload)).kind, "acked");
      const received = await watcher.inbox.take(3);
      assert.deepEqual(
        received.map((m) => [m.topic, m.payload]),
        [
          [metaTopic(), payload],
          [
            `${metaTopic()}/temperature`,
            JSON.stringify({ name: "temperature", value: 20.25, timestamp: meta[0]!.timestamp }),
          ],
          [`${metaTopic()}/als`, JSON.stringify({ name: "als", value: 300, timestamp: meta[1]!.timestamp })],
        ],
      );
      assert.equal(
        broker.registry.state({ kind: "devices", id: IDS.metaDevice }).find((s) => s.channel === "als")
          ?.sourceTime,
        "2021-03-04T07:06:07.000001+02:00",
      );
    });

    it("a missing meta timestamp is filled with the ingest time, the same in every derived message", async () => {
      const watcher = await watch(`${metaTopic()}/#`);
      const publisher = await connect();
      const from = Date.now();
      await publisher.publish(
        metaTopic(),
        JSON.stringify([
          { name: "temperature", value: 19, timestamp: "2016-08-09T20:00:47.539000Z" },
          { name: "als", display_name: "Light", value: 12 },
        ]),
      );
      const to = Date.now();
      const [all, temperature, als] = await watcher.inbox.take(3);
      const items = JSON.parse(all!.payload) as Record<string, unknown>[];
      assert.equal(items[0]!["timestamp"], "2016-08-09T20:00:47.539000Z", "a given time is kept");
      assert.deepEqual(Object.keys(items[1]!), ["name", "display_name", "value", "timestamp"]);
      assertIngestTime(items[1]!["timestamp"], from, to, "the routed array");
      assert.equal(temperature!.topic, `${metaTopic()}/temperature`);
      assert.equal(als!.topic, `${metaTopic()}/als`);
      assert.deepEqual(JSON.parse(als!.payload), {
        name: "als",
        value: 12,
        timestamp: items[1]!["timestamp"],
      });
    });

    it("an action without `created` and a fault alarm without `timestamp` get the ingest time", async () => {
      const watcher = await watch([
        `devices/${IDS.actionDevice}/actions/dim`,
        `buildings/${IDS.building}/fault_alarms`,
      ]);
      const publisher = await connect();
      const { created: _created, ...action } = DEVICE_ACTION;
      const { timestamp: _timestamp, ...alarm } = DEVICE_FAULT_ALARM;
      const from = Date.now();
      await publisher.publish(`devices/${IDS.actionDevice}/actions`, JSON.stringify(action));
      await publisher.publish(`devices/${IDS.alarmDevice}/fault_alarms`, JSON.stringify(alarm));
      const to = Date.now();
      const [dim, fault] = await watcher.inbox.take(2);
      const dimmed = JSON.parse(dim!.payload) as Record<string, unknown>;
      assertIngestTime(dimmed["created"], from, to, "the action's created");
      const { created: _c, ...expectedDim } = DEVICE_ACTION_DIM;
      assert.deepEqual({ ...dimmed, created: undefined }, { ...expectedDim, created: undefined });
      const faulted = JSON.parse(fault!.payload) as Record<string, unknown>;
      assertIngestTime(faulted["timestamp"], from, to, "the fault alarm's timestamp");
    });

    it("a time that is not ISO 8601 is rejected", async () => {
      const watcher = await watch(`${metaTopic()}/rejected`);
      const publisher = await connect();
      const data = [{ name: "temperature", value: 20, timestamp: "2016-08-09 20:00" }];
      const answer = await publisher.publish(metaTopic(), JSON.stringify(data));
      const message =
        'Invalid payload due to invalid date-time format.  Position: [0]/timestamp. Value: "2016-08-09 20:00".';
      assertRejected(answer, PAYLOAD_FORMAT_INVALID, message);
      const report = await watcher.inbox.next();
      assert.equal(
        report.payload,
        JSON.stringify({
          error: { message, context: { type: "string", title: "Timestamp", format: "date-time" } },
          data,
        }),
      );
    });
  });

  describe("validation and rejection", () => {
    it("a value its payload schema refuses: 0x99, the reason string, a report quoting the schema", async () => {
      const watcher = await watch(`${metaTopic()}/#`);
      const publisher = await connect();
      const data = [{ name: "temperature", value: 200, unit_of_measure: "C" }];
      const answer = await publisher.publish(metaTopic(), JSON.stringify(data));
      const message = "Invalid payload due to number out of range.  Position: [0]/value. Value: 200.";
      assertRejected(answer, PAYLOAD_FORMAT_INVALID, message);
      const report = await watcher.inbox.next();
      assert.equal(report.topic, `${metaTopic()}/rejected`);
      assert.equal(
        report.payload,
        JSON.stringify({ error: { message, context: { type: "number", minimum: -50, maximum: 150 } }, data }),
      );
      await watcher.inbox.expectNothing();
    });

    it("a value of the wrong type is reported with the failing keyword's schema", async () => {
      const publisher = await connect();
      const answer = await publisher.publish(metaTopic(), JSON.stringify([{ name: "als", value: 1.5 }]));
      assertRejected(
        answer,
        PAYLOAD_FORMAT_INVALID,
        "Invalid payload due to type mismatch.  Position: [0]/value. Value: 1.5.",
      );
    });

    it("the seed's rejected example: an MQTT 3.1.1 client is acknowledged, not dropped, and told on rejected", async () => {
      const watcher = await watch(`${metaTopic()}/#`);
      const publisher = await connect(4);
      const answer = await publisher.publish(metaTopic(), JSON.stringify(REJECTED_META));
      assert.deepEqual(answer, { kind: "acked", reasonCode: 0, reasonString: undefined });
      const report = await watcher.inbox.next();
      assert.equal(report.topic, `${metaTopic()}/rejected`);
      assert.equal(report.payload, JSON.stringify(REJECTED_REPORT));
      await watcher.inbox.expectNothing();
      assert.ok(publisher.connected);
    });

    it("a v5 client that asks for no problem information gets the reason code only", async () => {
      const publisher = await connect(5, "alice", { properties: { requestProblemInformation: false } });
      const answer = await publisher.publish(metaTopic(), JSON.stringify(REJECTED_META));
      assert.deepEqual(answer, {
        kind: "acked",
        reasonCode: PAYLOAD_FORMAT_INVALID,
        reasonString: undefined,
      });
    });

    describe("meta names follow the Meta Constraints: ^(~?)(?!.*__.*)[a-z][a-z0-9_]+$, 1..100 characters", () => {
      const accepted = ["temperature", "~private_value", "a1", "co2_level_2", "x".repeat(100)];
      const refused: [unknown, string][] = [
        ["Meta_New", "regex pattern not matching"],
        ["double__underscore", "regex pattern not matching"],
        ["a", "regex pattern not matching"],
        ["1st", "regex pattern not matching"],
        ["~~x", "regex pattern not matching"],
        ["with-dash", "regex pattern not matching"],
        ["x".repeat(101), "string length out of range"],
        ["", "string length out of range"],
        ["rejected", "reserved name"],
        [5, "type mismatch"],
      ];
      for (const name of accepted)
        it(`"${name.length > 20 ? `${name.slice(0, 8)}... (${name.length})` : name}" is accepted`, async () => {
          const publisher = await connect();
          const answer = await publisher.publish(
            metaTopic(IDS.looseDevice),
            JSON.stringify([{ name, value: 1 }]),
          );
          assert.ok(
            answer.kind === "acked" && answer.reasonCode < 0x80,
            `accepted, got ${JSON.stringify(answer)}`,
          );
        });
      for (const [name, cause] of refused)
        it(`${JSON.stringify(name).slice(0, 24)} is refused: ${cause}`, async () => {
          const publisher = await connect();
          const answer = await publisher.publish(
            metaTopic(IDS.looseDevice),
            JSON.stringify([{ name, value: 1 }]),
          );
          assert.equal(answer.kind === "acked" && answer.reasonCode, PAYLOAD_FORMAT_INVALID);
          assert.match(
            answer.kind === "acked" ? String(answer.reasonString) : "",
            new RegExp(`^Invalid payload due to ${cause}\\.  Position: \\[0\\]/name\\. `),
          );
        });
    });

    it("malformed JSON is rejected with the text itself as the report's data", async () => {
      const watcher = await watch(`${metaTopic()}/rejected`);
      const publisher = await connect();
      const answer = await publisher.publish(metaTopic(), "not json");
      const message = 'Invalid payload due to malformed JSON.  Position: (root). Value: "not json".';
      assertRejected(answer, PAYLOAD_FORMAT_INVALID, message);
      const report = JSON.parse((await watcher.inbox.next()).payload) as Record<string, unknown>;
      assert.deepEqual(report["data"], "not json");
      assert.deepEqual(Object.keys(report), ["error", "data"]);
    });

    it("a meta payload that is not an array is rejected", async () => {
      const publisher = await connect();
      const answer = await publisher.publish(metaTopic(), JSON.stringify({ name: "als", value: 1 }));
      assert.equal(answer.kind === "acked" && answer.reasonCode, PAYLOAD_FORMAT_INVALID);
    });

    it("an unknown device, a disabled one and another tenant's: 0x83 with the reason, and a report", async () => {
      const watcher = await watch([
        "devices/nope/meta/rejected",
        `${metaTopic(IDS.disabledDevice)}/rejected`,
      ]);
      const publisher = await connect();
      const payload = JSON.stringify([{ name: "als", value: 1 }]);
      assertRejected(
        await publisher.publish(metaTopic("nope"), payload),
        IMPLEMENTATION_SPECIFIC_ERROR,
        'Invalid target: there is no device "nope".',
      );
      assertRejected(
        await publisher.publish(metaTopic(IDS.disabledDevice), payload),
        IMPLEMENTATION_SPECIFIC_ERROR,
        `Invalid target: device "${IDS.disabledDevice}" is disabled.`,
      );
      assertRejected(
        await publisher.publish(metaTopic("globex-dev"), payload),
        IMPLEMENTATION_SPECIFIC_ERROR,
        'Invalid target: there is no device "globex-dev".',
      );
      const reports = await watcher.inbox.take(2);
      assert.deepEqual(
        reports.map((r) => [r.topic, JSON.parse(r.payload)]),
        [
          [
            "devices/nope/meta/rejected",
            {
              error: {
                message: 'Invalid target: there is no device "nope".',
                context: { entity: "device", id: "nope" },
              },
              data: [{ name: "als", value: 1 }],
            },
          ],
          [
            `${metaTopic(IDS.disabledDevice)}/rejected`,
            {
              error: {
                message: `Invalid target: device "${IDS.disabledDevice}" is disabled.`,
                context: { entity: "device", id: IDS.disabledDevice },
              },
              data: [{ name: "als", value: 1 }],
            },
          ],
        ],
      );
    });

    it("an action on a zone of another type, or naming another target, is rejected", async () => {
      const publisher = await connect();
      const action = { name: "Off", type: "off", target_type: "space", value: {} };
      assertRejected(
        await publisher.publish(`spaces/${IDS.building}/actions`, JSON.stringify(action)),
        IMPLEMENTATION_SPECIFIC_ERROR,
        `Invalid target: there is no space "${IDS.building}".`,
      );
      assertRejected(
        await publisher.publish(
          `spaces/${IDS.space}/actions`,
          JSON.stringify({ ...action, target_id: "somewhere-else" }),
        ),
        PAYLOAD_FORMAT_INVALID,
        'Invalid payload due to target_id not matching the topic.  Position: (root)/target_id. Value: "somewhere-else".',
      );
      assertRejected(
        await publisher.publish(`spaces/${IDS.space}/actions`, JSON.stringify({ name: "No type" })),
        PAYLOAD_FORMAT_INVALID,
        'Invalid payload due to missing required property "type".  Position: (root). Value: {"name":"No type"}.',
      );
    });

    it("a head count must be a non-negative integer unless the tenant's schema says otherwise", async () => {
      const publisher = await connect();
      assertRejected(
        await publisher.publish(
          `areas/${IDS.area}/meta/head_count`,
          JSON.stringify({ name: "headcount", value: -1 }),
        ),
        PAYLOAD_FORMAT_INVALID,
        "Invalid payload due to number out of range.  Position: (root)/value. Value: -1.",
      );
      assertRejected(
        await publisher.publish(
          `areas/${IDS.area}/meta/headcount_in`,
          JSON.stringify({ name: "headcount_out", value: 1 }),
        ),
        PAYLOAD_FORMAT_INVALID,
        'Invalid payload due to name not matching the topic.  Position: (root)/name. Value: "headcount_out".',
      );
    });

    it("ajv compiles a payload schema once, and again only when the schema changes", async () => {
      const gooee = broker.switchboard.dialects!.dialect("gooee") as GooeeDialect;
      const created = broker.registry.create("schemas", {
        tenant: IDS.tenant,
        name: "humidity",
        schema: { type: "number", minimum: 0, maximum: 100 },
        unit: "%",
      });
      assert.ok(created.ok);
      const before = gooee.schemas.compiled;
      const publisher = await connect();
      for (const value of [10, 20, 30])
        await publisher.publish(metaTopic(), JSON.stringify([{ name: "humidity", value }]));
      assert.equal(gooee.schemas.compiled, before + 1, "compiled once for three publishes");

      assert.ok(
        broker.registry.update("schemas", created.value.id, {
          schema: { type: "number", minimum: 0, maximum: 50 },
        }).ok,
      );
      const answer = await publisher.publish(metaTopic(), JSON.stringify([{ name: "humidity", value: 60 }]));
      assertRejected(
        answer,
        PAYLOAD_FORMAT_INVALID,
        "Invalid payload due to number out of range.  Position: [0]/value. Value: 60.",
      );
      await publisher.publish(metaTopic(), JSON.stringify([{ name: "humidity", value: 40 }]));
      assert.equal(gooee.schemas.compiled, before + 2, "compiled again once after the change");
    });
  });

  describe("the dialect per tenant", () => {
    it("a tenant without the dialect is untouched by it: any topic, any payload, nothing derived", async () => {
      const acme = await watch("#", "alice");
      const globex = await watch("#", "carol");
      const publisher = await connect(5, "carol");
      assert.deepEqual(await publisher.publish("devices/globex-dev/meta", "not json"), {
        kind: "acked",
        reasonCode: 0,
        reasonString: undefined,
      });
      await publisher.publish("devices/globex-dev/meta", JSON.stringify(META));
      await publisher.publish("lights/kitchen", "on");
      const received = await globex.inbox.take(3);
      assert.deepEqual(
        received.map((m) => [m.topic, m.payload]),
        [
          ["devices/globex-dev/meta", "not json"],
          ["devices/globex-dev/meta", JSON.stringify(META)],
          ["lights/kitchen", "on"],
        ],
      );
      await globex.inbox.expectNothing();
      await acme.inbox.expectNothing();
      assert.ok(publisher.connected);
      assert.deepEqual(broker.registry.state({ kind: "devices", id: "globex-dev" }), []);
    });

    it("a tenant with the dialect enabled in the registry (not the configuration) has it", async () => {
      const watcher = await watch("devices/initech-dev/meta/#", "dave");
      const publisher = await connect(5, "dave");
      await publisher.publish("devices/initech-dev/meta", JSON.stringify(META));
      const received = await watcher.inbox.take(3);
      assert.deepEqual(
        received.map((m) => m.topic),
        ["devices/initech-dev/meta", "devices/initech-dev/meta/temperature", "devices/initech-dev/meta/als"],
      );
      const outsider = await connect(5, "dave");
      const answer = await outsider.publish("lights/kitchen", "on");
      const ending = answer.kind === "closed" ? answer.ending : await outsider.expectEnded();
      assert.equal(ending.disconnect?.reasonCode, 0x90);
    });

    it("enabling and disabling the dialect in the registry takes effect at once", async () => {
      assert.ok(broker.registry.update("tenants", "globex", { dialects: ["gooee"] }).ok);
      try {
        const client = await connect(5, "carol");
        const answer = await client.publish("lights/kitchen", "on");
        const ending = answer.kind === "closed" ? answer.ending : await client.expectEnded();
        assert.equal(ending.disconnect?.reasonCode, 0x90, "outside the table now");
      } finally {
        assert.ok(broker.registry.update("tenants", "globex", { dialects: [] }).ok);
      }
      const client = await connect(5, "carol");
      assert.equal((await client.publish("lights/kitchen", "on")).kind, "acked");
      assert.ok(client.connected);
    });
  });

  describe("projection through the envelope", () => {
    it("an action envelope that entered elsewhere is rendered on the device's and its building's topics", async () => {
      const watcher = await watch([
        `devices/${IDS.actionDevice}/actions/#`,
        `buildings/${IDS.building}/actions/#`,
      ]);
      const envelope = createEnvelope(
        {
          tenant: IDS.tenant,
          source: { kind: "devices", id: IDS.actionDevice },
          channel: "dim",
          type: "action",
          data: DEVICE_ACTION,
          dialect: "rest",
          sourceTime: DEVICE_ACTION.created,
        },
        Date.now(),
      );
      // (other clients of earlier tests, subscribed to "#", count as deliveries too)
      assert.ok(broker.switchboard.dialects!.emit(envelope) >= 4, "four topics delivered");
      const received = await watcher.inbox.take(4);
      assert.deepEqual(
        received.map((m) => [m.topic, m.payload]),
        [
          [`devices/${IDS.actionDevice}/actions`, JSON.stringify(DEVICE_ACTION)],
          [`devices/${IDS.actionDevice}/actions/dim`, JSON.stringify(DEVICE_ACTION_DIM)],
          [`buildings/${IDS.building}/actions`, JSON.stringify(DEVICE_ACTION)],
          [`buildings/${IDS.building}/actions/dim`, JSON.stringify(DEVICE_ACTION_DIM)],
        ],
      );
    });

    it("meta and head count envelopes are rendered in Gooee's payloads, the time being the source or ingest time", async () => {
      const watcher = await watch([`${metaTopic(IDS.looseDevice)}/#`, `areas/${IDS.area}/meta/+`]);
      const now = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
      const emit = broker.switchboard.dialects!.emit.bind(broker.switchboard.dialects);
      emit(
        createEnvelope(
          {
            tenant: IDS.tenant,
            source: { kind: "devices", id: IDS.looseDevice },
            channel: "temperature",
            type: "meta",
            data: 22.5,
            dialect: "rest",
            sourceTime: "2024-01-02T03:04:05.000042Z",
            attributes: { display_name: "Temperature", unit_of_measure: "C" },
          },
          now,
        ),
      );
      emit(
        createEnvelope(
          {
            tenant: IDS.tenant,
            source: { kind: "zones", id: IDS.area },
            channel: "head_count",
            type: "head_count",
            data: 7,
            dialect: "rest",
          },
          now,
        ),
      );
      const received = await watcher.inbox.take(3);
      assert.deepEqual(
        received.map((m) => [m.topic, JSON.parse(m.payload)]),
        [
          [
            metaTopic(IDS.looseDevice),
            [
              {
                name: "temperature",
                display_name: "Temperature",
                value: 22.5,
                unit_of_measure: "C",
                timestamp: "2024-01-02T03:04:05.000042Z",
              },
            ],
          ],
          [
            `${metaTopic(IDS.looseDevice)}/temperature`,
            { name: "temperature", value: 22.5, timestamp: "2024-01-02T03:04:05.000042Z" },
          ],
          [
            `areas/${IDS.area}/meta/head_count`,
            { name: "headcount", value: 7, timestamp: "2024-01-02T03:04:05.678000Z" },
          ],
        ],
      );
    });

    it("an envelope of a tenant without the dialect is rendered nowhere", async () => {
      const watcher = await watch("#", "carol");
      const envelope = createEnvelope(
        {
          tenant: "globex",
          source: { kind: "devices", id: "globex-dev" },
          channel: "temperature",
          type: "meta",
          data: 1,
          dialect: "rest",
        },
        Date.now(),
      );
      assert.equal(broker.switchboard.dialects!.emit(envelope), 0);
      await watcher.inbox.expectNothing();
    });
  });
});

describe("Gooee dialect: QoS and RETAIN of derived topics", () => {
  let broker: GooeeBroker;
  const clients: TestClient[] = [];
  const connect = async (version: MqttVersion = 5): Promise<TestClient> => {
    const client = await TestClient.connect(broker.url, { username: "alice", version });
    clients.push(client);
    return client;
  };
  const topic = metaTopic(IDS.looseDevice);

  before(async () => {
    broker = await startGooeeBroker();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  it("derived messages have the publish's QoS (then the subscription's maximum)", async () => {
    const subscriber = await connect();
    await subscriber.subscribe(`${topic}/temperature`, 1);
    const publisher = await connect();
    await publisher.publish(topic, JSON.stringify([{ name: "temperature", value: 1 }]), 0);
    await publisher.publish(topic, JSON.stringify([{ name: "temperature", value: 2 }]), 1);
    const [first, second] = await subscriber.inbox.take(2);
    assert.equal(first!.packet.qos, 0);
    assert.equal(second!.packet.qos, 1);
    assert.equal(first!.packet.retain, false);
  });

  it("a retained publish retains its derived messages too; late subscribers get the current values", async () => {
    const publisher = await connect();
    const meta = [
      { name: "temperature", value: 30, timestamp: "2024-05-06T07:08:09.101112Z" },
      { name: "als", value: 400, timestamp: "2024-05-06T07:08:09.101112Z" },
    ];
    await publisher.publish(topic, JSON.stringify(meta), 1, { retain: true });
    const late = await connect(4);
    await late.subscribe(`${topic}/+`);
    const received = await late.inbox.take(2);
    assert.deepEqual(received.map((m) => [m.topic, m.packet.retain, JSON.parse(m.payload)]).sort(), [
      [`${topic}/als`, true, { name: "als", value: 400, timestamp: meta[1]!.timestamp }],
      [`${topic}/temperature`, true, { name: "temperature", value: 30, timestamp: meta[0]!.timestamp }],
    ]);
    const whole = await connect();
    await whole.subscribe(topic);
    const retained = await whole.inbox.next();
    assert.equal(retained.payload, JSON.stringify(meta));
    assert.equal(retained.packet.retain, true);
  });

  it("rejected reports are never retained, even for a retained publish", async () => {
    const publisher = await connect();
    const answer = await publisher.publish(topic, JSON.stringify(REJECTED_META), 1, { retain: true });
    assert.equal(answer.kind === "acked" && answer.reasonCode, PAYLOAD_FORMAT_INVALID);
    const late = await connect();
    await late.subscribe(`${topic}/rejected`);
    await late.inbox.expectNothing();
  });

  it("a zero-length retained publish clears the topic's retained message and is not rejected", async () => {
    const publisher = await connect();
    const answer = await publisher.publish(topic, "", 1, { retain: true });
    assert.ok(answer.kind === "acked" && answer.reasonCode < 0x80, JSON.stringify(answer));
    const late = await connect();
    await late.subscribe(topic);
    await late.inbox.expectNothing();
    const derived = await connect();
    await derived.subscribe(`${topic}/temperature`);
    assert.equal((await derived.inbox.next()).packet.retain, true, "derived current values stay");
  });

  it("a zero-length publish that is not retained is rejected as malformed", async () => {
    const publisher = await connect();
    const answer = await publisher.publish(topic, "", 1);
    assert.equal(answer.kind === "acked" && answer.reasonCode, PAYLOAD_FORMAT_INVALID);
  });
});
