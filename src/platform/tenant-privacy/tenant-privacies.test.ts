import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { pino } from "pino";
import { BridgePrivacy } from "../../bridges/bridge-privacy.js";
import type { BridgeConfig } from "../../bridges/bridge-config.js";
import type { DeliveryPrivacy } from "../../broker/index.js";
import type { Principal } from "../../hooks/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import type { RegistryChange, Tenant } from "../registry/index.js";
import { TenantPrivacies } from "./tenant-privacies.js";

const KEY = "acme-tenant-hash-key-0001";
const SECRET = "a-broker-secret-of-32-characters";
const hmac = (key: string, text: string): string => createHmac("sha256", key).update(text).digest("hex");
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const PRIVACY = {
  hashKey: KEY,
  ruleSets: [{ id: "pii", rules: [{ id: "emails", match: { detector: "email" }, action: "hash" }] }],
  roles: [
    { role: "guest", ruleSets: [{ id: "guest", rules: [{ match: { key: "name" }, action: "mask" }] }] },
  ],
};

function tenant(id: string, privacy: Tenant["privacy"]): Tenant {
  return { id, name: id, dialects: [], privacy, createdAt: 0, updatedAt: 0 };
}

/** A registry of tenants that tells its listener about changes. */
class Tenants {
  readonly items: Tenant[];
  listener: ((change: RegistryChange) => void) | undefined;
  constructor(...items: Tenant[]) {
    this.items = items;
  }
  list() {
    return { items: this.items, total: this.items.length };
  }
  onChange(listener: (change: RegistryChange) => void) {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  update(after: Tenant) {
    const index = this.items.findIndex((t) => t.id === after.id);
    const before = this.items[index]!;
    this.items[index] = after;
    this.listener?.({ kind: "tenants", op: "update", before, after });
  }
}

function principal(tenantId: string, roles: string[]): Principal {
  return {
    id: `${tenantId}-${roles.join("+")}`,
    anonymous: false,
    tenant: tenantId,
    roles,
    scopes: [],
    expiresAt: undefined,
    attributes: {},
  };
}

function message(topic: string, payload: string): ApplicationMessage {
  return {
    id: 1,
    topic,
    payload: encode(payload),
    qos: 1,
    retain: false,
    properties: undefined,
    createdAt: 0,
    expiresAt: undefined,
    publisherId: "pub",
  };
}

function setup(...tenants: Tenant[]) {
  const registry = new Tenants(...tenants);
  const broker: { privacy: DeliveryPrivacy | undefined } = { privacy: undefined };
  const privacies = new TenantPrivacies({
    broker,
    registry: registry as never,
    logger: pino({ level: "silent" }),
  });
  privacies.start();
  return { registry, broker, privacies };
}

describe("TenantPrivacies", () => {
  it("sets the broker's hook only while a tenant has rule sets", () => {
    const { registry, broker, privacies } = setup(
      tenant("acme", undefined),
      tenant("globex", { hashKey: KEY }),
    );
    assert.equal(broker.privacy, undefined);
    registry.update(tenant("acme", PRIVACY));
    assert.equal(broker.privacy, privacies);
    registry.update(tenant("acme", undefined));
    assert.equal(broker.privacy, undefined);
  });

  it("transforms once per message and plan, whatever the number of subscribers", () => {
    const { privacies } = setup(tenant("acme", PRIVACY));
    const m = message("$t/acme/room/1", '{"name":"Ada","email":"ada@example.com"}');
    const staff = [principal("acme", ["staff"]), principal("acme", [])];
    const guests = [principal("acme", ["guest"]), principal("acme", ["guest", "staff"])];
    const shown = [...staff, ...guests].map((p) => privacies.shown(m, p)!);
    assert.equal(shown[0], shown[1]);
    assert.equal(shown[2], shown[3]);
    assert.notEqual(shown[0], m);
    assert.deepEqual(JSON.parse(decode(shown[0]!.payload)), {
      name: "Ada",
      email: hmac(KEY, "ada@example.com"),
    });
    assert.deepEqual(JSON.parse(decode(shown[2]!.payload)), {
      name: "***",
      email: hmac(KEY, "ada@example.com"),
    });
    assert.equal(shown[0]!.id, m.id);
    assert.equal(shown[0]!.frames, undefined);
    assert.equal(privacies.counters("acme")!.events.evaluated, 2);
    // the original message is untouched (the broker keeps, queues and retains it as published)
    assert.equal(decode(m.payload), '{"name":"Ada","email":"ada@example.com"}');
  });

  it("passes other tenants' messages and $SYS unchanged (the same object)", () => {
    const { privacies } = setup(tenant("acme", PRIVACY), tenant("default", PRIVACY));
    const other = message("$t/globex/x", '{"email":"ada@example.com"}');
    assert.equal(privacies.shown(other, principal("globex", [])), other);
    const sys = message("$SYS/broker/uptime", "12 seconds ada@example.com");
    assert.equal(privacies.shown(sys, principal("default", ["admin"])), sys);
  });

  it("gives a principal whose settings changed the new plan", () => {
    const { registry, privacies } = setup(tenant("acme", PRIVACY));
    const guest = principal("acme", ["guest"]);
    const before = privacies.shown(message("$t/acme/a", '{"name":"Ada"}'), guest)!;
    assert.deepEqual(JSON.parse(decode(before.payload)), { name: "***" });
    registry.update(tenant("acme", { ...PRIVACY, roles: [] }));
    const m = message("$t/acme/a", '{"name":"Ada"}');
    assert.equal(privacies.shown(m, guest), m);
  });

  it("shows a message kept across a settings change (a retained one) under the new settings, once", () => {
    const { registry, privacies } = setup(tenant("acme", PRIVACY));
    const guest = principal("acme", ["guest"]);
    const retained = message("$t/acme/a", '{"name":"Ada","email":"ada@example.com"}');
    const before = privacies.shown(retained, guest)!;
    assert.deepEqual(JSON.parse(decode(before.payload)), {
      name: "***",
      email: hmac(KEY, "ada@example.com"),
    });
    const stricter = {
      ...PRIVACY,
      roles: [
        { role: "guest", ruleSets: [{ id: "guest", rules: [{ match: { key: "name" }, action: "drop" }] }] },
      ],
    } as Tenant["privacy"];
    registry.update(tenant("acme", stricter));
    const evaluated = privacies.counters("acme")!.events.evaluated;
    assert.equal(privacies.shown(retained, guest), undefined, "withheld under the new settings");
    assert.equal(privacies.shown(retained, guest), undefined);
    assert.equal(privacies.counters("acme")!.events.evaluated, evaluated + 1, "evaluated once, then cached");
    assert.notEqual(privacies.shown(retained, principal("acme", [])), undefined, "other plans still shown");
  });

  it("applies the tenant's sets once on the bridge path, then the bridge's own", () => {
    const { privacies } = setup(tenant("acme", PRIVACY));
    const bridges = new BridgePrivacy();
    bridges.useTenantRules(privacies);
    bridges.set("cloud", { id: "bridge", rules: [{ match: { key: "name" }, action: "hash" }] }, SECRET);
    const out = bridges.transform(
      {
        topic: "$t/acme/room/1",
        payload: encode('{"name":"Ada","email":"ada@example.com"}'),
        retain: false,
        properties: undefined,
        expiresAt: undefined,
      },
      { id: "cloud" } as BridgeConfig,
    )!;
    // the email hashed once with the tenant's key (not again by anything), the name by the bridge's set
    assert.deepEqual(JSON.parse(decode(out.payload)), {
      name: hmac(SECRET, "Ada"),
      email: hmac(KEY, "ada@example.com"),
    });
    assert.equal(privacies.counters("acme")!.events.modified, 1);
    assert.equal(bridges.counters("cloud")!.events.modified, 1);
    // a tenant without settings: only the bridge's set
    const globex = {
      topic: "$t/globex/room/1",
      payload: encode('{"email":"ada@example.com"}'),
      retain: false,
      properties: undefined,
      expiresAt: undefined,
    };
    assert.equal(bridges.transform(globex, { id: "other" } as BridgeConfig), globex);
  });

  it("withholds every non-empty payload of a tenant whose stored settings do not compile", () => {
    const { privacies } = setup(tenant("acme", { ruleSets: [{ rules: [{ action: "nope" }] }] }));
    assert.equal(privacies.shown(message("$t/acme/a", "{}"), principal("acme", [])), undefined);
    const empty = message("$t/acme/a", "");
    assert.equal(privacies.shown(empty, principal("acme", [])), empty);
    assert.equal(privacies.counters("acme")!.events.failed, 1);
  });
});
