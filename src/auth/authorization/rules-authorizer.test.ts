import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuthorizationRule } from "../../config/index.js";
import { ANONYMOUS_PRINCIPAL, type ClientIdentity, type Decision } from "../../hooks/index.js";
import { RulesAuthorizer } from "./rules-authorizer.js";

function client(
  clientId: string,
  options: { username?: string; tenant?: string; roles?: string[] } = {},
): ClientIdentity {
  return {
    clientId,
    username: options.username,
    principal: {
      ...ANONYMOUS_PRINCIPAL,
      id: options.username ?? "anonymous",
      tenant: options.tenant ?? "default",
      roles: options.roles ?? [],
    },
  };
}

function kind(decision: Decision): string {
  return decision.kind;
}

function authorizer(
  rules: AuthorizationRule[],
  noMatch: "deny" | "allow" = "deny",
  cacheSize = 8,
): RulesAuthorizer {
  return new RulesAuthorizer({ rules, noMatch, cacheSize });
}

describe("RulesAuthorizer", () => {
  it("allows everything without rules", () => {
    const rules = authorizer([]);
    const c = client("c");
    assert.equal(kind(rules.authorizePublish({ client: c, topic: "x", qos: 0, retain: false })), "allow");
    assert.equal(kind(rules.authorizeReceive(c, "$SYS/x")), "allow");
  });

  it("denies first: a matching deny wins over an allow listed before it, and names its rule", () => {
    const rules = authorizer([
      { effect: "allow", action: "all", topic: "#" },
      { id: "no-b", effect: "deny", action: "receive", topic: "b/#" },
    ]);
    const c = client("c");
    const denied = rules.authorizeReceive(c, "b/1");
    assert.equal(denied.kind, "deny");
    assert.deepEqual(rules.denialSource(c, "receive", "b/1"), { kind: "rule", rule: "no-b" });
    assert.equal(kind(rules.authorizeReceive(c, "a/1")), "allow");
    assert.equal(
      kind(rules.authorizePublish({ client: c, topic: "b/1", qos: 0, retain: false })),
      "allow",
      "receive only",
    );
  });

  it("applies noMatch to what no rule matches", () => {
    const c = client("c");
    const deny = authorizer([{ effect: "allow", action: "publish", topic: "a" }]);
    assert.equal(kind(deny.authorizePublish({ client: c, topic: "b", qos: 0, retain: false })), "deny");
    assert.deepEqual(deny.denialSource(c, "publish", "b"), { kind: "no-match" });
    const allow = authorizer([{ effect: "deny", action: "publish", topic: "a" }], "allow");
    assert.equal(kind(allow.authorizePublish({ client: c, topic: "b", qos: 0, retain: false })), "allow");
  });

  it("'read' is subscribe and receive, 'all' adds publish", () => {
    const rules = authorizer([{ effect: "allow", action: "read", topic: "r/#" }]);
    const c = client("c");
    assert.equal(
      kind(rules.authorizeSubscribe({ client: c, topicFilter: "r/+", shareGroup: undefined, qos: 0 })),
      "allow",
    );
    assert.equal(kind(rules.authorizeReceive(c, "r/1")), "allow");
    assert.equal(kind(rules.authorizePublish({ client: c, topic: "r/1", qos: 0, retain: false })), "deny");
  });

  it("substitutes %c, %u and %t, and fails closed on values that would change the filter", () => {
    const rules = authorizer([
      { effect: "allow", action: "publish", topic: "d/%c/%u/%t" },
      { id: "d-lock", effect: "deny", action: "publish", topic: "lock/%u" },
      { effect: "allow", action: "publish", topic: "open/#" },
    ]);
    const ok = client("c1", { username: "u1", tenant: "t1" });
    assert.equal(
      kind(rules.authorizePublish({ client: ok, topic: "d/c1/u1/t1", qos: 0, retain: false })),
      "allow",
    );
    assert.equal(
      kind(rules.authorizePublish({ client: ok, topic: "d/c2/u1/t1", qos: 0, retain: false })),
      "deny",
    );
    assert.equal(
      kind(rules.authorizePublish({ client: ok, topic: "open/x", qos: 0, retain: false })),
      "allow",
    );
    const noUser = client("c1", { tenant: "t1" });
    assert.equal(
      kind(rules.authorizePublish({ client: noUser, topic: "open/x", qos: 0, retain: false })),
      "deny",
      "the deny with %u applies to everything",
    );
    const wild = client("c/1", { username: "u1", tenant: "t1" });
    assert.equal(
      kind(rules.authorizePublish({ client: wild, topic: "d/c/1/u1/t1", qos: 0, retain: false })),
      "deny",
      "the allow does not apply",
    );
    assert.equal(
      kind(rules.authorizePublish({ client: wild, topic: "open/x", qos: 0, retain: false })),
      "allow",
    );
  });

  it("%u is the principal's id once a credential was checked, the sent user name only when anonymous", () => {
    const rules = authorizer([{ effect: "allow", action: "publish", topic: "users/%u/#" }]);
    const checked: ClientIdentity = {
      clientId: "c1",
      username: "bob", // beside a token that was checked for alice
      principal: { ...ANONYMOUS_PRINCIPAL, id: "alice", anonymous: false },
    };
    const publish = (client: ClientIdentity, topic: string): string =>
      kind(rules.authorizePublish({ client, topic, qos: 0, retain: false }));
    assert.equal(publish(checked, "users/alice/x"), "allow");
    assert.equal(publish(checked, "users/bob/x"), "deny");
    assert.equal(publish(client("c2", { username: "bob" }), "users/bob/x"), "allow");
  });

  it("matches principal, role and tenant conditions", () => {
    const rules = authorizer([
      { effect: "allow", action: "publish", topic: "p", principal: "alice" },
      { effect: "allow", action: "publish", topic: "r", role: "ops" },
      { effect: "allow", action: "publish", topic: "t", tenant: "acme" },
    ]);
    const alice = client("1", { username: "alice", roles: ["ops"], tenant: "acme" });
    const bob = client("2", { username: "bob", roles: [], tenant: "globex" });
    for (const topic of ["p", "r", "t"]) {
      assert.equal(
        kind(rules.authorizePublish({ client: alice, topic, qos: 0, retain: false })),
        "allow",
        topic,
      );
      assert.equal(
        kind(rules.authorizePublish({ client: bob, topic, qos: 0, retain: false })),
        "deny",
        topic,
      );
    }
  });

  it("setRules() forgets every cached decision; a new principal (re-authentication) gets a fresh view", () => {
    const rules = authorizer([{ effect: "allow", action: "receive", topic: "#", role: "reader" }]);
    const reader = client("c", { roles: ["reader"] });
    assert.equal(kind(rules.authorizeReceive(reader, "x")), "allow");
    rules.setRules([{ effect: "deny", action: "receive", topic: "x" }]);
    assert.equal(kind(rules.authorizeReceive(reader, "x")), "deny");
    rules.setRules([{ effect: "allow", action: "receive", topic: "#", role: "reader" }]);
    const same = { ...reader };
    assert.equal(kind(rules.authorizeReceive(same, "x")), "allow");
    const demoted: ClientIdentity = { ...reader, principal: { ...reader.principal, roles: [] } };
    assert.equal(kind(rules.authorizeReceive(demoted, "x")), "deny");
  });

  it("keeps at most cacheSize decisions per client and action, and still decides correctly past it", () => {
    const rules = authorizer([{ effect: "allow", action: "publish", topic: "even/#" }], "deny", 4);
    const c = client("c");
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 20; i++) {
        const topic = `${i % 2 === 0 ? "even" : "odd"}/${i}`;
        assert.equal(
          kind(rules.authorizePublish({ client: c, topic, qos: 0, retain: false })),
          i % 2 === 0 ? "allow" : "deny",
        );
      }
    }
  });

  it("refuses invalid rules with a message naming each problem", () => {
    assert.throws(
      () =>
        authorizer([
          { effect: "allow", action: "all", topic: "a/#/b" },
          { id: "x", effect: "allow", action: "all", topic: "a" },
          { id: "x", effect: "allow", action: "all", topic: "b" },
        ]),
      (error: Error) =>
        error instanceof RangeError &&
        /rules\[0\]\.topic/.test(error.message) &&
        /rules\[2\]\.id repeats "x"/.test(error.message),
    );
  });
});
