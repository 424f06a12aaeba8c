/**
 * Gooee's reports under a tenant's privacy rules: a `rejected` report quotes the failing value in its
 * message (as the seed's example does); a value a rule hides in `data` must not reach a subscriber
 * through that quote, and a payload the dialect refuses for a number JSON cannot hold is reported as
 * the JSON it is, so the rules see its members.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { IDS, startGooeeBroker, type GooeeBroker } from "./helpers/gooee-world.js";
import { TestClient } from "./helpers/test-client.js";

const HASH_KEY = "a-secret-of-16-characters-or-more";
const T = "2016-08-09T20:00:47.539000Z";
const hashed = (text: string): string => createHmac("sha256", HASH_KEY).update(text).digest("hex");

describe("Gooee rejected reports under privacy rules", () => {
  let broker: GooeeBroker;
  let subscriber: TestClient;
  let publisher: TestClient;
  const topic = `devices/${IDS.metaDevice}/meta`;

  before(async () => {
    broker = await startGooeeBroker();
    const registry = broker.registry;
    const schema = registry.create("schemas", {
      tenant: "acme",
      name: "reader",
      schema: { type: "object", properties: { badge_id: { type: "string", pattern: "^B-[0-9]{4}$" } } },
    });
    assert.ok(schema.ok);
    const privacy = registry.update("tenants", "acme", {
      privacy: {
        hashKey: HASH_KEY,
        ruleSets: [
          {
            id: "pii",
            rules: [
              { id: "badge", match: { key: "badge_id" }, action: "hash" },
              { id: "secrets", match: { key: "password" }, action: "drop" },
            ],
          },
        ],
      },
    });
    assert.ok(privacy.ok, JSON.stringify(privacy));
    subscriber = await TestClient.connect(broker.url, { username: "bob", version: 5 });
    await subscriber.subscribe(`${topic}/rejected`);
    publisher = await TestClient.connect(broker.url, { username: "alice", version: 5 });
  });
  after(async () => {
    await subscriber.end();
    await publisher.end();
    await broker.stop();
  });

  it("a value a rule hashes in data is hashed where the message quotes it", async () => {
    const item = { name: "reader", value: { badge_id: "B-44119" }, timestamp: T };
    const answer = await publisher.publish(topic, JSON.stringify([item]), 1);
    assert.deepEqual(answer.kind === "acked" && answer.reasonCode, 0x99);
    const report = JSON.parse((await subscriber.inbox.next()).payload) as {
      error: { message: string };
      data: { value: { badge_id: string } }[];
    };
    assert.equal(report.data[0]!.value.badge_id, hashed("B-44119"));
    assert.ok(!report.error.message.includes("B-44119"), report.error.message);
    assert.ok(report.error.message.includes(hashed("B-44119")), report.error.message);
  });

  it("a payload with a number JSON cannot hold is reported as JSON: a drop rule on its members holds", async () => {
    const text = `[{"name":"reader","value":1e400,"password":"hunter2","timestamp":"${T}"}]`;
    const answer = await publisher.publish(topic, text, 1);
    assert.deepEqual(answer.kind === "acked" && answer.reasonCode, 0x99);
    // the report is dropped for the subscriber; a later one (without a password) arrives
    await publisher.publish(topic, JSON.stringify([{ name: "Bad_Name", value: 1, timestamp: T }]), 1);
    const next = (await subscriber.inbox.next()).payload;
    assert.ok(!next.includes("hunter2"), next);
    assert.match(next, /Bad_Name/);
  });
});
