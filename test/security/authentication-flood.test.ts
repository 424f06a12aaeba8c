/**
 * A flood of password logins (docs/security.md "Password checks"): the scrypt checks of logins are
 * bounded per client IP address and overall (`auth.passwordChecks`), so a flood of bad CONNECTs from one
 * address is refused at once beyond its own few checks (0x9F Connection rate exceeded), a full broker
 * refuses at once (0x89 Server busy; MQTT 3: return code 3), and neither holds back a good login from
 * another address. An address in failure backoff waits before its next check, not only before its
 * refusal. Over real sockets, clients bound to loopback addresses 127.0.0.1 .. 127.0.0.7; the checks go
 * through a verifier that stands in for libuv's four-thread pool and holds the checks of the password
 * "hold" until the test lets them go.
 * @module
 */

import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { hashPassword, type PasswordHash, verifyPassword } from "../../src/auth/password-hash.js";
import type { PasswordVerifier } from "../../src/auth/password-verifier.js";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import type { ConnackPacket } from "../../src/protocol/packets/connack.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import { waitFor } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const HOLD = "hold";
const THREADS = 4;

/**
 * libuv's pool in miniature: at most four checks compute at once, the others wait in arrival order. A
 * check of the password "hold" keeps its thread until {@link release} (and answers false); others are
 * real scrypt checks.
 */
class PoolVerifier implements PasswordVerifier {
  /** verify() calls so far. */
  calls = 0;
  /** Calls in progress (waiting for a thread or computing), and the most there ever were. */
  active = 0;
  maxActive = 0;
  /** When each call started computing and when it ended (performance.now()). */
  readonly started: number[] = [];
  readonly ended: number[] = [];
  #busy = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #held: (() => void)[] = [];
  #holding = true;

  async verify(password: string | Uint8Array, stored: PasswordHash): Promise<boolean> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    if (this.#busy < THREADS) this.#busy++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve)); // handed a thread
    this.started.push(performance.now());
    try {
      if ((typeof password === "string" ? password : text(password)) === HOLD) {
        if (this.#holding) await new Promise<void>((resolve) => this.#held.push(resolve));
        return false;
      }
      return await verifyPassword(password, stored);
    } finally {
      this.ended.push(performance.now());
      this.active--;
      const next = this.#waiting.shift();
      if (next === undefined) this.#busy--;
      else next();
    }
  }

  /** Lets every held check (and those to come) finish. */
  release(): void {
    this.#holding = false;
    for (const resolve of this.#held.splice(0)) resolve();
  }

  reset(): void {
    this.#holding = true;
    this.calls = 0;
    this.maxActive = this.active;
    this.started.length = 0;
    this.ended.length = 0;
  }
}

/** A raw client whose socket is bound to the loopback address `local` (127.0.0.0/8 is all loopback). */
function openFrom(port: number, local: string, version: ProtocolVersion = 5): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port, localAddress: local }, () => {
      socket.off("error", reject);
      resolve(RawClient.fromSocket(socket, version));
    });
    socket.once("error", reject);
  });
}

interface Login {
  readonly client: RawClient;
  /** The CONNACK, whenever it comes (10 s at most). */
  readonly connack: Promise<ConnackPacket>;
}

const CHECKS = { concurrency: 3, maxQueued: 4, perAddress: 2 };

describe("password checks are bounded per address and overall (auth.passwordChecks)", () => {
  let broker: TestBroker;
  const verifier = new PoolVerifier();
  const clients: RawClient[] = [];

  /** Sends a CONNECT from `local` without waiting for its CONNACK. */
  const login = async (
    local: string,
    username: string,
    password: string,
    version: ProtocolVersion = 5,
  ): Promise<Login> => {
    const client = await openFrom(broker.port, local, version);
    clients.push(client);
    client.send({
      type: PacketType.CONNECT,
      protocolName: version === 3 ? "MQIsdp" : "MQTT",
      protocolVersion: version,
      clientId: `${username}-${clients.length}`,
      cleanStart: true,
      keepAlive: 0,
      username,
      password: bytes(password),
    });
    return { client, connack: client.expect(PacketType.CONNACK, 10_000) };
  };
  const codes = async (logins: readonly Login[]): Promise<number[]> =>
    (await Promise.all(logins.map((l) => l.connack))).map((c) => c.reasonCode);
  /** How many of `logins` have their CONNACK. */
  const received = (logins: readonly Login[]): number =>
    logins.filter((l) => l.client.received.some((p) => p.type === PacketType.CONNACK)).length;

  before(async () => {
    // cheap hashes: the cost under test is the verifier's
    const cheap = { n: 1024, r: 8, p: 1 };
    broker = await startTestBroker({
      passwordVerifier: verifier,
      config: {
        auth: {
          allowAnonymous: false,
          users: [{ username: "alice", password: await hashPassword("alice-password", cheap) }],
          passwordChecks: CHECKS,
        },
      },
    });
    const created = broker.switchboard.registry.create("users", {
      id: "reg",
      tenant: "default",
      name: "Registry user",
      username: "reg-user",
      passwordHash: await hashPassword("reg-password", cheap),
    });
    assert.ok(created.ok, JSON.stringify(created));
  });
  afterEach(async () => {
    verifier.release();
    await waitFor(() => broker.switchboard.passwordChecks.running === 0, "the checks to end");
    for (const client of clients.splice(0)) client.destroy();
    verifier.reset();
  });
  after(() => broker.stop());

  it("a flood from one address gets two checks, the rest 0x9F at once, and a login from another address goes through", async () => {
    const flood = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login("127.0.0.1", `mallory-${i}`, HOLD)),
    );
    // every CONNECT of the flood is either being checked or answered
    await waitFor(() => verifier.calls + received(flood) === 20, "the flood to be handled");
    // the flood's checks still hold their threads: alice's must not wait behind them
    const alice = await openFrom(broker.port, "127.0.0.2");
    clients.push(alice);
    const connack = await alice.connect({ username: "alice", password: bytes("alice-password") });
    assert.equal(connack.reasonCode, 0);
    assert.equal(verifier.calls, CHECKS.perAddress + 1, "the flooding address got perAddress checks");

    const refused = flood.filter((l) => l.client.received.length > 0);
    assert.equal(refused.length, 20 - CHECKS.perAddress);
    for (const l of refused) {
      const refusal = await l.connack;
      assert.equal(refusal.reasonCode, 0x9f);
      assert.match(refusal.properties?.reasonString ?? "", /Too many logins from this address/);
    }

    verifier.release();
    assert.deepEqual(await codes(flood.filter((l) => !refused.includes(l))), [0x86, 0x86]);
    assert.ok(verifier.maxActive <= CHECKS.concurrency, `at most ${CHECKS.concurrency} checks at once`);
    assert.ok(broker.switchboard.passwordChecks.peak <= CHECKS.concurrency);
    // refusals for load: counted as a limit, not as failed credentials
    assert.equal(broker.broker.authentication.counters.busy, 20 - CHECKS.perAddress);
    assert.equal(broker.broker.metrics.limits["password-checks-per-ip"], 20 - CHECKS.perAddress);
    assert.equal(broker.broker.authentication.counters.failures, CHECKS.perAddress);
  });

  it("with every place taken, 0x89 Server busy (MQTT 3: return code 3) at once, without a check", async () => {
    const places = CHECKS.concurrency + CHECKS.maxQueued;
    const taking = await Promise.all(
      Array.from({ length: places }, (_, i) => login(`127.0.0.${3 + (i % 4)}`, `nobody-${i}`, HOLD)),
    );
    await waitFor(
      () =>
        broker.switchboard.passwordChecks.running === CHECKS.concurrency &&
        broker.switchboard.passwordChecks.queued === CHECKS.maxQueued,
      "every place to be taken",
    );
    assert.equal(verifier.calls, CHECKS.concurrency);
    const v5 = await login("127.0.0.2", "alice", "alice-password");
    const v3 = await login("127.0.0.2", "alice", "alice-password", 4);
    const busy = await v5.connack;
    assert.equal(busy.reasonCode, 0x89);
    assert.match(busy.properties?.reasonString ?? "", /Too many logins are being checked/);
    assert.equal((await v3.connack).reasonCode, 3);
    assert.equal(verifier.calls, CHECKS.concurrency, "refused without a check");
    assert.equal(broker.broker.metrics.limits["password-checks"], 2);

    verifier.release();
    // the waiting checks run in turn, never more than `concurrency` at once
    assert.deepEqual(await codes(taking), Array<number>(places).fill(0x86));
    assert.equal(verifier.calls, places);
    assert.ok(verifier.maxActive <= CHECKS.concurrency, `at most ${CHECKS.concurrency} checks at once`);
  });

  it("a waiting check whose client is gone is skipped when its turn comes: it does not keep a live login waiting", async () => {
    const running = await Promise.all(
      Array.from({ length: CHECKS.concurrency }, (_, i) => login(`127.0.0.${3 + i}`, `busy-${i}`, HOLD)),
    );
    await waitFor(() => verifier.calls === CHECKS.concurrency, "every running place to be taken");
    const gone = await Promise.all(
      Array.from({ length: CHECKS.maxQueued }, (_, i) => login(`127.0.0.${6 + (i % 2)}`, `gone-${i}`, "x")),
    );
    await waitFor(() => broker.switchboard.passwordChecks.queued === CHECKS.maxQueued, "the queue to fill");
    for (const l of gone) {
      l.connack.catch(() => undefined); // never comes: the client is gone
      l.client.destroy();
    }
    await waitFor(
      () => broker.broker.connections.size === CHECKS.concurrency,
      "the broker to see the waiting clients gone",
    );
    verifier.release();
    assert.deepEqual(await codes(running), Array<number>(CHECKS.concurrency).fill(0x86));
    await waitFor(() => broker.switchboard.passwordChecks.queued === 0, "the queue to empty");
    assert.equal(verifier.calls, CHECKS.concurrency, "no check computed for a client that was gone");
    assert.equal(broker.switchboard.passwordChecks.counters.skipped, CHECKS.maxQueued);
  });

  it("a known name, a registry name and a name nobody has are all refused at once from a full address (no timing oracle)", async () => {
    const holding = [await login("127.0.0.1", "x", HOLD), await login("127.0.0.1", "y", HOLD)];
    await waitFor(() => verifier.calls === 2, "the address's two checks");
    for (const [username, version, code] of [
      ["alice", 5, 0x9f], // configured user, wrong password
      ["reg-user", 5, 0x9f], // registry user, wrong password
      ["nobody", 5, 0x9f], // a name nobody has (the unknown-login link's dummy check)
      ["nobody", 4, 3],
    ] as const) {
      const attempt = await login("127.0.0.1", username, "wrong-password", version);
      assert.equal((await attempt.connack).reasonCode, code, `${username} v${version}`);
    }
    assert.equal(verifier.calls, 2, "none of them was checked");
    verifier.release();
    assert.deepEqual(await codes(holding), [0x86, 0x86]);
    // and once the address has room again, each costs one check
    const reg = await login("127.0.0.1", "reg-user", "reg-password");
    assert.equal((await reg.connack).reasonCode, 0);
    assert.equal(verifier.calls, 3);
  });
});

describe("an address in failure backoff waits before its next check (auth.backoff)", () => {
  let broker: TestBroker;
  const verifier = new PoolVerifier();
  const clients: RawClient[] = [];

  before(async () => {
    broker = await startTestBroker({
      passwordVerifier: verifier,
      config: {
        auth: {
          allowAnonymous: false,
          users: [
            { username: "alice", password: await hashPassword("alice-password", { n: 1024, r: 8, p: 1 }) },
          ],
          backoff: { initialDelay: 400, maxDelay: 2000 },
        },
      },
    });
  });
  after(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await broker.stop();
  });

  it("a parallel attempt of a failing address is checked once its last refusal is due, another address at once", async () => {
    const open = async (local: string): Promise<RawClient> => {
      const client = await openFrom(broker.port, local);
      clients.push(client);
      return client;
    };
    const first = await open("127.0.0.1");
    const firstAck = first.connect({ username: "mallory", password: bytes("wrong") });
    await waitFor(() => broker.broker.authentication.counters.failures === 1, "the first failure");
    const failedAt = verifier.ended[0]!;
    // while the first refusal waits its 400 ms, the same address tries again, and another address
    const second = await open("127.0.0.1");
    second.send({
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 5,
      clientId: "second",
      cleanStart: true,
      keepAlive: 0,
      username: "mallory",
      password: bytes("wrong"),
    });
    const secondAck = second.expect(PacketType.CONNACK, 5000);
    const other = await open("127.0.0.2");
    assert.equal(
      (await other.connect({ username: "alice", password: bytes("alice-password") })).reasonCode,
      0,
    );
    assert.equal(verifier.calls, 2, "the other address was checked at once; the failing one not yet");
    assert.equal((await firstAck).reasonCode, 0x86);
    assert.equal((await secondAck).reasonCode, 0x86);
    assert.equal(verifier.calls, 3);
    const secondCheck = verifier.started[2]!;
    assert.ok(
      secondCheck - failedAt >= 350,
      `checked ${(secondCheck - failedAt).toFixed(0)} ms after the failure, before its refusal was due`,
    );
    assert.equal(broker.broker.authentication.counters.heldOff, 1);
  });
});
