/**
 * JWT / OAuth2 tokens over real sockets: shared secret, PEM keys and a JWKS served on port 0; tokens as
 * password and as user name; claims mapped to tenant, roles and scopes; every kind of bad token
 * refused with the documented codes; expiry enforced during the session; JWKS key rotation; no token
 * in the logs.
 * @module
 */

import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, RawClient } from "../helpers/raw-client.js";
import { startSecureBroker, type SecureBroker } from "./helpers/secure-broker.js";
import {
  keyPair,
  type KeyPair,
  publicPem,
  signToken,
  startJwksServer,
  type JwksServer,
  unsecuredToken,
} from "./helpers/tokens.js";

const SECRET = "a-shared-secret-of-at-least-32-bytes!";
const secretKey = new TextEncoder().encode(SECRET);
const ISSUER = "https://issuer.test";
const AUDIENCE = "switchboard";

const hsToken = (options: Partial<Parameters<typeof signToken>[0]> = {}) =>
  signToken({
    alg: "HS256",
    key: secretKey,
    issuer: ISSUER,
    audience: AUDIENCE,
    claims: { org: "acme" },
    ...options,
  });

describe("JwtAuthenticator over TCP", () => {
  let broker: SecureBroker;
  let jwks: JwksServer;
  let rsa: KeyPair;
  let ec: KeyPair;
  let ed: KeyPair;
  let keyDir: string;
  const clients: RawClient[] = [];
  const open = async (version: 3 | 4 | 5 = 5) => {
    const client = await RawClient.open(broker.port(), version);
    clients.push(client);
    return client;
  };

  before(async () => {
    [rsa, ec, ed] = await Promise.all([keyPair("RS256"), keyPair("ES256"), keyPair("EdDSA")]);
    jwks = await startJwksServer([ed]);
    keyDir = mkdtempSync(join(tmpdir(), "switchboard-jwt-"));
    writeFileSync(join(keyDir, "rsa.pem"), await publicPem(rsa));
    broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: false,
          jwt: {
            providers: [
              {
                name: "hs",
                issuer: ISSUER,
                audience: [AUDIENCE],
                secret: SECRET,
                claims: { tenant: "org", roles: "realm_access.roles" },
                roles: ["device"],
              },
              { name: "rsa", issuer: "https://rsa.test", publicKeyFile: join(keyDir, "rsa.pem") },
              { name: "ec", issuer: "https://ec.test", publicKey: await publicPem(ec), tenant: "ec-tenant" },
              { name: "jwks", issuer: "https://jwks.test", jwksUrl: jwks.url, jwksCooldown: 0 },
            ],
          },
        },
      },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(async () => {
    await broker.stop();
    await jwks.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("accepts an HS256 token as the password and maps its claims to tenant, roles and scopes (v5)", async () => {
    const token = await hsToken({
      subject: "sensor-9",
      claims: { org: "acme", realm_access: { roles: ["reader", "writer"] }, scope: "mqtt:read mqtt:write" },
    });
    const client = await open();
    const connack = await client.connect({
      clientId: "jwt-claims",
      username: "ignored",
      password: bytes(token),
    });
    assert.equal(connack.reasonCode, 0);
    const principal = broker.connection("jwt-claims")!.identity!.principal;
    assert.equal(principal.id, "sensor-9");
    assert.equal(principal.anonymous, false);
    assert.equal(principal.tenant, "acme");
    assert.deepEqual([...principal.roles].sort(), ["device", "reader", "writer"]);
    assert.deepEqual(principal.scopes, ["mqtt:read", "mqtt:write"]);
    assert.ok(principal.expiresAt !== undefined && principal.expiresAt > Date.now());
    assert.equal(principal.attributes["credential"], "jwt");
  });

  for (const version of [4, 3] as const) {
    it(`accepts a token as the user name with no password (v${version})`, async () => {
      const client = await open(version);
      const connack = await client.connect({
        protocolVersion: version,
        clientId: `jwt-user-${version}`,
        username: await hsToken(),
      });
      assert.equal(connack.reasonCode, 0);
      assert.equal(broker.connection(`jwt-user-${version}`)?.identity?.principal.id, "device-1");
    });
  }

  it("accepts a token as the user name with an empty password (v4)", async () => {
    const client = await open(4);
    const connack = await client.connect({
      protocolVersion: 4,
      username: await hsToken(),
      password: new Uint8Array(0),
    });
    assert.equal(connack.reasonCode, 0);
  });

  it("verifies RS256 with a PEM file, ES256 with an inline PEM key and EdDSA with a JWKS", async () => {
    const cases = [
      { pair: () => rsa, issuer: "https://rsa.test", tenant: "default" },
      { pair: () => ec, issuer: "https://ec.test", tenant: "ec-tenant" },
      { pair: () => ed, issuer: "https://jwks.test", tenant: "default" },
    ];
    for (const { pair, issuer, tenant } of cases) {
      const { alg, kid, privateKey } = pair();
      const token = await signToken({ alg, kid, key: privateKey, issuer, subject: `sub-${alg}` });
      const client = await open();
      const clientId = `jwt-${alg}`;
      const connack = await client.connect({ clientId, password: bytes(token) });
      assert.equal(connack.reasonCode, 0, `${alg} refused`);
      assert.equal(broker.connection(clientId)?.identity?.principal.id, `sub-${alg}`);
      assert.equal(broker.connection(clientId)?.identity?.principal.tenant, tenant);
    }
  });

  const refusals: {
    readonly name: string;
    readonly token: () => Promise<string>;
    readonly v5: number;
    readonly v4: number;
  }[] = [
    {
      name: "a wrong signature",
      token: async () => {
        const token = await hsToken();
        const [header, payload] = token.split(".");
        const forged = await signToken({ alg: "HS256", key: new TextEncoder().encode("x".repeat(40)) });
        return `${header}.${payload}.${forged.split(".")[2]}`;
      },
      v5: 0x86,
      v4: 4,
    },
    { name: "a wrong audience", token: () => hsToken({ audience: "another-service" }), v5: 0x86, v4: 4 },
    { name: "a wrong issuer", token: () => hsToken({ issuer: "https://evil.test" }), v5: 0x86, v4: 4 },
    {
      name: "alg: none",
      token: () =>
        Promise.resolve(
          unsecuredToken({ iss: ISSUER, aud: AUDIENCE, sub: "root", org: "acme", exp: 9_999_999_999 }),
        ),
      v5: 0x86,
      v4: 4,
    },
    { name: "an expired token", token: () => hsToken({ expiresIn: -60 }), v5: 0x86, v4: 4 },
    { name: "a token without exp", token: () => hsToken({ expiresIn: undefined }), v5: 0x86, v4: 4 },
    {
      name: "an HS256 token signed with the RSA provider's issuer (algorithm confusion)",
      token: () => signToken({ alg: "HS256", key: secretKey, issuer: "https://rsa.test" }),
      v5: 0x86,
      v4: 4,
    },
    { name: "a token without the tenant claim", token: () => hsToken({ claims: {} }), v5: 0x87, v4: 5 },
  ];
  for (const { name, token, v5, v4 } of refusals) {
    it(`refuses ${name}: v5 0x${v5.toString(16)}, v4 return code ${v4}`, async () => {
      const text = await token();
      const c5 = await open(5);
      assert.equal((await c5.connect({ username: "device", password: bytes(text) })).reasonCode, v5);
      await c5.waitClosed();
      const c4 = await open(4);
      assert.equal(
        (await c4.connect({ protocolVersion: 4, username: "device", password: bytes(text) })).reasonCode,
        v4,
      );
      await c4.waitClosed();
    });
  }

  it("never writes a refused or accepted token into the logs, and audits each refusal", async () => {
    const bad = await hsToken({ audience: "nope" });
    const good = await hsToken();
    const c1 = await open(5);
    await c1.connect({ clientId: "audit-bad", username: bad, password: bytes(bad) });
    const c2 = await open(4);
    await c2.connect({ protocolVersion: 4, clientId: "audit-good", username: good });
    const text = broker.logs.text.join("\n");
    for (const token of [bad, good]) {
      assert.ok(!text.includes(token), "a token was logged");
      assert.ok(!text.includes(token.split(".")[2]!), "a token signature was logged");
    }
    const failure = broker.logs.audit("auth.failure").find((line) => line["clientId"] === "audit-bad");
    assert.ok(failure, "no auth.failure line");
    assert.equal(failure["username"], "<token>");
    assert.equal(failure["reason"], 'Token claim "aud" check failed');
    assert.equal(failure["reasonCode"], 0x86);
    assert.match(String(failure["remote"]), /127\.0\.0\.1/);
  });

  it("disconnects a v5 client with DISCONNECT 0xA0 when its token expires during the session", async () => {
    const token = await hsToken({ expiresIn: 2 });
    const client = await open(5);
    const connectedAt = Date.now();
    assert.equal((await client.connect({ clientId: "expiring-5", password: bytes(token) })).reasonCode, 0);
    const disconnect = await client.expect(PacketType.DISCONNECT, 4000);
    assert.equal(disconnect.reasonCode, 0xa0);
    assert.ok(Date.now() - connectedAt >= 900, "disconnected before the token expired");
    await client.waitClosed();
    const line = broker.logs.audit("auth.expired").find((l) => l["clientId"] === "expiring-5");
    assert.ok(line, "no auth.expired line");
    assert.equal(line["principal"], "device-1");
  });

  it("closes a v4 client's connection when its token expires during the session", async () => {
    const client = await open(4);
    const connack = await client.connect({ protocolVersion: 4, username: await hsToken({ expiresIn: 2 }) });
    assert.equal(connack.reasonCode, 0);
    await client.waitClosed(4000);
    assert.deepEqual(
      client.received.map((p) => p.type),
      [PacketType.CONNACK],
    );
  });
});

describe("JwtAuthenticator with a JWKS URL", () => {
  it("picks up a rotated key: a token whose kid is not cached makes the broker fetch the key set again", async () => {
    const first = await keyPair("ES256", "key-1");
    const second = await keyPair("ES256", "key-2");
    const jwks = await startJwksServer([first]);
    const broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: false,
          jwt: { providers: [{ name: "idp", jwksUrl: jwks.url, jwksCooldown: 0, audience: ["mqtt"] }] },
        },
      },
    });
    const sign = (pair: KeyPair) =>
      signToken({ alg: "ES256", kid: pair.kid, key: pair.privateKey, audience: "mqtt" });
    try {
      const c1 = await RawClient.connected(broker.port(), { password: bytes(await sign(first)) });
      c1.destroy();
      const fetchesBefore = jwks.fetches;
      assert.ok(fetchesBefore >= 1);
      // the issuer rotates: key-2 replaces key-1
      await jwks.setKeys([second]);
      const c2 = await RawClient.connected(broker.port(), { password: bytes(await sign(second)) });
      c2.destroy();
      assert.ok(jwks.fetches > fetchesBefore, "the key set was not fetched again");
      // a token of the retired key is now refused
      const c3 = await RawClient.open(broker.port());
      assert.equal((await c3.connect({ password: bytes(await sign(first)) })).reasonCode, 0x86);
      c3.destroy();
    } finally {
      await broker.stop();
      await jwks.close();
    }
  });

  it("refuses with 0x88 Server unavailable (v4: 3) when the key set cannot be fetched", async () => {
    const pair = await keyPair("ES256", "k");
    const jwks = await startJwksServer([pair]);
    const url = jwks.url;
    await jwks.close();
    const broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: false,
          jwt: { providers: [{ name: "down", jwksUrl: url, jwksTimeout: 500 }] },
        },
      },
    });
    try {
      const token = await signToken({ alg: "ES256", kid: "k", key: pair.privateKey });
      const c5 = await RawClient.open(broker.port());
      assert.equal((await c5.connect({ password: bytes(token) })).reasonCode, 0x88);
      const c4 = await RawClient.open(broker.port(), 4);
      assert.equal(
        (await c4.connect({ protocolVersion: 4, username: "x", password: bytes(token) })).reasonCode,
        3,
      );
      c5.destroy();
      c4.destroy();
    } finally {
      await broker.stop();
    }
  });
});
