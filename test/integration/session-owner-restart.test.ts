import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { AuthenticationResult, Authenticator } from "../../src/hooks/authenticator.js";
import type { ClientIdentity } from "../../src/hooks/authorizer.js";
import { DEFER } from "../../src/hooks/decision.js";
import type { MessageStage } from "../../src/hooks/message-stage.js";
import { ANONYMOUS_PRINCIPAL, type Principal } from "../../src/hooks/principal.js";
import type { Store } from "../../src/hooks/store.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { MemoryStore } from "../../src/storage/memory/memory-store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { unmountTopic } from "../../src/tenancy/tenant-mount.js";
import { bytes, delay, RawClient, text } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

/**
 * Who a session and a will belong to survives a restart, on the memory store (same instance) and on
 * the same SQLite file. A principal limited to an org (a PlaceOS API user: `attributes.org`) can no
 * more take over or wipe another principal's stored session after a restart than before it (0x85),
 * while the owner resumes it; a session stored without an owner (by an earlier version) still starts
 * afresh for such a principal. A delayed will restored from the store reaches the message stages with
 * its publisher's principal: id, tenant, roles, scopes and attributes.
 */

const harness = restartHarness("owner-restart");
const { stop } = harness;

const PRINCIPALS: Readonly<Record<string, Principal>> = {
  // a backend service: no org, plain MQTT takeover rules for itself
  service: { ...ANONYMOUS_PRINCIPAL, id: "service", anonymous: false },
  // two users of the same org (PlaceOS API users)
  alice: { ...ANONYMOUS_PRINCIPAL, id: "alice", anonymous: false, attributes: { org: "org-a" } },
  mallory: { ...ANONYMOUS_PRINCIPAL, id: "mallory", anonymous: false, attributes: { org: "org-a" } },
  // a driver of tenant acme, with everything a principal can carry
  driver: {
    id: "driver-key",
    anonymous: false,
    tenant: "acme",
    roles: ["driver", "support"],
    scopes: ["mqtt:write"],
    expiresAt: undefined,
    attributes: { site: "site-1", org: "org-a" },
  },
};

const authenticator: Authenticator = {
  name: "test-principals",
  authenticate(attempt): AuthenticationResult {
    const principal = PRINCIPALS[attempt.username ?? ""];
    return principal === undefined ? DEFER : { kind: "allow", principal };
  },
};

/** A stage that records the publisher of every message on a `wills/` topic (of any tenant) it sees. */
function recordingStage(): MessageStage & { readonly seen: { topic: string; publisher: ClientIdentity }[] } {
  const seen: { topic: string; publisher: ClientIdentity }[] = [];
  return {
    name: "record-will-publishers",
    seen,
    process(message, publisher) {
      const topic = unmountTopic(message.topic);
      if (topic.startsWith("wills/")) seen.push({ topic: message.topic, publisher });
      return { kind: "continue" };
    },
  };
}

interface Kind {
  readonly name: string;
  /** A broker on the kind's state (a new one each time: a restart on the same state). */
  start(stage?: MessageStage): Promise<TestBroker>;
  /** Writes a session as an earlier version did (no owner), before the broker first starts. */
  seedLegacySession(clientId: string, topicFilter: string): Promise<void>;
}

function memoryKind(): Kind {
  const store = new MemoryStore();
  return {
    name: "memory store (same instance)",
    start: (stage) => track(startTestBroker({ store, authenticators: [authenticator], ...stages(stage) })),
    seedLegacySession: (clientId, topicFilter) => {
      seed(store, clientId, topicFilter);
      return Promise.resolve();
    },
  };
}

function sqliteKind(): Kind {
  const path = harness.dataDir();
  return {
    name: "SQLite (same file)",
    start: (stage) =>
      track(
        startTestBroker({
          config: { storage: { kind: "sqlite", path, commitInterval: 2 } },
          authenticators: [authenticator],
          ...stages(stage),
        }),
      ),
    seedLegacySession: async (clientId, topicFilter) => {
      const store = new SqliteStore({
        file: join(path, "switchboard.db"),
        durability: "strict",
        commitInterval: 2,
        housekeepingInterval: 0,
        compactThreshold: 1024 * 1024,
      });
      seed(store, clientId, topicFilter);
      await store.close();
    },
  };
}

function seed(store: Store, clientId: string, topicFilter: string): void {
  store.putSession({ clientId, protocolVersion: 5, expiryInterval: 3600, disconnectedAt: Date.now() });
  store.putSubscription(clientId, {
    topicFilter,
    qos: 1,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionIdentifier: undefined,
  });
}

const stages = (stage: MessageStage | undefined): { stages?: readonly MessageStage[] } =>
  stage === undefined ? {} : { stages: [stage] };

async function track(starting: Promise<TestBroker>): Promise<TestBroker> {
  return harness.track(await starting);
}

/** CONNECT of a v5 persistent session (expiry 3600) as `username`. */
function as(username: string, clientId: string, cleanStart = false) {
  return {
    protocolVersion: 5 as const,
    clientId,
    cleanStart,
    username,
    properties: { sessionExpiryInterval: 3600 },
  };
}

async function open(broker: TestBroker): Promise<RawClient> {
  return harness.client(await RawClient.open(broker.port));
}

async function subscribe(client: RawClient, topicFilter: string): Promise<void> {
  client.send({
    type: PacketType.SUBSCRIBE,
    packetId: 1,
    subscriptions: [{ topicFilter, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
  });
  assert.deepEqual((await client.expect(PacketType.SUBACK)).reasonCodes, [1]);
}

async function waitFor(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

for (const makeKind of [memoryKind, sqliteKind]) {
  describe(`session owners and will publishers across a restart: ${makeKind().name}`, () => {
    it("an org-limited user can neither take over nor wipe another principal's restored session; its owner resumes it", async () => {
      const kind = makeKind();
      let broker = await kind.start();
      // a service's session and an API user's session, both persistent and offline at the restart
      const service = await open(broker);
      assert.equal((await service.connect(as("service", "backend-1"))).reasonCode, 0);
      await subscribe(service, "jobs/#");
      await service.disconnect();
      const alice = await open(broker);
      assert.equal((await alice.connect(as("alice", "alice-1"))).reasonCode, 0);
      await subscribe(alice, "alerts/#");
      await alice.disconnect();
      await stop(broker);

      broker = await kind.start();
      assert.equal(broker.broker.sessions.get("backend-1")?.owner, "service\u0000", "the owner came back");
      for (const [clientId, cleanStart] of [
        ["backend-1", false],
        ["backend-1", true],
        ["alice-1", false],
        ["alice-1", true],
      ] as const) {
        const attempt = await open(broker);
        const connack = await attempt.connect(as("mallory", clientId, cleanStart));
        assert.equal(connack.reasonCode, 0x85, `${clientId}, Clean Start ${cleanStart}`);
        assert.equal(connack.properties?.reasonString, "Client identifier in use by another client");
        await attempt.waitClosed();
      }
      // nothing was discarded: the owners resume their sessions with their subscriptions
      const back = await open(broker);
      assert.equal((await back.connect(as("service", "backend-1"))).sessionPresent, true);
      const aliceBack = await open(broker);
      assert.equal((await aliceBack.connect(as("alice", "alice-1"))).sessionPresent, true);
      const publisher = await open(broker);
      await publisher.connect({ protocolVersion: 5, username: "service" });
      for (const topic of ["jobs/1", "alerts/1"]) {
        publisher.send({
          type: PacketType.PUBLISH,
          topic,
          payload: bytes(topic),
          qos: 0,
          retain: false,
          dup: false,
        });
      }
      assert.equal(text((await back.expect(PacketType.PUBLISH)).payload), "jobs/1");
      assert.equal(text((await aliceBack.expect(PacketType.PUBLISH)).payload), "alerts/1");
    });

    it("a restored session stored without an owner (an earlier version) still starts afresh for an org-limited user", async () => {
      const kind = makeKind();
      await kind.seedLegacySession("legacy-1", "old/#");
      const broker = await kind.start();
      const restored = broker.broker.sessions.get("legacy-1");
      assert.equal(restored?.subscriptions.size, 1);
      assert.equal(restored.owner, undefined);
      const mallory = await open(broker);
      const connack = await mallory.connect(as("mallory", "legacy-1"));
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, false, "not inherited");
      assert.equal(broker.broker.sessions.get("legacy-1")?.subscriptions.size, 0);
      assert.equal(broker.broker.sessions.get("legacy-1")?.owner, "mallory\u0000org-a");
    });

    for (const when of ["disconnected", "connected"] as const)
      it(`a delayed will restored from the store reaches the stages with its publisher's principal (client ${when} at the stop)`, async () => {
        const kind = makeKind();
        let broker = await kind.start(recordingStage());
        const driver = await open(broker);
        const connack = await driver.connect({
          ...as("driver", "drv-1"),
          properties: { sessionExpiryInterval: 60 },
          will: {
            topic: "wills/drv-1",
            payload: bytes("offline"),
            qos: 1,
            retain: false,
            properties: { willDelayInterval: 1 },
          },
        });
        assert.equal(connack.reasonCode, 0);
        if (when === "disconnected") {
          driver.destroy(); // not a DISCONNECT: the will is scheduled and stored
          await waitFor(() => broker.broker.sessions.pendingWills === 1, "the will to be scheduled");
        }
        await stop(broker);

        const stage = recordingStage();
        broker = await kind.start(stage);
        await waitFor(() => stage.seen.length > 0, "the will to reach the stage");
        assert.equal(stage.seen.length, 1);
        const { topic, publisher } = stage.seen[0]!;
        assert.equal(topic, "$t/acme/wills/drv-1", "in the driver's tenant");
        assert.equal(publisher.clientId, "drv-1");
        assert.equal(publisher.username, undefined, "the user name (it may be a credential) is not stored");
        assert.deepEqual(
          {
            ...publisher.principal,
            roles: [...publisher.principal.roles],
            scopes: [...publisher.principal.scopes],
          },
          { ...PRINCIPALS["driver"] },
        );
      });
  });
}
