/**
 * Each built-in authenticator's allow / deny / defer answers, called directly, plus the pieces they
 * rest on: the chain's method routing, the failure backoff, claim paths, SAN parsing and the
 * configuration checks.
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AnonymousAuthenticator } from "../../src/auth/anonymous-authenticator.js";
import { generateApiKey } from "../../src/auth/api-key.js";
import { ApiKeyAuthenticator } from "../../src/auth/api-key-authenticator.js";
import { CertificateAuthenticator } from "../../src/auth/certificate-authenticator.js";
import { createAuthenticators } from "../../src/auth/create-authenticators.js";
import { claimAt, nameList } from "../../src/auth/claims.js";
import { addressOf, FailureBackoff } from "../../src/auth/failure-backoff.js";
import { JwtAuthenticator } from "../../src/auth/jwt-authenticator.js";
import {
  hashPassword,
  parsePasswordHash,
  ScryptBoundsError,
  verifyPassword,
} from "../../src/auth/password-hash.js";
import { PasswordAuthenticator } from "../../src/auth/password-authenticator.js";
import { passwordCheckLimits, threadPoolSize } from "../../src/auth/password-checks.js";
import { loadConfig } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/errors.js";
import { AuthenticationChain } from "../../src/hooks/authentication-chain.js";
import type { ConnectAttempt, PeerCertificate } from "../../src/hooks/authenticator.js";
import { parseSubjectAltNames } from "../../src/transport/tls-certificate.js";
import { bytes } from "../helpers/raw-client.js";
import { signToken } from "./helpers/tokens.js";

const BASE: ConnectAttempt = {
  clientId: "c",
  clientIdAssigned: false,
  username: undefined,
  password: undefined,
  protocolVersion: 5,
  remoteAddress: "10.0.0.1:5000",
  listener: "tcp",
  loopbackListener: false,
  authenticationMethod: undefined,
  authenticationData: undefined,
  userProperties: [],
};
const attempt = (fields: Partial<ConnectAttempt>): ConnectAttempt => ({ ...BASE, ...fields });
const kinds = async (results: readonly unknown[]) =>
  (await Promise.all(results)).map(
    (r) =>
      (r as { kind: string; reasonCode?: number }).kind +
      ((r as { reasonCode?: number }).reasonCode === undefined
        ? ""
        : `:0x${(r as { reasonCode: number }).reasonCode.toString(16)}`),
  );

const CERT: PeerCertificate = {
  subject: { CN: "device-1", O: "Acme" },
  issuer: { CN: "Test CA" },
  subjectAltNames: [{ type: "uri", value: "spiffe://acme/d1" }],
  fingerprint256: "AA:BB",
  serialNumber: "01",
  validTo: 0,
};

describe("built-in authenticators answer allow, deny or defer", () => {
  it("PasswordAuthenticator: right password allow, wrong deny 0x86, unknown user or no password defer", async () => {
    const auth = new PasswordAuthenticator([
      {
        username: "ann",
        password: await hashPassword("pw", { n: 1024, r: 8, p: 1 }),
        tenant: "t",
        roles: [],
      },
    ]);
    assert.deepEqual(
      await kinds([
        auth.authenticate(attempt({ username: "ann", password: bytes("pw") })),
        auth.authenticate(attempt({ username: "ann", password: bytes("nope") })),
        auth.authenticate(attempt({ username: "zed", password: bytes("pw") })),
        auth.authenticate(attempt({ username: "ann" })),
      ]),
      ["allow", "deny:0x86", "defer", "defer"],
    );
  });

  it("ApiKeyAuthenticator: a key allow, a wrong key deny 0x86, a password that is no key defer", async () => {
    const { key, hash } = generateApiKey("k1");
    const auth = new ApiKeyAuthenticator([{ id: "k1", hash, tenant: "default", roles: [] }]);
    const wrong = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    assert.deepEqual(
      await kinds([
        auth.authenticate(attempt({ username: "k1", password: bytes(key) })),
        auth.authenticate(attempt({ username: "k1", password: bytes(wrong) })),
        auth.authenticate(attempt({ username: "k1", password: bytes("plain password") })),
      ]),
      ["allow", "deny:0x86", "defer"],
    );
  });

  it("JwtAuthenticator: a token allow, a bad token deny, anything else defer; a method without data continues", async () => {
    const secret = "s".repeat(32);
    const auth = new JwtAuthenticator({
      config: { methods: ["jwt"], clockTolerance: 0, providers: [provider({ name: "p", secret })] },
    });
    const good = await signToken({ alg: "HS256", key: new TextEncoder().encode(secret) });
    assert.deepEqual(
      await kinds([
        auth.authenticate(attempt({ password: bytes(good) })),
        auth.authenticate(attempt({ username: good })),
        auth.authenticate(attempt({ password: bytes(`${good}x`) })),
        auth.authenticate(attempt({ username: "alice", password: bytes("secret") })),
        auth.authenticate(attempt({ authenticationMethod: "jwt" })),
        auth.authenticate(attempt({ authenticationMethod: "jwt", authenticationData: bytes("a.b.c") })),
      ]),
      ["allow", "allow", "deny:0x86", "defer", "continue", "deny:0x87"],
    );
  });

  it("CertificateAuthenticator: a certificate allow, none or no identity defer, unmapped with requireMapping deny 0x87", async () => {
    const defaults = { tenant: "default", roles: [], mappings: [], requireMapping: false } as const;
    const cn = new CertificateAuthenticator({ ...defaults, identity: "cn" });
    const dns = new CertificateAuthenticator({ ...defaults, identity: "san-dns" });
    const strict = new CertificateAuthenticator({ ...defaults, identity: "san-uri", requireMapping: true });
    assert.deepEqual(
      await kinds([
        cn.authenticate(attempt({ certificate: CERT })),
        cn.authenticate(attempt({})),
        dns.authenticate(attempt({ certificate: CERT })),
        strict.authenticate(attempt({ certificate: CERT })),
      ]),
      ["allow", "defer", "defer", "deny:0x87"],
    );
  });

  it("AnonymousAuthenticator: allow without credentials when on; defer when off, and for credentials when others check them", async () => {
    const on = new AnonymousAuthenticator({
      allowAnonymous: true,
      acceptCredentials: false,
      tenant: "guests",
    });
    const off = new AnonymousAuthenticator({ allowAnonymous: false });
    const results = [
      on.authenticate(attempt({})),
      on.authenticate(attempt({ username: "x" })),
      off.authenticate(attempt({})),
    ];
    assert.deepEqual(await kinds(results), ["allow", "defer", "defer"]);
    assert.equal((results[0] as { principal: { tenant: string } }).principal.tenant, "guests");
  });
});

describe("parsePasswordHash()", () => {
  const salt = "A".repeat(22);
  const hash = "B".repeat(43);
  it("reads what hashPassword writes", async () => {
    const parsed = parsePasswordHash(await hashPassword("pw", { n: 1024, r: 8, p: 1 }));
    assert.deepEqual([parsed.n, parsed.r, parsed.p, parsed.hash.length], [1024, 8, 1, 32]);
  });

  it("refuses scrypt parameters every login with the hash could not afford", () => {
    for (const [n, r, p, reason] of [
      [2 ** 30, 8, 1, /has N = 1073741824: it must be a power of two from 1024 to 1048576/], // 128 GiB
      [2 ** 18, 16, 1, /needs 512 MiB per check \(128·N·r\): at most 256 MiB/],
      [3000, 8, 1, /has N = 3000/], // N not a power of two (scrypt refuses it)
      [1, 8, 1, /has N = 1:/],
      [2 ** 16, 8, 16, /needs N·r·p = 8388608 per check: at most 2\^22/],
      [2 ** 15, 0, 1, /has r = 0: it must be from 1 to 32/],
    ] as const) {
      const encoded = `scrypt$${n}$${r}$${p}$${salt}$${hash}`;
      assert.throws(() => parsePasswordHash(encoded), ScryptBoundsError, encoded);
      assert.throws(() => parsePasswordHash(encoded), reason, encoded);
    }
    assert.equal(parsePasswordHash(`scrypt$${2 ** 17}$8$1$${salt}$${hash}`).n, 2 ** 17, "128 MiB is fine");
    assert.equal(parsePasswordHash(`scrypt$${2 ** 15}$8$16$${salt}$${hash}`).p, 16, "N·r·p = 2^22 is fine");
    assert.throws(
      () => parsePasswordHash(`scrypt$1024$8$1$${salt}$${"B".repeat(200)}`),
      /it has a salt or hash longer than 128 bytes/,
    );
    assert.throws(
      () => parsePasswordHash(`scrypt$1024$8$1$${salt}$${"B".repeat(22)}`),
      /shorter than 32 bytes/,
    );
  });

  it("refuses the parameters scrypt itself refuses, or cannot run within the memory it is given", () => {
    // within N·r·p <= 2^22 and 128·N·r <= 256 MiB, but p or r added what no maxmem allowed (repro p7)
    for (const [n, r, p, reason] of [
      [2, 1, 2 ** 21, /has N = 2:/],
      [1024, 1, 2 ** 12, /has p = 4096: it must be from 1 to 16/],
      [1024, 2 ** 11, 1, /has r = 2048: it must be from 1 to 32/],
      [2 ** 16, 1, 1, /has N = 65536 with r = 1: scrypt needs N below 2\^\(16·r\)/],
    ] as const)
      assert.throws(() => parsePasswordHash(`scrypt$${n}$${r}$${p}$${salt}$${hash}`), reason);
  });

  it("verifies every hash at the corners of the bounds (scrypt gets the memory it needs)", async () => {
    for (const parameters of [
      { n: 1024, r: 1, p: 16 },
      { n: 2 ** 15, r: 1, p: 1 }, // the largest N for r = 1
      { n: 1024, r: 32, p: 16 },
    ]) {
      const encoded = await hashPassword("pw", parameters);
      const parsed = parsePasswordHash(encoded);
      assert.equal(await verifyPassword("pw", parsed), true, encoded);
      assert.equal(await verifyPassword("pW", parsed), false, encoded);
    }
    await assert.rejects(hashPassword("pw", { n: 2 ** 16, r: 1, p: 1 }), ScryptBoundsError);
  });
});

describe("AuthenticationChain", () => {
  it("asks only the authenticators of an Authentication Method, refuses an unknown one with 0x8C, and all-defer with 0x87", async () => {
    const asked: string[] = [];
    const link = (name: string, methods?: string[]) => ({
      name,
      ...(methods === undefined ? {} : { methods }),
      authenticate: () => (asked.push(name), { kind: "defer" as const }),
    });
    const chain = new AuthenticationChain([link("plain"), link("a", ["m1"]), link("b", ["m1", "m2"])]);
    assert.deepEqual(await kinds([chain.authenticate(attempt({ authenticationMethod: "m1" }))]), [
      "deny:0x87",
    ]);
    assert.deepEqual(asked, ["a", "b"]);
    assert.deepEqual(await kinds([chain.authenticate(attempt({ authenticationMethod: "zz" }))]), [
      "deny:0x8c",
    ]);
    asked.length = 0;
    assert.deepEqual(await kinds([chain.authenticate(attempt({ username: "u" }))]), ["deny:0x86"]);
    assert.deepEqual(asked, ["plain", "a", "b"]);
  });

  it("refuses with 0x80 and reports a PluginError when an authenticator throws or rejects", async () => {
    const errors: string[] = [];
    const chain = new AuthenticationChain([
      { name: "boom", authenticate: () => Promise.reject(new Error("database down")) },
    ]);
    chain.onPluginError = (error) => errors.push(`${error.code} ${error.message}`);
    assert.deepEqual(await kinds([chain.authenticate(attempt({}))]), ["deny:0x80"]);
    assert.deepEqual(errors, ['SB_ERR_PLUGIN Authenticator "boom" failed: database down']);
  });

  it("refuses an authenticator's continue when the client chose no method [MQTT-4.12.0-6]", async () => {
    const chain = new AuthenticationChain([{ name: "eager", authenticate: () => ({ kind: "continue" }) }]);
    assert.deepEqual(await kinds([chain.authenticate(attempt({}))]), ["deny:0x80"]);
  });
});

describe("FailureBackoff", () => {
  const options = { initialDelay: 100, maxDelay: 1000, resetAfter: 60_000, maxEntries: 3 };

  it("doubles per failure of an address or a user name, up to the cap, and forgets after resetAfter", () => {
    const backoff = new FailureBackoff(options);
    const from = (address: string, username?: string) => ({ address, username });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((i) => backoff.failed(from("1.1.1.1", "u"), i)),
      [100, 200, 400, 800, 1000],
    );
    // another address guessing the same user name is slowed too
    assert.equal(backoff.failed(from("2.2.2.2", "u"), 6), 1000);
    assert.equal(backoff.failed(from("3.3.3.3"), 7), 100);
    assert.equal(backoff.failed(from("3.3.3.3"), 7 + 60_000), 100, "reset after resetAfter");
    backoff.succeeded(from("1.1.1.1", "u"));
    assert.equal(backoff.failed(from("1.1.1.1", "u"), 70_000), 100);
  });

  it("pending(): how long a new attempt of the address waits, until its last refusal is due", () => {
    const backoff = new FailureBackoff(options);
    assert.equal(backoff.pending("1.1.1.1", 0), 0, "no failure: no wait");
    backoff.failed({ address: "1.1.1.1", username: "u" }, 1000); // refused at 1100
    assert.equal(backoff.pending("1.1.1.1", 1000), 100);
    assert.equal(backoff.pending("1.1.1.1", 1060), 40);
    assert.equal(backoff.pending("1.1.1.1", 1100), 0);
    backoff.failed({ address: "1.1.1.1", username: "u" }, 1100); // the second: refused at 1300
    assert.equal(backoff.pending("1.1.1.1", 1150), 150);
    // by the address only: the user name's failures do not hold back another address
    assert.equal(backoff.pending("2.2.2.2", 1150), 0);
    backoff.succeeded({ address: "1.1.1.1", username: "u" });
    assert.equal(backoff.pending("1.1.1.1", 1150), 0);
    const off = new FailureBackoff({ ...options, initialDelay: 0 });
    off.failed({ address: "1.1.1.1", username: undefined }, 0);
    assert.equal(off.pending("1.1.1.1", 0), 0);
  });

  it("remembers at most maxEntries keys", () => {
    const backoff = new FailureBackoff(options);
    for (let i = 0; i < 10; i++) backoff.failed({ address: `10.0.0.${i}`, username: undefined }, i);
    assert.equal(backoff.size, 3);
  });

  it("addressOf() strips the port of IPv4, IPv6 and bracketed addresses", () => {
    assert.deepEqual(["10.1.2.3:5000", "::ffff:127.0.0.1:6000", "[::1]:7000", "memory"].map(addressOf), [
      "10.1.2.3",
      "::ffff:127.0.0.1",
      "::1",
      "memory",
    ]);
  });
});

describe("auth.passwordChecks: concurrency from the thread pool", () => {
  it("threadPoolSize() reads UV_THREADPOOL_SIZE as libuv does (4 when unset or invalid, at most 1024)", () => {
    assert.deepEqual(
      [{}, { UV_THREADPOOL_SIZE: "8" }, { UV_THREADPOOL_SIZE: "0" }, { UV_THREADPOOL_SIZE: "x" }].map(
        threadPoolSize,
      ),
      [4, 8, 4, 4],
    );
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "5000" }), 1024);
  });

  it("concurrency 0 leaves one thread of the pool to other work, at least 1 check", () => {
    const config = { concurrency: 0, maxQueued: 32, perAddress: 2 };
    assert.deepEqual(passwordCheckLimits(config, 4), { concurrency: 3, maxQueued: 32, perAddress: 2 });
    assert.equal(passwordCheckLimits(config, 1).concurrency, 1);
    assert.equal(passwordCheckLimits({ ...config, concurrency: 6 }, 4).concurrency, 6);
    assert.deepEqual(loadConfig({ values: {} }).auth.passwordChecks, config, "the defaults");
  });
});

describe("claims and certificates", () => {
  it("claimAt() reads a claim by its full name first, then as a dotted path; nameList() splits strings and lists", () => {
    const payload = { "https://x.test/roles": ["a"], realm_access: { roles: ["b", 1, "c"] }, scope: "r w,x" };
    assert.deepEqual(claimAt(payload, "https://x.test/roles"), ["a"]);
    assert.deepEqual(nameList(claimAt(payload, "realm_access.roles")), ["b", "c"]);
    assert.deepEqual(nameList(claimAt(payload, "scope")), ["r", "w", "x"]);
    assert.equal(claimAt(payload, "realm_access.missing"), undefined);
  });

  it("parseSubjectAltNames() reads Node's subjectaltname text, quoted values included", () => {
    assert.deepEqual(
      parseSubjectAltNames('DNS:a.test, URI:spiffe://x/y, email:"a,b@c.test", IP Address:10.0.0.1'),
      [
        { type: "dns", value: "a.test" },
        { type: "uri", value: "spiffe://x/y" },
        { type: "email", value: "a,b@c.test" },
        { type: "ip", value: "10.0.0.1" },
      ],
    );
  });
});

describe("createAuthenticators: the anonymous fallback", () => {
  const outcome = (values: Record<string, unknown>, fields: Partial<ConnectAttempt>): string => {
    const { chain } = createAuthenticators(loadConfig({ values }).auth);
    const anonymous = chain.find((link) => link.name === "anonymous")!;
    return (anonymous.authenticate(attempt(fields)) as { kind: string }).kind;
  };

  it("takes a client that sends a user name only while no credential is checked", () => {
    const named = { username: "device-001" };
    assert.equal(outcome({ auth: { allowAnonymous: true } }, named), "allow");
    const mapped = {
      auth: { allowAnonymous: true, certificates: { mappings: [{ identity: "device-001" }] } },
    };
    assert.equal(outcome(mapped, named), "defer", "certificate identities are credentials too");
    assert.equal(outcome(mapped, {}), "allow", "a client that sends nothing is still anonymous");
  });
});

describe("loadConfig() security checks", () => {
  const problems = (values: Record<string, unknown>): string[] => {
    try {
      loadConfig({ values });
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "SB_ERR_CONFIG_INVALID");
      return error.issues.map((issue) => issue.message);
    }
    return [];
  };

  it("names each bad authentication or TLS setting", () => {
    assert.deepEqual(
      problems({
        listeners: [
          { kind: "tls", port: 8883 },
          { kind: "wss", port: 8884, tls: { certFile: "c", keyFile: "k", requestCert: true } },
        ],
        auth: {
          chain: ["jwt", "jwt"],
          users: [
            {
              username: "a",
              password: "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            },
          ],
          jwt: {
            providers: [
              { name: "p", secret: "s".repeat(32), jwksUrl: "https://x.test/jwks" },
              { name: "q", jwksUrl: "https://x.test/jwks", algorithms: ["HS256"] },
            ],
          },
          backoff: { maxDelay: 10_000 },
        },
      }),
      [
        '"auth.chain[1]" names an authenticator twice',
        '"auth.users[0].password" has N = 1000: it must be a power of two from 1024 to 1048576',
        '"auth.jwt.providers[1]" ("q") has no issuer, nor has "auth.jwt.providers[0]" ("p"): tokens of other issuers go to the first provider without one, so this one would never be used; give each provider its own issuer (several keys of one issuer: one provider with a "jwksUrl")',
        '"auth.jwt.providers[0]" has "secret" and "jwksUrl": give exactly one key source',
        '"auth.jwt.providers[1]" lists "HS256" in "algorithms", which a public key cannot verify',
        '"auth.backoff.maxDelay" must be below "mqtt.connectTimeout" (10000 ms): a delayed refusal would never arrive',
        '"listeners[0].tls" is required for a "tls" listener (certFile and keyFile)',
        '"listeners[1].tls.caFile" is required with requestCert: the CAs client certificates must chain to',
      ],
    );
  });

  it("refuses a second token provider of an issuer, naming both (a token would only reach the first)", () => {
    const secret = "s".repeat(32);
    const messages = problems({
      auth: {
        jwt: {
          providers: [
            { name: "devices", issuer: "https://idp", secret, tenant: "devices" },
            { name: "other", issuer: "https://other", secret },
            { name: "people", issuer: "https://idp", secret: "t".repeat(32), audience: ["people"] },
          ],
        },
      },
    });
    assert.deepEqual(messages, [
      '"auth.jwt.providers[2]" ("people") repeats the issuer "https://idp" of "auth.jwt.providers[0]" ("devices"): tokens go to the first provider of their issuer, so this one would never be used; give each provider its own issuer (several keys of one issuer: one provider with a "jwksUrl")',
    ]);
    try {
      loadConfig({
        values: {
          auth: {
            jwt: {
              providers: [
                { name: "a", issuer: "https://idp", secret },
                { name: "b", issuer: "https://idp", secret },
              ],
            },
          },
        },
      });
      assert.fail("loaded");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.issues[0]?.path, "auth.jwt.providers[1].issuer");
    }
  });

  it("refuses a user's scrypt hash that parsePasswordHash would refuse at start-up", () => {
    const salt = "A".repeat(22);
    const hash = "B".repeat(43);
    const messages = problems({
      auth: {
        users: [
          { username: "a", password: `scrypt$65536$8$16$${salt}$${hash}` }, // N·r·p = 2^23
          { username: "b", password: `scrypt$1024$8$1$${salt}$${"B".repeat(200)}` },
          { username: "c", password: `scrypt$65536$8$8$${salt}$${hash}` }, // 2^22: fine
          { username: "d", password: `scrypt$65536$1$1$${salt}$${hash}` }, // scrypt refuses N >= 2^(16·r)
        ],
      },
    });
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.match(messages[2]!, /auth\.users\[3\]\.password" has N = 65536 with r = 1/);
    assert.match(messages[0]!, /auth\.users\[0\]\.password" needs N·r·p = 8388608 per check/);
    assert.match(messages[1]!, /auth\.users\[1\]\.password.*longer than 128 bytes/);
  });

  it("rejects a password that is not a scrypt hash and an API key hash of the wrong shape", () => {
    const messages = problems({
      auth: { users: [{ username: "a", password: "hunter2" }], apiKeys: [{ id: "k", hash: "md5$abc" }] },
    });
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, /auth\.users\[0\]\.password/);
    assert.match(messages[1]!, /auth\.apiKeys\[0\]\.hash/);
  });

  it("turns anonymous access on by default only when every listener is on loopback", () => {
    assert.equal(loadConfig({}).auth.allowAnonymous, true);
    assert.equal(
      loadConfig({ values: { listeners: [{ host: "0.0.0.0", port: 1883 }] } }).auth.allowAnonymous,
      false,
    );
  });
});

function provider(fields: { name: string; secret: string }) {
  return {
    ...fields,
    audience: [],
    algorithms: [],
    jwksCacheMaxAge: 600,
    jwksCooldown: 30,
    jwksTimeout: 5000,
    requireExpiry: true,
    claims: { principal: "sub", tenant: "", roles: "", scopes: "scope", org: "" },
    tenant: "default",
    roles: [],
  };
}
