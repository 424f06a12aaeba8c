/**
 * The PlaceOS document's four wildcard examples, each subscribed before the state arrives (live) and
 * after (the retained snapshot), must receive exactly what they name and nothing else, also when state
 * keys contain `/`, `+` and `#`; the same with `region` added to the hierarchy (the shape PlaceOS itself
 * now has); and a restart with another hierarchy leaves no message of the old shape behind.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { escapeLevel } from "../../src/platform/dialects/placeos/index.js";
import type { Registry } from "../../src/platform/registry/registry.js";
import {
  byTopic,
  createPlaceosWorld,
  drain,
  IDS,
  must,
  type PlaceosBroker,
  startPlaceosBroker,
  T,
} from "./helpers/placeos-world.js";
import { TestClient } from "./helpers/test-client.js";

const ORG = `placeos/${IDS.org}`;

/** The state the tests publish: module, key, value. */
const STATE: readonly (readonly [string, string, unknown])[] = [
  [IDS.vc, "call_status", "In call"],
  [IDS.vc, "connected", true],
  [IDS.display1, "power", true],
  [IDS.display1, "connected", true],
  [IDS.display1, "x/connected", "a key with a slash"],
  [IDS.display1, "+", "a plus"],
  [IDS.display2, "power", false],
  [IDS.lobbyDisplay, "power", true],
  [IDS.lobbyDisplay, "connected", false],
  [IDS.oddModule, "connected", true],
  [IDS.orphanModule, "connected", true], // in no org: nowhere
];

/** Where each module's state goes with the default hierarchy (org building level area). */
const DEFAULT_AT: Readonly<Record<string, string>> = {
  [IDS.vc]: `${ORG}/state/bld-1/lvl-2/area-n/sys-room/dep-123/VidConf/1/`,
  [IDS.display1]: `${ORG}/state/bld-1/lvl-2/area-n/sys-room/drv-display/Display/1/`,
  [IDS.display2]: `${ORG}/state/bld-1/lvl-2/area-n/sys-room/drv-display/Display/2/`,
  [IDS.lobbyDisplay]: `${ORG}/state/bld-1/_/_/sys-lobby/drv-display/Display/1/`,
  [IDS.oddModule]: `${ORG}/state/bld-x/_/_/%5F/drv-display/%5F/1/`,
};

/** `module/key` pairs of {@link STATE} to the state topic under `at`. */
function topicsOf(at: Readonly<Record<string, string>>, pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [moduleId, key, value] of STATE)
    if (pairs.includes(`${moduleId}/${key}`) && at[moduleId] !== undefined)
      out[at[moduleId] + escapeLevel(key)] = value;
  return out;
}

const ALL_IN_BLD_1 = [
  `${IDS.vc}/call_status`,
  `${IDS.vc}/connected`,
  `${IDS.display1}/power`,
  `${IDS.display1}/connected`,
  `${IDS.display1}/x/connected`,
  `${IDS.display1}/+`,
  `${IDS.display2}/power`,
  `${IDS.lobbyDisplay}/power`,
  `${IDS.lobbyDisplay}/connected`,
];
const CONNECTED = [
  `${IDS.vc}/connected`,
  `${IDS.display1}/connected`,
  `${IDS.lobbyDisplay}/connected`,
  `${IDS.oddModule}/connected`,
];
const DISPLAY_POWER = [`${IDS.display1}/power`, `${IDS.display2}/power`, `${IDS.lobbyDisplay}/power`];
const CALL_STATUS = [`${IDS.vc}/call_status`];

interface Example {
  readonly name: string;
  readonly filter: string;
  readonly expected: Record<string, unknown>;
}

/** Topic -> value of what a subscriber got (payloads checked as `{time, value}`). */
function values(messages: readonly { topic: string; payload: string }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const message of messages) {
    const parsed = JSON.parse(message.payload) as { time: number; value: unknown };
    assert.deepEqual(Object.keys(parsed), ["time", "value"]);
    assert.ok(Number.isInteger(parsed.time) && parsed.time > 1.6e12, "unix milliseconds");
    assert.equal(out[message.topic], undefined, `one message on ${message.topic}`);
    out[message.topic] = parsed.value;
  }
  return out;
}

async function publishState(broker: PlaceosBroker): Promise<void> {
  const driver = await TestClient.connect(broker.url, { username: "drv" });
  for (const [moduleId, key, value] of STATE) {
    const answer = await driver.publish(
      `placeos/ingest/${moduleId}/state/${escapeLevel(key)}`,
      JSON.stringify(value),
    );
    assert.deepEqual(answer, { kind: "acked", reasonCode: 0, reasonString: undefined });
  }
  await driver.end();
}

/** Each example live (subscribed before the state is published) and late (the retained snapshot). */
function checkExamples(start: () => Promise<PlaceosBroker>, examples: () => readonly Example[]): void {
  let broker: PlaceosBroker;
  const live: TestClient[] = [];

  before(async () => {
    broker = await start();
    for (const example of examples()) {
      const client = await TestClient.connect(broker.url, { username: "alice" });
      assert.deepEqual(await client.subscribe(example.filter), { kind: "granted", codes: [1] });
      assert.deepEqual(await drain(client), [], "no state yet");
      live.push(client);
    }
    await publishState(broker);
  });
  after(async () => {
    await Promise.all(live.map((c) => c.end()));
    await broker.stop();
  });

  it("live: each example receives exactly the state it names", async () => {
    for (const [i, example] of examples().entries()) {
      const got = await drain(live[i]!);
      assert.deepEqual(values(got), example.expected, example.name);
      assert.ok(
        got.every((m) => !m.packet.retain),
        "live messages are not flagged retained",
      );
    }
  });

  it("late: each example gets exactly the same as the retained snapshot", async () => {
    for (const example of examples()) {
      const client = await TestClient.connect(broker.url, { username: "alice" });
      await client.subscribe(example.filter);
      const got = await drain(client);
      await client.end();
      assert.ok(
        got.every((m) => m.packet.retain),
        "retained",
      );
      assert.deepEqual(values(got), example.expected, example.name);
    }
  });
}

describe("PlaceOS wildcard examples (hierarchy org building level area)", () => {
  checkExamples(
    () => startPlaceosBroker(),
    () => [
      {
        name: "all events within a building",
        filter: `${ORG}/state/bld-1/#`,
        expected: topicsOf(DEFAULT_AT, ALL_IN_BLD_1),
      },
      {
        name: "connected status of all devices",
        filter: `${ORG}/state/+/+/+/+/+/+/+/connected`,
        expected: topicsOf(DEFAULT_AT, CONNECTED),
      },
      {
        name: "power status for all displays",
        filter: `${ORG}/state/+/+/+/+/+/Display/+/power`,
        expected: topicsOf(DEFAULT_AT, DISPLAY_POWER),
      },
      {
        name: "call status of Cisco VC endpoints (driver dep-123)",
        filter: `${ORG}/state/+/+/+/+/dep-123/+/+/call_status`,
        expected: topicsOf(DEFAULT_AT, CALL_STATUS),
      },
    ],
  );
});

/** The test world with a region between the org and bld-1 (bld-x stays directly in the org). */
async function worldWithRegion(registry?: Registry): Promise<Registry> {
  const world = registry ?? (await createPlaceosWorld());
  must(world.create("zones", { id: "reg-emea", tenant: T, name: "EMEA", type: "region", parentId: IDS.org }));
  must(world.update("zones", IDS.building, { parentId: "reg-emea" }));
  return world;
}

const REGION_AT: Readonly<Record<string, string>> = {
  [IDS.vc]: `${ORG}/state/reg-emea/bld-1/lvl-2/area-n/sys-room/dep-123/VidConf/1/`,
  [IDS.display1]: `${ORG}/state/reg-emea/bld-1/lvl-2/area-n/sys-room/drv-display/Display/1/`,
  [IDS.display2]: `${ORG}/state/reg-emea/bld-1/lvl-2/area-n/sys-room/drv-display/Display/2/`,
  [IDS.lobbyDisplay]: `${ORG}/state/reg-emea/bld-1/_/_/sys-lobby/drv-display/Display/1/`,
  [IDS.oddModule]: `${ORG}/state/_/bld-x/_/_/%5F/drv-display/%5F/1/`,
};

describe("PlaceOS wildcard examples (hierarchy org region building level area)", () => {
  const placeos = { hierarchy: ["org", "region", "building", "level", "area"] };
  checkExamples(
    async () => startPlaceosBroker({ placeos, registry: await worldWithRegion() }),
    () => [
      {
        name: "all events within a building",
        filter: `${ORG}/state/reg-emea/bld-1/#`,
        expected: topicsOf(REGION_AT, ALL_IN_BLD_1),
      },
      {
        name: "connected status of all devices (one more +)",
        filter: `${ORG}/state/+/+/+/+/+/+/+/+/connected`,
        expected: topicsOf(REGION_AT, CONNECTED),
      },
      {
        name: "power status for all displays",
        filter: `${ORG}/state/+/+/+/+/+/+/Display/+/power`,
        expected: topicsOf(REGION_AT, DISPLAY_POWER),
      },
      {
        name: "call status of Cisco VC endpoints",
        filter: `${ORG}/state/+/+/+/+/+/dep-123/+/+/call_status`,
        expected: topicsOf(REGION_AT, CALL_STATUS),
      },
    ],
  );

  it("the default hierarchy's `connected` example can match no topic here: refused, not silently empty", async () => {
    const broker = await startPlaceosBroker({ placeos });
    try {
      const client = await TestClient.connect(broker.url, { username: "alice" });
      const code = await new Promise<number | undefined>((resolve) => {
        client.client.subscribe(`${ORG}/state/+/+/+/+/+/+/+/connected`, { qos: 1 }, (error, granted) => {
          resolve(
            (error as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0] ?? granted?.[0]?.qos,
          );
        });
      });
      assert.equal(code, 0x87);
      await client.end();
    } finally {
      await broker.stop();
    }
  });
});

describe("PlaceOS after a restart with another hierarchy", () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "sb-placeos-"));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("publishes the current state in the new shape and clears every retained message of the old one", async () => {
    const storage = { storage: { kind: "sqlite", path: dataDir } };
    const registry = await createPlaceosWorld();
    const first = await startPlaceosBroker({ registry, config: storage });
    await publishState(first);
    await first.stop();

    // while the broker is down: the hierarchy gets a region, and a module is deleted
    await worldWithRegion(registry);
    must(registry.delete("modules", IDS.display2));
    const second = await startPlaceosBroker({
      registry,
      config: storage,
      placeos: { hierarchy: ["org", "region", "building", "level", "area"] },
    });
    try {
      const late = await TestClient.connect(second.url, { username: "alice" });
      await late.subscribe("placeos/+/state/#");
      const got = await drain(late);
      await late.end();
      const expected = topicsOf(
        REGION_AT,
        STATE.map(([m, k]) => `${m}/${k}`).filter((pair) => !pair.startsWith(`${IDS.display2}/`)),
      );
      assert.deepEqual(values(got), expected);
      const synced = second.logs
        .matching("published the tenant's metadata and module state")
        .filter((line) => line["tenant"] === T);
      assert.equal(synced.length, 1);
      assert.equal(synced[0]!["cleared"], 10, "the ten old-shape state topics (the deleted module's too)");
      assert.equal(byTopic(got)[`${DEFAULT_AT[IDS.display1]!}power`], undefined);
    } finally {
      await second.stop();
    }
  });
});
