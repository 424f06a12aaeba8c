import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuthenticationResult, Authenticator, ConnectAttempt } from "./authenticator.js";
import type { Authorizer, ClientIdentity, PublishRequest, SubscribeRequest } from "./authorizer.js";
import { ALLOW, DEFER, deny, type Decision } from "./decision.js";
import { HookChain } from "./hook-chain.js";
import { ANONYMOUS_PRINCIPAL, type Principal } from "./principal.js";

const ATTEMPT: ConnectAttempt = {
  clientId: "c1",
  clientIdAssigned: false,
  username: undefined,
  password: undefined,
  protocolVersion: 5,
  remoteAddress: "127.0.0.1:5555",
  listener: "tcp",
  loopbackListener: true,
  authenticationMethod: undefined,
  authenticationData: undefined,
  userProperties: [],
};

const CLIENT: ClientIdentity = { clientId: "c1", username: undefined, principal: ANONYMOUS_PRINCIPAL };
const PUBLISH: PublishRequest = { client: CLIENT, topic: "a/b", qos: 1, retain: false };
const SUBSCRIBE: SubscribeRequest = { client: CLIENT, topicFilter: "a/#", shareGroup: undefined, qos: 2 };

const principal = (id: string): Principal => ({ ...ANONYMOUS_PRINCIPAL, id, anonymous: false });

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** An authenticator answering `result` (after a tick when async), recording its calls in `log`. */
function authenticator(
  name: string,
  result: AuthenticationResult,
  log: string[],
  async = false,
): Authenticator {
  return {
    name,
    authenticate(attempt) {
      assert.equal(attempt.clientId, ATTEMPT.clientId, "the attempt is passed through");
      log.push(name);
      return async ? new Promise((resolve) => setImmediate(() => resolve(result))) : result;
    },
  };
}

interface Answers {
  readonly publish?: Decision;
  readonly subscribe?: Decision;
  readonly receive?: Decision;
  readonly async?: boolean;
}

/** An authorizer answering the given decisions (DEFER when not given), recording "<name>:<kind>" in `log`. */
function authorizer(name: string, answers: Answers, log: string[]): Authorizer {
  const answer = (d: Decision): Decision | Promise<Decision> =>
    answers.async === true ? new Promise((resolve) => setImmediate(() => resolve(d))) : d;
  const base: Authorizer = {
    name,
    authorizePublish(request) {
      assert.equal(request, PUBLISH);
      log.push(`${name}:publish`);
      return answer(answers.publish ?? DEFER);
    },
    authorizeSubscribe(request) {
      assert.equal(request, SUBSCRIBE);
      log.push(`${name}:subscribe`);
      return answer(answers.subscribe ?? DEFER);
    },
  };
  if (answers.receive === undefined) return base;
  const receive = answers.receive;
  return {
    ...base,
    authorizeReceive(client, topic) {
      assert.equal(client, CLIENT);
      assert.equal(topic, "x/y");
      log.push(`${name}:receive`);
      return receive;
    },
  };
}

describe("HookChain.authenticate", () => {
  it("HookChain.authenticate(): the first answer that is not defer wins; later links are not asked", () => {
    const log: string[] = [];
    const allow: AuthenticationResult = { kind: "allow", principal: principal("alice") };
    const chain = new HookChain(
      [
        authenticator("a", DEFER, log),
        authenticator("b", allow, log),
        authenticator("c", deny(0x86, "no"), log),
      ],
      [],
    );
    assert.equal(chain.authenticate(ATTEMPT), allow);
    assert.deepEqual(log, ["a", "b"]);
  });

  it("HookChain.authenticate(): a deny stops the chain with its reason code and reason", () => {
    const log: string[] = [];
    const chain = new HookChain(
      [
        authenticator("a", deny(0x8a, "banned"), log),
        authenticator("b", { kind: "allow", principal: principal("x") }, log),
      ],
      [],
    );
    assert.deepEqual(chain.authenticate(ATTEMPT), { kind: "deny", reasonCode: 0x8a, reason: "banned" });
    assert.deepEqual(log, ["a"]);
  });

  it("HookChain.authenticate(): when every link defers, a client without credentials is denied with 0x87 Not authorized", () => {
    const log: string[] = [];
    const chain = new HookChain([authenticator("a", DEFER, log), authenticator("b", DEFER, log)], []);
    const result = chain.authenticate(ATTEMPT);
    assert.ok(!isPromise(result));
    assert.equal(result.kind, "deny");
    assert.equal(result.reasonCode, 0x87);
    assert.deepEqual(log, ["a", "b"]);
  });

  it("HookChain.authenticate(): when every link defers, a client with a user name or a password is denied with 0x86 Bad User Name or Password", () => {
    for (const attempt of [
      { ...ATTEMPT, username: "bob" },
      { ...ATTEMPT, password: Uint8Array.from([1]) },
      { ...ATTEMPT, username: "bob", password: Uint8Array.from([1]) },
    ]) {
      const log: string[] = [];
      const chain = new HookChain([{ name: "d", authenticate: () => (log.push("d"), DEFER) }], []);
      const result = chain.authenticate(attempt);
      assert.ok(!isPromise(result));
      assert.equal(result.kind === "deny" ? result.reasonCode : -1, 0x86);
      assert.deepEqual(log, ["d"]);
    }
  });

  it("HookChain.authenticate(): an empty authenticator chain denies (every link deferred)", () => {
    const result = new HookChain([], []).authenticate(ATTEMPT);
    assert.ok(!isPromise(result));
    assert.equal(result.kind, "deny");
  });

  it("HookChain.authenticate(): async links are awaited in order; a sync chain returns without a promise", async () => {
    const log: string[] = [];
    const allow: AuthenticationResult = { kind: "allow", principal: principal("carol") };
    const chain = new HookChain(
      [
        authenticator("a", DEFER, log, true),
        authenticator("b", DEFER, log),
        authenticator("c", allow, log, true),
        authenticator("d", deny(0x87), log),
      ],
      [],
    );
    const pending = chain.authenticate(ATTEMPT);
    assert.ok(isPromise(pending));
    assert.deepEqual(log, ["a"], "b is not asked before a answered");
    assert.equal(await pending, allow);
    assert.deepEqual(log, ["a", "b", "c"]);

    const allDefer = new HookChain(
      [authenticator("x", DEFER, [], true), authenticator("y", DEFER, [], true)],
      [],
    );
    const denied = await allDefer.authenticate({ ...ATTEMPT, username: "u" });
    assert.equal(denied.kind === "deny" ? denied.reasonCode : -1, 0x86);

    const sync = new HookChain([authenticator("s", allow, [])], []).authenticate(ATTEMPT);
    assert.ok(!isPromise(sync));
  });
});

describe("HookChain.authorizePublish / authorizeSubscribe", () => {
  it("HookChain with an empty authorizer chain allows publish and subscribe", () => {
    const chain = new HookChain([], []);
    assert.equal(chain.authorizePublish(PUBLISH), ALLOW);
    assert.equal(chain.authorizeSubscribe(SUBSCRIBE), ALLOW);
  });

  it("HookChain.authorizePublish(): the first answer that is not defer wins", () => {
    const log: string[] = [];
    const chain = new HookChain(
      [],
      [
        authorizer("a", {}, log),
        authorizer("b", { publish: deny(0x87, "read only") }, log),
        authorizer("c", { publish: ALLOW }, log),
      ],
    );
    assert.deepEqual(chain.authorizePublish(PUBLISH), {
      kind: "deny",
      reasonCode: 0x87,
      reason: "read only",
    });
    assert.deepEqual(log, ["a:publish", "b:publish"]);
  });

  it("HookChain.authorizeSubscribe(): the first answer that is not defer wins", () => {
    const log: string[] = [];
    const chain = new HookChain(
      [],
      [authorizer("a", { subscribe: ALLOW }, log), authorizer("b", { subscribe: deny(0x87) }, log)],
    );
    assert.equal(chain.authorizeSubscribe(SUBSCRIBE), ALLOW);
    assert.deepEqual(log, ["a:subscribe"]);
  });

  it("HookChain: when every authorizer defers, publish and subscribe are denied with 0x87", () => {
    const log: string[] = [];
    const chain = new HookChain([], [authorizer("a", {}, log), authorizer("b", {}, log)]);
    const publish = chain.authorizePublish(PUBLISH);
    const subscribe = chain.authorizeSubscribe(SUBSCRIBE);
    assert.ok(!isPromise(publish) && !isPromise(subscribe));
    assert.equal(publish.kind === "deny" ? publish.reasonCode : -1, 0x87);
    assert.equal(subscribe.kind === "deny" ? subscribe.reasonCode : -1, 0x87);
    assert.deepEqual(log, ["a:publish", "b:publish", "a:subscribe", "b:subscribe"]);
  });

  it("HookChain: async authorizers are awaited in order and follow the same rules", async () => {
    const log: string[] = [];
    const chain = new HookChain(
      [],
      [
        authorizer("a", { async: true }, log),
        authorizer("b", {}, log),
        authorizer("c", { publish: ALLOW, subscribe: deny(0x97), async: true }, log),
        authorizer("d", { publish: deny(0x87), subscribe: ALLOW }, log),
      ],
    );
    const publish = chain.authorizePublish(PUBLISH);
    assert.ok(isPromise(publish));
    assert.equal(await publish, ALLOW);
    assert.deepEqual(await chain.authorizeSubscribe(SUBSCRIBE), { kind: "deny", reasonCode: 0x97 });
    assert.deepEqual(log, [
      "a:publish",
      "b:publish",
      "c:publish",
      "a:subscribe",
      "b:subscribe",
      "c:subscribe",
    ]);

    const allDefer = new HookChain(
      [],
      [authorizer("x", { async: true }, []), authorizer("y", { async: true }, [])],
    );
    const denied = await allDefer.authorizePublish(PUBLISH);
    assert.equal(denied.kind === "deny" ? denied.reasonCode : -1, 0x87);
  });
});

describe("HookChain.authorizeReceive", () => {
  it("HookChain.authorizeReceive() allows, and checksReceive is false, when no authorizer implements authorizeReceive", () => {
    const log: string[] = [];
    const chain = new HookChain([], [authorizer("a", { publish: deny(0x87) }, log)]);
    assert.equal(chain.checksReceive, false);
    assert.equal(chain.authorizeReceive(CLIENT, "x/y"), true);
    assert.deepEqual(log, []);
    const empty = new HookChain([], []);
    assert.equal(empty.checksReceive, false);
    assert.equal(empty.authorizeReceive(CLIENT, "x/y"), true);
  });

  it("HookChain.authorizeReceive() asks only authorizers implementing authorizeReceive; the first non-defer wins", () => {
    const log: string[] = [];
    const chain = new HookChain(
      [],
      [
        authorizer("plain", { publish: ALLOW }, log),
        authorizer("a", { receive: DEFER }, log),
        authorizer("b", { receive: deny(0x87) }, log),
        authorizer("c", { receive: ALLOW }, log),
      ],
    );
    assert.equal(chain.checksReceive, true);
    assert.equal(chain.authorizeReceive(CLIENT, "x/y"), false);
    assert.deepEqual(log, ["a:receive", "b:receive"]);

    const log2: string[] = [];
    const allowing = new HookChain(
      [],
      [authorizer("a", { receive: ALLOW }, log2), authorizer("b", { receive: deny(0x87) }, log2)],
    );
    assert.equal(allowing.authorizeReceive(CLIENT, "x/y"), true);
    assert.deepEqual(log2, ["a:receive"]);
  });

  it("HookChain.authorizeReceive() denies when every receive-checking authorizer defers", () => {
    const log: string[] = [];
    const chain = new HookChain(
      [],
      [
        authorizer("a", { receive: DEFER }, log),
        authorizer("plain", {}, log),
        authorizer("b", { receive: DEFER }, log),
      ],
    );
    assert.equal(chain.authorizeReceive(CLIENT, "x/y"), false);
    assert.deepEqual(log, ["a:receive", "b:receive"]);
  });
});
