/**
 * What a refused password login costs: exactly one scrypt computation, with the default parameters,
 * whatever the reason (a configured user's wrong password, a registry user's or device's, a registry
 * user without a password or disabled, a name nobody has) and whatever the order of the password
 * links in `auth.chain`, so the time of a refusal does not tell which names exist. Counted through
 * an injected verifier, over real sockets with the registry filled through the admin API.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PasswordAuthenticator } from "../../src/auth/password-authenticator.js";
import { PasswordChecks } from "../../src/auth/password-checks.js";
import {
  DEFAULT_SCRYPT,
  hashPassword,
  type PasswordHash,
  type ScryptParameters,
  verifyPassword,
} from "../../src/auth/password-hash.js";
import type { PasswordVerifier } from "../../src/auth/password-verifier.js";
import type { ConnectAttempt } from "../../src/hooks/authenticator.js";
import { RegistryAuthenticator } from "../../src/platform/registry/registry-authenticator.js";
import { Registry } from "../../src/platform/registry/registry.js";
import { MemoryRegistryStore } from "../../src/storage/memory/memory-registry-store.js";
import { type AdminBroker, startAdminBroker } from "../admin/helpers/admin-broker.js";
import { bytes, RawClient } from "../helpers/raw-client.js";

/** A real scrypt verifier that records the parameters of every computation. */
function countingVerifier(): PasswordVerifier & { readonly calls: ScryptParameters[] } {
  const calls: ScryptParameters[] = [];
  return {
    calls,
    verify: (password: string | Uint8Array, stored: PasswordHash) => {
      calls.push({ n: stored.n, r: stored.r, p: stored.p });
      return verifyPassword(password, stored);
    },
  };
}

const DEFAULT = { n: DEFAULT_SCRYPT.n, r: DEFAULT_SCRYPT.r, p: DEFAULT_SCRYPT.p };

const BASE: ConnectAttempt = {
  clientId: "c",
  clientIdAssigned: false,
  username: undefined,
  password: undefined,
  protocolVersion: 5,
  remoteAddress: "127.0.0.1:1",
  listener: "tcp",
  loopbackListener: true,
  authenticationMethod: undefined,
  authenticationData: undefined,
  userProperties: [],
};

const CHAINS = {
  "password before registry": ["jwt", "apiKey", "password", "registry", "anonymous"],
  "registry before password": ["jwt", "apiKey", "registry", "password", "anonymous"],
} as const;

for (const [order, chain] of Object.entries(CHAINS)) {
  describe(`a refused password login costs one scrypt check (${order})`, () => {
    let broker: AdminBroker;
    const verifier = countingVerifier();
    const clients: RawClient[] = [];

    before(async () => {
      broker = await startAdminBroker({
        passwordVerifier: verifier,
        config: {
          auth: {
            chain,
            allowAnonymous: true,
            // the default parameters, as `switchboard hash-password` writes them
            users: [{ username: "alice", password: await hashPassword("alice-password") }],
          },
        },
      });
      const create = async (kind: string, body: Record<string, unknown>): Promise<void> => {
        const answer = await broker.call("POST", `/api/v1/${kind}`, { body });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
      };
      await create("users", { name: "R", username: "reg-user", password: "registry-password" });
      await create("users", { name: "N", username: "no-password" });
      await create("users", { name: "O", username: "off-user", password: "off-password", enabled: false });
      await create("devices", {
        name: "D",
        credentials: [{ kind: "password", username: "dev-user", password: "device-password" }],
      });
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.destroy();
    });
    after(() => broker.stop());

    const attempt = async (username: string, password: string): Promise<number> => {
      const client = await RawClient.open(broker.port, 5);
      clients.push(client);
      verifier.calls.length = 0;
      return (await client.connect({ username, password: bytes(password) })).reasonCode;
    };

    for (const [name, password, code] of [
      ["alice", "wrong-password", 0x86], // a configured user
      ["reg-user", "wrong-password", 0x86], // a registry user
      ["dev-user", "wrong-password", 0x86], // a device's password credential
      ["no-password", "wrong-password", 0x86], // a registry user without a password
      ["off-user", "wrong-password", 0x86], // a disabled registry user
      ["off-user", "off-password", 0x87], // ... with its right password
      ["nobody", "wrong-password", 0x86], // a name nobody has
    ] as const)
      it(`${name} with ${password}: CONNACK 0x${code.toString(16)} after one check`, async () => {
        assert.equal(await attempt(name, password), code);
        assert.deepEqual(verifier.calls, [DEFAULT]);
      });

    it("a right password costs one check too, and a client without credentials none", async () => {
      assert.equal(await attempt("alice", "alice-password"), 0);
      assert.deepEqual(verifier.calls, [DEFAULT]);
      assert.equal(await attempt("reg-user", "registry-password"), 0);
      assert.deepEqual(verifier.calls, [DEFAULT]);
      const anonymous = await RawClient.open(broker.port, 5);
      clients.push(anonymous);
      verifier.calls.length = 0;
      assert.equal((await anonymous.connect({})).reasonCode, 0);
      assert.deepEqual(verifier.calls, []);
    });
  });
}

describe("RegistryAuthenticator: a refused login it knows the name of", () => {
  it("costs one check of the default parameters for a stored hash beyond the bounds, too", async () => {
    const store = new MemoryRegistryStore();
    const seeded = new Registry({ store });
    await seeded.load();
    const hash = await hashPassword("pw", { n: 1024, r: 8, p: 1 });
    assert.ok(seeded.create("users", { id: "u", tenant: "default", name: "U", username: "u" }).ok);
    // stored before the bounds: p = 2^21 (scrypt could not have run it)
    const beyond = hash.replace("scrypt$1024$8$1$", "scrypt$2$1$2097152$");
    store.putEntity({ kind: "users", entity: { ...seeded.get("users", "u")!, passwordHash: beyond } });
    const registry = new Registry({ store });
    await registry.load();
    const verifier = countingVerifier();
    const authenticator = new RegistryAuthenticator(registry, { checks: new PasswordChecks({ verifier }) });
    const attempt: ConnectAttempt = { ...BASE, username: "u", password: bytes("pw") };
    const result = await authenticator.authenticate(attempt);
    assert.equal(result.kind, "deny");
    assert.deepEqual(verifier.calls, [DEFAULT]);
    verifier.calls.length = 0;
    assert.equal((await authenticator.authenticate({ ...attempt, username: "nobody" })).kind, "defer");
    assert.deepEqual(verifier.calls, [], "an unknown name is the unknown-login link's to pay");
  });

  it("PasswordAuthenticator checks only the names it knows", async () => {
    const verifier = countingVerifier();
    const hash = await hashPassword("pw", { n: 1024, r: 8, p: 1 });
    const password = new PasswordAuthenticator(
      [{ username: "a", password: hash, tenant: "default", roles: [] }],
      { checks: new PasswordChecks({ verifier }) },
    );
    assert.equal(
      (await password.authenticate({ ...BASE, username: "b", password: bytes("pw") })).kind,
      "defer",
    );
    assert.deepEqual(verifier.calls, []);
    assert.equal(
      (await password.authenticate({ ...BASE, username: "a", password: bytes("pW") })).kind,
      "deny",
    );
    assert.deepEqual(verifier.calls, [{ n: 1024, r: 8, p: 1 }]);
  });
});
