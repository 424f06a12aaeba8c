/**
 * The PlaceOS dialect with real MQTT.js clients against a broker with the dialect enabled, a zone
 * hierarchy, systems, drivers and modules in the registry, and the dialect layer started:
 *
 * - state: a driver's publish on the ingest topic and the exported `setModuleState` (the REST API's
 *   input) each become the module's current state and one retained message on its state topic, with
 *   `{"time": <ingest ms>, "value": <json>}`; `_` for missing levels; escaping of every level taken from
 *   a name; the `string` value encoding;
 * - the topic table: what drivers, other users and other tenants may publish and subscribe, with the
 *   v5 reason codes;
 * - metadata of zones, systems and drivers, retained, republished on change; a system with no org
 *   publishes nothing and is logged once;
 * - ghost topics: renames, re-indexing, re-placement (a system's zones, a zone's parent), deletions,
 *   and a tenant losing the dialect clear the old retained topics with zero-length messages;
 * - a late subscriber gets the retained snapshot, and only the current topics.
 *
 * The Redis input has its own file (placeos-redis.test.ts), the document's wildcard examples and a
 * restart placeos-wildcards.test.ts.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ANONYMOUS_PRINCIPAL } from "../../src/hooks/principal.js";
import { escapeLevel, setModuleState } from "../../src/platform/dialects/placeos/index.js";
import type { ReceivedMessage } from "../helpers/mqttjs.js";
import {
  byTopic,
  drain,
  IDS,
  must,
  type PlaceosBroker,
  startPlaceosBroker,
  stateValue,
  T,
} from "./helpers/placeos-world.js";
import { TestClient } from "./helpers/test-client.js";

const NOT_AUTHORIZED = 0x87;
const IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
const TOPIC_NAME_INVALID = 0x90;
const PAYLOAD_FORMAT_INVALID = 0x99;

const ORG = `placeos/${IDS.org}`;
/** The state topic prefixes of the test world's modules (up to the state key). */
const AT = {
  vc: `${ORG}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}/${IDS.vcDriver}/VidConf/1/`,
  display1: `${ORG}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}/${IDS.displayDriver}/Display/1/`,
  display2: `${ORG}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}/${IDS.displayDriver}/Display/2/`,
  lobby: `${ORG}/state/${IDS.building}/_/_/${IDS.lobby}/${IDS.displayDriver}/Display/1/`,
  /** System `_` and module `_`: both escaped, neither confused with a missing level. */
  odd: `${ORG}/state/${IDS.otherBuilding}/_/_/%5F/${IDS.displayDriver}/%5F/1/`,
} as const;

const ingest = (moduleId: string, key: string): string => `placeos/ingest/${moduleId}/state/${key}`;

function acked(answer: Awaited<ReturnType<TestClient["publish"]>>, reasonCode = 0): void {
  assert.equal(answer.kind, "acked", "the broker answered the publish");
  assert.equal(answer.reasonCode, reasonCode, answer.reasonString);
}

function refused(
  answer: Awaited<ReturnType<TestClient["publish"]>>,
  reasonCode: number,
  reason?: RegExp,
): void {
  assert.equal(answer.kind, "acked");
  assert.equal(answer.reasonCode, reasonCode);
  if (reason !== undefined) assert.match(answer.reasonString ?? "", reason);
}

/** The SUBACK reason code for one filter (QoS 1 asked). */
function subackCode(client: TestClient, filter: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.client.subscribe(filter, { qos: 1 }, (error, granted) => {
      // MQTT.js reports a failure code as an error carrying the SUBACK
      const suback = (error as { packet?: { granted?: number[] } } | null)?.packet;
      const code = suback?.granted?.[0] ?? granted?.[0]?.qos;
      if (code === undefined) reject(error ?? new Error("no SUBACK"));
      else resolve(code);
    });
  });
}

/** The zero-length messages of a batch (clears), and the others by topic. */
function split(messages: readonly ReceivedMessage[]): {
  cleared: string[];
  published: Record<string, string>;
} {
  return {
    cleared: messages
      .filter((m) => m.payload === "")
      .map((m) => m.topic)
      .sort(),
    published: byTopic(messages.filter((m) => m.payload !== "")),
  };
}

describe("PlaceOS dialect", () => {
  let broker: PlaceosBroker;
  const clients: TestClient[] = [];

  const connect = async (username: string, version: 4 | 5 = 5): Promise<TestClient> => {
    const client = await TestClient.connect(broker.url, { username, version });
    clients.push(client);
    return client;
  };

  /** A client subscribed to `filters`, with the retained snapshot already taken (returned). */
  const watch = async (
    filters: string | readonly string[],
    username = "alice",
  ): Promise<{ client: TestClient; snapshot: ReceivedMessage[] }> => {
    const client = await connect(username);
    const answer = await client.subscribe(filters);
    assert.deepEqual(answer.kind, "granted");
    return { client, snapshot: await drain(client) };
  };

  before(async () => {
    broker = await startPlaceosBroker();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  describe("module state from a driver's MQTT publish", () => {
    it("becomes the module's current state and one retained message on its state topic", async () => {
      const { client: watcher } = await watch("placeos/#");
      const driver = await connect("drv");
      const from = Date.now();
      acked(await driver.publish(ingest(IDS.display1, "power"), "true"));
      const to = Date.now();
      const [message] = await watcher.inbox.take(1);
      assert.equal(message!.topic, `${AT.display1}power`);
      assert.equal(stateValue(message!.payload, from, to), true);
      assert.equal(message!.packet.qos, 1, "state is published at QoS 1 (dialects.placeos.qos)");
      await watcher.inbox.expectNothing();

      const [stored] = broker.registry.state({ kind: "modules", id: IDS.display1 });
      assert.deepEqual([stored!.channel, stored!.value], ["power", true]);
      assert.equal(JSON.parse(message!.payload).time, stored!.time, "the payload's time is the ingest time");

      const { snapshot } = await watch(`${AT.display1}power`);
      assert.equal(snapshot.length, 1);
      assert.equal(snapshot[0]!.packet.retain, true, "a late subscriber gets it retained");
      assert.equal(snapshot[0]!.payload, message!.payload);
    });

    it("the value is the driver's JSON, embedded raw: strings, numbers, objects, arrays, null", async () => {
      const { client: watcher } = await watch(`${AT.vc}+`);
      const driver = await connect("drv");
      const values: Record<string, unknown> = {
        call_status: "Connected",
        volume: 42.5,
        presentation: { source: 2, sharing: true },
        participants: ["a", "b"],
        camera: null,
      };
      for (const [key, value] of Object.entries(values))
        acked(await driver.publish(ingest(IDS.vc, key), JSON.stringify(value)));
      const received = await watcher.inbox.take(5);
      for (const [i, [key, value]] of Object.entries(values).entries()) {
        assert.equal(received[i]!.topic, `${AT.vc}${key}`);
        assert.deepEqual(JSON.parse(received[i]!.payload).value, value);
        assert.match(received[i]!.payload, /^\{"time":\d+,"value":/, "time first, then the raw value");
      }
    });

    it("a level no zone fills is `_` (a system placed in a building only)", async () => {
      const { client: watcher } = await watch("placeos/+/state/#");
      const driver = await connect("drv");
      acked(await driver.publish(ingest(IDS.lobbyDisplay, "power"), "false"));
      const [message] = await watcher.inbox.take(1);
      assert.equal(message!.topic, `${AT.lobby}power`);
      assert.equal(JSON.parse(message!.payload).value, false);
    });

    it("every level from a name is escaped: `/ + # %`, controls, `_` alone; the topic keeps its shape", async () => {
      // eight levels after state/: building, level, area, system, driver, module, index, key
      const { client: watcher } = await watch(`${ORG}/state/+/+/+/+/+/+/+/+`);
      const driver = await connect("drv");
      const keys = ["in/out+#100%", "_", "\u0001bell", "%", "a b"];
      for (const key of keys) acked(await driver.publish(ingest(IDS.oddModule, escapeLevel(key)), "1"));
      const received = await watcher.inbox.take(keys.length);
      assert.deepEqual(
        received.map((m) => m.topic),
        [`${AT.odd}in%2Fout%2B%23100%25`, `${AT.odd}%5F`, `${AT.odd}%01bell`, `${AT.odd}%25`, `${AT.odd}a b`],
      );
      assert.deepEqual(
        broker.registry
          .state({ kind: "modules", id: IDS.oddModule })
          .map((s) => s.channel)
          .sort(),
        [...keys].sort(),
        "the registry keeps the keys unescaped",
      );
    });

    it("refuses a key level that is not the escaping of a key (0x90), a payload that is not JSON (0x99)", async () => {
      const { client: watcher } = await watch("placeos/+/state/#");
      const driver = await connect("drv");
      refused(
        await driver.publish(ingest(IDS.display1, "a%2fb"), "1"),
        TOPIC_NAME_INVALID,
        /not a state key/,
      );
      refused(await driver.publish(ingest(IDS.display1, "_"), "1"), TOPIC_NAME_INVALID);
      refused(await driver.publish(ingest(IDS.display1, "%41"), "1"), TOPIC_NAME_INVALID);
      refused(await driver.publish(ingest(IDS.display1, "%"), "1"), TOPIC_NAME_INVALID, /must not be empty/);
      refused(await driver.publish(ingest(IDS.display1, "power"), "on"), PAYLOAD_FORMAT_INVALID, /JSON/);
      refused(await driver.publish(ingest(IDS.display1, "power"), ""), PAYLOAD_FORMAT_INVALID);
      // a string with a byte no UTF-8 text holds: refused, not stored with U+FFFD in its place
      const notUtf8 = await new Promise<number | undefined>((resolve) =>
        driver.client.publish(
          ingest(IDS.display1, "power"),
          Buffer.from([0x22, 0xff, 0x22]),
          { qos: 1 },
          (error) => resolve((error as { code?: number } | null | undefined)?.code),
        ),
      );
      assert.equal(notUtf8, PAYLOAD_FORMAT_INVALID);
      await watcher.inbox.expectNothing();
    });

    it("refuses a module that does not exist, or is another tenant's (0x83)", async () => {
      const { client: watcher } = await watch("placeos/+/state/#");
      const driver = await connect("drv");
      refused(
        await driver.publish(ingest("mod-nope", "power"), "true"),
        IMPLEMENTATION_SPECIFIC_ERROR,
        /no module "mod-nope"/,
      );
      refused(await driver.publish(ingest(IDS.globexModule, "power"), "true"), IMPLEMENTATION_SPECIFIC_ERROR);
      assert.deepEqual(broker.registry.state({ kind: "modules", id: IDS.globexModule }), []);
      await watcher.inbox.expectNothing();
    });
  });

  describe("the topic table", () => {
    it("only principals with the driver role may publish module state (0x87 for the others)", async () => {
      const { client: watcher } = await watch("placeos/#");
      const user = await connect("alice");
      refused(await user.publish(ingest(IDS.display2, "power"), "true"), NOT_AUTHORIZED);
      assert.deepEqual(broker.registry.state({ kind: "modules", id: IDS.display2 }), []);
      assert.equal(user.connected, true, "refused without ending the connection, as PlaceOS's ACLs do");
      await watcher.inbox.expectNothing();
    });

    it("state and metadata topics are subscribe-only, even for drivers; other topics are refused", async () => {
      const { client: watcher } = await watch("placeos/#");
      const driver = await connect("drv");
      refused(await driver.publish(`${AT.display2}power`, '{"time":1,"value":true}'), NOT_AUTHORIZED);
      refused(await driver.publish(`${ORG}/metadata/${IDS.room}`, '{"name":"x"}'), NOT_AUTHORIZED);
      refused(await driver.publish("plain/topic", "x"), NOT_AUTHORIZED);
      refused(await driver.publish(`placeos/ingest/${IDS.display2}/power`, "true"), NOT_AUTHORIZED);
      assert.equal(driver.connected, true);
      await watcher.inbox.expectNothing();
    });

    it("subscriptions: the state and metadata trees (wildcards within them) yes, ingest and other topics no", async () => {
      const user = await connect("alice");
      for (const filter of [
        "#",
        "placeos/#",
        `${ORG}/state/#`,
        `${ORG}/metadata/+`,
        `${AT.display1}power`,
        "placeos/+/state/+/+/+/+/+/+/+/connected",
      ])
        assert.equal(await subackCode(user, filter), 1, filter);
      for (const filter of [
        "placeos/ingest/+/state/+",
        ingest(IDS.display1, "power"),
        "plain/topic",
        "placeos/+/state/+/+/+",
      ])
        assert.equal(await subackCode(user, filter), NOT_AUTHORIZED, filter);
      assert.equal(user.connected, true);
    });

    it("a tenant sees only its own tree: globex's driver and user, and a tenant without the dialect", async () => {
      const { client: acmeWatcher } = await watch("placeos/#");
      const globexDriver = await connect("gdrv");
      const { client: globexWatcher, snapshot } = await watch("placeos/#", "gdrv");
      assert.deepEqual(
        Object.keys(byTopic(snapshot)).sort(),
        [
          "placeos/org-globex/metadata/drv-globex",
          "placeos/org-globex/metadata/org-globex",
          "placeos/org-globex/metadata/sys-globex",
        ],
        "globex has the dialect in the registry: its own metadata only",
      );
      acked(await globexDriver.publish(ingest(IDS.globexModule, "power"), "true"));
      const [message] = await globexWatcher.inbox.take(1);
      assert.equal(
        message!.topic,
        `placeos/${IDS.globexOrg}/state/_/_/_/${IDS.globexSystem}/drv-globex/Display/1/power`,
      );
      await acmeWatcher.inbox.expectNothing();
      refused(
        await globexDriver.publish(ingest(IDS.display1, "power"), "true"),
        IMPLEMENTATION_SPECIFIC_ERROR,
      );

      const plain = await connect("carol");
      assert.deepEqual(await plain.subscribe("placeos/#"), { kind: "granted", codes: [1] });
      assert.deepEqual(await drain(plain), [], "a tenant without the dialect has no PlaceOS topics");
      acked(await plain.publish(ingest(IDS.display1, "power"), "1"), 0);
      assert.equal((await plain.inbox.next()).topic, ingest(IDS.display1, "power"), "a plain topic there");
      assert.equal(
        broker.registry.state({ kind: "modules", id: IDS.display1 }).find((s) => s.channel === "power")
          ?.value,
        true,
        "and not module state",
      );
    });
  });

  describe("module state from the REST API's function (setModuleState)", () => {
    it("does what the MQTT ingest does: current state, envelope, retained state topic", async () => {
      const { client: watcher } = await watch("placeos/+/state/#");
      const from = Date.now();
      const result = setModuleState(broker.dialects, {
        moduleId: IDS.display2,
        key: "input",
        value: { source: "HDMI 1" },
        via: "rest",
        principal: { ...ANONYMOUS_PRINCIPAL, id: "admin", anonymous: false, tenant: T },
      });
      const to = Date.now();
      assert.equal(result.ok, true);
      assert.ok(result.ok);
      assert.deepEqual(
        [result.tenant, result.moduleId, result.key, result.value],
        [T, IDS.display2, "input", { source: "HDMI 1" }],
      );
      assert.equal(result.envelope.type, "state");
      assert.equal(result.envelope.dialect, "rest");
      const [message] = await watcher.inbox.take(1);
      assert.equal(message!.topic, `${AT.display2}input`);
      assert.deepEqual(stateValue(message!.payload, from, to), { source: "HDMI 1" });
      assert.equal(JSON.parse(message!.payload).time, result.time);
      assert.deepEqual(
        broker.registry.state({ kind: "modules", id: IDS.display2 }).map((s) => [s.channel, s.value]),
        [["input", { source: "HDMI 1" }]],
      );
    });

    it("refuses an unknown module, a module of a tenant the principal may not act on, a bad key", async () => {
      const { client: watcher } = await watch("placeos/#");
      const principal = { ...ANONYMOUS_PRINCIPAL, id: "admin", anonymous: false, tenant: T };
      const call = (moduleId: string, key: string, extra: object = {}) =>
        setModuleState(broker.dialects, { moduleId, key, value: 1, via: "rest", principal, ...extra });
      assert.deepEqual(call("mod-nope", "power"), {
        ok: false,
        problem: { code: "not-found", message: 'There is no module "mod-nope"' },
      });
      assert.equal(call(IDS.globexModule, "power").ok, false, "globex's module, for an acme principal");
      assert.equal(
        (call(IDS.display2, "") as { problem: { code: string } }).problem.code,
        "invalid",
        "an empty key",
      );
      assert.equal(call(IDS.display2, "x".repeat(257)).ok, false, "a key too long");
      assert.equal(call(IDS.display2, "\uD800").ok, false, "a lone surrogate");
      assert.equal(call(IDS.display2, "c\uFFFFd").ok, false, "a noncharacter");
      assert.equal(call(IDS.display2, "e\u{10FFFE}").ok, false, "a noncharacter beyond the BMP");
      await watcher.inbox.expectNothing();
      const globex = call(IDS.globexModule, "power", { allTenants: true });
      assert.equal(globex.ok, true, "an administrator of every tenant may");
    });
  });

  describe("metadata", () => {
    it("zones, systems and drivers under the org, retained; nothing for a system in no org", async () => {
      const { snapshot } = await watch(`${ORG}/metadata/+`);
      assert.ok(snapshot.every((m) => m.packet.retain));
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(byTopic(snapshot)).map(([topic, payload]) => [topic, JSON.parse(payload)]),
        ),
        {
          [`${ORG}/metadata/${IDS.org}`]: {
            id: IDS.org,
            name: "Acme Corp",
            type: "region",
            description: "The org",
            tags: ["org"],
            parent_id: null,
          },
          [`${ORG}/metadata/${IDS.building}`]: {
            id: IDS.building,
            name: "HQ",
            type: "building",
            description: null,
            tags: [],
            parent_id: IDS.org,
          },
          [`${ORG}/metadata/${IDS.level}`]: {
            id: IDS.level,
            name: "Level 2",
            type: "level",
            description: null,
            tags: [],
            parent_id: IDS.building,
          },
          [`${ORG}/metadata/${IDS.area}`]: {
            id: IDS.area,
            name: "North wing",
            type: "area",
            description: null,
            tags: [],
            parent_id: IDS.level,
          },
          [`${ORG}/metadata/${IDS.otherBuilding}`]: {
            id: IDS.otherBuilding,
            name: "Annex",
            type: "building",
            description: null,
            tags: [],
            parent_id: IDS.org,
          },
          [`${ORG}/metadata/${IDS.room}`]: {
            id: IDS.room,
            name: "Room 2.01",
            type: "system",
            description: null,
            zones: [IDS.area],
          },
          [`${ORG}/metadata/${IDS.lobby}`]: {
            id: IDS.lobby,
            name: "Lobby",
            type: "system",
            description: null,
            zones: [IDS.building],
          },
          [`${ORG}/metadata/%5F`]: {
            id: "_",
            name: "Odd one",
            type: "system",
            description: null,
            zones: [IDS.otherBuilding],
          },
          [`${ORG}/metadata/${IDS.vcDriver}`]: {
            id: IDS.vcDriver,
            name: "Cisco VC",
            type: "driver",
            role: "device",
          },
          [`${ORG}/metadata/${IDS.displayDriver}`]: {
            id: IDS.displayDriver,
            name: "Samsung display",
            type: "driver",
            role: null,
          },
        },
      );
    });

    it("a system with no org publishes nothing, and says so in the log once", async () => {
      const { client: watcher } = await watch("placeos/#");
      const driver = await connect("drv");
      acked(await driver.publish(ingest(IDS.orphanModule, "power"), "true"));
      acked(await driver.publish(ingest(IDS.orphanModule, "power"), "false"));
      setModuleState(broker.dialects, { moduleId: IDS.orphanModule, key: "input", value: 2, via: "rest" });
      await watcher.inbox.expectNothing();
      assert.equal(
        broker.registry.state({ kind: "modules", id: IDS.orphanModule }).length,
        2,
        "its state is still recorded",
      );
      const lines = broker.logs.matching(`system "${IDS.orphan}" is in no org`);
      assert.equal(lines.length, 1, "logged once");
      assert.equal(lines[0]!["level"], 40, "as a warning");
    });
  });
});

describe("PlaceOS dialect: registry changes", () => {
  let broker: PlaceosBroker;
  let watcher: TestClient;
  const clients: TestClient[] = [];

  const connect = async (username: string): Promise<TestClient> => {
    const client = await TestClient.connect(broker.url, { username });
    clients.push(client);
    return client;
  };
  const set = (moduleId: string, key: string, value: unknown): void => {
    const result = setModuleState(broker.dialects, { moduleId, key, value, via: "rest" });
    assert.ok(result.ok);
  };
  /** The retained messages a new subscriber to `placeos/#` gets. */
  const snapshot = async (): Promise<Record<string, string>> => {
    const late = await connect("alice");
    await late.subscribe("placeos/#");
    const messages = await drain(late);
    await late.end();
    return byTopic(messages);
  };
  const stateTopics = async (): Promise<string[]> =>
    Object.keys(await snapshot())
      .filter((topic) => topic.includes("/state/"))
      .sort();

  before(async () => {
    broker = await startPlaceosBroker();
    set(IDS.display1, "power", true);
    set(IDS.display1, "input", "HDMI");
    set(IDS.display2, "power", false);
    set(IDS.vc, "call_status", "Idle");
    watcher = await connect("alice");
    await watcher.subscribe("placeos/#");
    await drain(watcher);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  it("a module rename clears its old topics and republishes its state, unchanged, on the new ones", async () => {
    const before = await snapshot();
    must(broker.registry.update("modules", IDS.display1, { name: "Screen" }));
    const { cleared, published } = split(await drain(watcher));
    const renamed = AT.display1.replace("/Display/1/", "/Screen/1/");
    assert.deepEqual(cleared, [`${AT.display1}input`, `${AT.display1}power`]);
    assert.deepEqual(published, {
      [`${renamed}input`]: before[`${AT.display1}input`],
      [`${renamed}power`]: before[`${AT.display1}power`],
    });
    assert.deepEqual(
      await stateTopics(),
      [`${renamed}input`, `${renamed}power`, `${AT.display2}power`, `${AT.vc}call_status`].sort(),
    );
  });

  it("a re-index moves the topics; a new value after it lands on the new topic only", async () => {
    must(broker.registry.update("modules", IDS.display2, { index: 3 }));
    const moved = AT.display2.replace("/Display/2/", "/Display/3/");
    let { cleared, published } = split(await drain(watcher));
    assert.deepEqual(cleared, [`${AT.display2}power`]);
    assert.deepEqual(Object.keys(published), [`${moved}power`]);
    set(IDS.display2, "power", true);
    ({ cleared, published } = split(await drain(watcher)));
    assert.deepEqual(cleared, []);
    assert.deepEqual(Object.keys(published), [`${moved}power`]);
  });

  it("a zone rename republishes that zone's metadata, and nothing else", async () => {
    must(broker.registry.update("zones", IDS.level, { name: "Level 2 (east)", description: "Renovated" }));
    const messages = await drain(watcher);
    assert.deepEqual(
      messages.map((m) => [m.topic, JSON.parse(m.payload)]),
      [
        [
          `${ORG}/metadata/${IDS.level}`,
          {
            id: IDS.level,
            name: "Level 2 (east)",
            type: "level",
            description: "Renovated",
            tags: [],
            parent_id: IDS.building,
          },
        ],
      ],
    );
  });

  it("a system moved to other zones: its state topics move and its metadata changes", async () => {
    must(broker.registry.update("systems", IDS.room, { zoneIds: [IDS.otherBuilding] }));
    const { cleared, published } = split(await drain(watcher));
    const placed = `${ORG}/state/${IDS.otherBuilding}/_/_/${IDS.room}/`;
    const expected = [
      `${placed}${IDS.displayDriver}/Display/3/power`,
      `${placed}${IDS.displayDriver}/Screen/1/input`,
      `${placed}${IDS.displayDriver}/Screen/1/power`,
      `${placed}${IDS.vcDriver}/VidConf/1/call_status`,
    ].sort();
    assert.equal(cleared.length, 4, "the four old state topics");
    assert.ok(
      cleared.every((topic) => topic.includes(`/${IDS.area}/${IDS.room}/`)),
      cleared.join(),
    );
    assert.deepEqual(Object.keys(published).sort(), [...expected, `${ORG}/metadata/${IDS.room}`].sort());
    assert.deepEqual(JSON.parse(published[`${ORG}/metadata/${IDS.room}`]!).zones, [IDS.otherBuilding]);
    assert.deepEqual(
      (await stateTopics()).filter((topic) => topic.includes(`/${IDS.room}/`)),
      expected,
      "a late subscriber sees only the new topics",
    );
    must(broker.registry.update("systems", IDS.room, { zoneIds: [IDS.area] }));
    assert.equal(split(await drain(watcher)).cleared.length, 4, "and back");
  });

  it("a zone moved in the hierarchy moves every state topic under it", async () => {
    // the area leaves its level for the building itself: the level becomes `_`
    must(broker.registry.update("zones", IDS.area, { parentId: IDS.building }));
    const { cleared, published } = split(await drain(watcher));
    const old = `${ORG}/state/${IDS.building}/${IDS.level}/${IDS.area}/${IDS.room}/`;
    const now = `${ORG}/state/${IDS.building}/_/${IDS.area}/${IDS.room}/`;
    assert.equal(cleared.length, 4);
    assert.ok(
      cleared.every((topic) => topic.startsWith(old)),
      cleared.join(),
    );
    const moved = Object.keys(published).filter((topic) => topic.includes("/state/"));
    assert.equal(moved.length, 4);
    assert.ok(
      moved.every((topic) => topic.startsWith(now)),
      moved.join(),
    );
    assert.equal(JSON.parse(published[`${ORG}/metadata/${IDS.area}`]!).parent_id, IDS.building);
    assert.equal(Object.keys(published).length, 5, "the moved state and the area's metadata, nothing else");
    must(broker.registry.update("zones", IDS.area, { parentId: IDS.level }));
    assert.equal(split(await drain(watcher)).cleared.length, 4, "and back");
  });

  it("a system that leaves its org has everything cleared, and is logged", async () => {
    must(broker.registry.update("systems", IDS.lobby, { zoneIds: [] }));
    set(IDS.lobbyDisplay, "power", true); // recorded, not published
    const { cleared, published } = split(await drain(watcher));
    assert.deepEqual(cleared, [`${ORG}/metadata/${IDS.lobby}`]);
    assert.deepEqual(published, {});
    assert.equal(broker.logs.matching(`system "${IDS.lobby}" is in no org`).length, 1);
    must(broker.registry.update("systems", IDS.lobby, { zoneIds: [IDS.building] }));
    const back = split(await drain(watcher));
    assert.deepEqual(
      Object.keys(back.published).sort(),
      [`${AT.lobby}power`, `${ORG}/metadata/${IDS.lobby}`].sort(),
    );
  });

  it("a deleted module's state topics are cleared; a deleted system, driver, zone's metadata too", async () => {
    const renamed = AT.display1.replace("/Display/1/", "/Screen/1/");
    must(broker.registry.delete("modules", IDS.display1));
    let { cleared, published } = split(await drain(watcher));
    assert.deepEqual(cleared, [`${renamed}input`, `${renamed}power`]);
    assert.deepEqual(published, {});

    must(broker.registry.delete("modules", IDS.oddModule));
    must(broker.registry.delete("systems", IDS.underscore));
    ({ cleared, published } = split(await drain(watcher)));
    assert.deepEqual(cleared, [`${ORG}/metadata/%5F`]);
    assert.deepEqual(published, {});

    must(broker.registry.create("drivers", { id: "drv-temp", tenant: T, name: "Temporary" }));
    ({ published } = split(await drain(watcher)));
    assert.deepEqual(JSON.parse(published[`${ORG}/metadata/drv-temp`]!), {
      id: "drv-temp",
      name: "Temporary",
      type: "driver",
      role: null,
    });
    must(broker.registry.delete("drivers", "drv-temp"));
    ({ cleared } = split(await drain(watcher)));
    assert.deepEqual(cleared, [`${ORG}/metadata/drv-temp`]);

    must(broker.registry.delete("zones", IDS.otherBuilding));
    ({ cleared, published } = split(await drain(watcher)));
    assert.deepEqual(cleared, [`${ORG}/metadata/${IDS.otherBuilding}`]);
    assert.deepEqual(published, {});

    const late = await snapshot();
    for (const topic of [`${renamed}power`, `${ORG}/metadata/%5F`, `${ORG}/metadata/drv-temp`])
      assert.equal(late[topic], undefined, `no ghost on ${topic}`);
  });

  it("a tenant that loses the dialect has its PlaceOS topics cleared; getting it back republishes them", async () => {
    const globex = await connect("gdrv");
    await globex.subscribe("placeos/#");
    const before = byTopic(await drain(globex));
    assert.equal(Object.keys(before).length, 3, "globex's metadata");
    must(broker.registry.update("tenants", "globex", { dialects: [] }));
    assert.deepEqual(split(await drain(globex)).cleared, Object.keys(before).sort());
    must(broker.registry.update("tenants", "globex", { dialects: ["placeos"] }));
    assert.deepEqual(split(await drain(globex)).published, before);
  });
});

describe("PlaceOS dialect: valueEncoding string, qos 0", () => {
  let broker: PlaceosBroker;

  before(async () => {
    broker = await startPlaceosBroker({ placeos: { valueEncoding: "string", qos: 0 } });
  });
  after(async () => {
    await broker.stop();
  });

  it("the value is the driver's JSON text, as it came, in a string, at the configured QoS", async () => {
    const watcher = await TestClient.connect(broker.url, { username: "alice" });
    await watcher.subscribe(`${AT.vc}+`);
    const driver = await TestClient.connect(broker.url, { username: "drv" });
    const from = Date.now();
    acked(await driver.publish(ingest(IDS.vc, "presentation"), '{"source": 2, "sharing": true}'));
    acked(await driver.publish(ingest(IDS.vc, "call_status"), '"Idle"'));
    const to = Date.now();
    const [object, text] = await watcher.inbox.take(2);
    assert.equal(stateValue(object!.payload, from, to), '{"source": 2, "sharing": true}');
    assert.equal(stateValue(text!.payload, from, to), '"Idle"');
    assert.equal(object!.packet.qos, 0);
    await Promise.all([watcher.end(), driver.end()]);
  });
});
