/**
 * MQTT 5 enhanced authentication (spec 4.12) over TCP: the AUTH exchange at CONNECT, re-authentication
 * with AUTH 0x19 (a fresh token keeps a client connected past its first token's expiry), failures,
 * packet-order rules, and a multi-step challenge-response authenticator that keeps state.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Authenticator } from "../../src/hooks/authenticator.js";
import { DEFER, deny } from "../../src/hooks/decision.js";
import { ANONYMOUS_PRINCIPAL } from "../../src/hooks/principal.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { ConnectPacket } from "../../src/protocol/packets/connect.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import { startSecureBroker, sleep, type SecureBroker } from "./helpers/secure-broker.js";
import { signToken } from "./helpers/tokens.js";

const SECRET = "another-shared-secret-of-32-bytes-or-more";
const token = (options: { expiresIn?: number; subject?: string } = {}) =>
  signToken({ alg: "HS256", key: new TextEncoder().encode(SECRET), ...options });

function connectPacket(clientId: string, method: string, data?: Uint8Array): ConnectPacket {
  return {
    type: PacketType.CONNECT,
    protocolName: "MQTT",
    protocolVersion: 5,
    clientId,
    cleanStart: true,
    keepAlive: 0,
    properties: { authenticationMethod: method, ...(data === undefined ? {} : { authenticationData: data }) },
  };
}

describe("enhanced authentication with a token method (spec 4.12)", () => {
  let broker: SecureBroker;
  const clients: RawClient[] = [];
  const open = async () => {
    const client = await RawClient.open(broker.port(), 5);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startSecureBroker({
      config: { auth: { allowAnonymous: false, jwt: { providers: [{ name: "hs", secret: SECRET }] } } },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  it("[MQTT-4.12.0-5] accepts a token in the CONNECT's Authentication Data; the CONNACK repeats the method", async () => {
    const client = await open();
    client.send(connectPacket("enh-1", "jwt", bytes(await token())));
    const connack = await client.expect(PacketType.CONNACK);
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, "jwt");
  });

  it("[MQTT-4.12.0-2] [MQTT-4.12.0-3] asks for the token with AUTH 0x18 when CONNECT has no Authentication Data", async () => {
    const client = await open();
    client.send(connectPacket("enh-2", "bearer"));
    const challenge = await client.expect(PacketType.AUTH);
    assert.equal(challenge.reasonCode, 0x18);
    assert.equal(challenge.properties?.authenticationMethod, "bearer");
    client.send({
      type: PacketType.AUTH,
      reasonCode: 0x18,
      properties: { authenticationMethod: "bearer", authenticationData: bytes(await token()) },
    });
    const connack = await client.expect(PacketType.CONNACK);
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, "bearer");
  });

  it("[MQTT-4.12.0-4] refuses a bad token sent in AUTH 0x18 with CONNACK 0x87, then closes", async () => {
    const client = await open();
    client.send(connectPacket("enh-3", "jwt"));
    await client.expect(PacketType.AUTH);
    client.send({
      type: PacketType.AUTH,
      reasonCode: 0x18,
      properties: { authenticationMethod: "jwt", authenticationData: bytes(await token({ expiresIn: -10 })) },
    });
    const connack = await client.expect(PacketType.CONNACK);
    assert.equal(connack.reasonCode, 0x87);
    assert.equal(connack.properties?.reasonString, "Token expired");
    await client.waitClosed();
  });

  it("[MQTT-4.12.0-1] refuses an Authentication Method no authenticator handles with CONNACK 0x8C", async () => {
    const client = await open();
    client.send(connectPacket("enh-4", "SCRAM-SHA-256", bytes("n,,n=user,r=abc")));
    const connack = await client.expect(PacketType.CONNACK);
    assert.equal(connack.reasonCode, 0x8c);
    await client.waitClosed();
  });

  it("[MQTT-3.1.2-30] a PUBLISH during the AUTH exchange is a Protocol Error: CONNACK 0x82, then close", async () => {
    const client = await open();
    client.send(connectPacket("enh-5", "jwt"));
    await client.expect(PacketType.AUTH);
    client.send({
      type: PacketType.PUBLISH,
      topic: "a/b",
      payload: bytes("x"),
      qos: 0,
      retain: false,
      dup: false,
    });
    const connack = await client.expect(PacketType.CONNACK);
    assert.equal(connack.reasonCode, 0x82);
    await client.waitClosed();
  });

  it("[spec 4.12] a DISCONNECT during the AUTH exchange ends it: no CONNACK, connection closed", async () => {
    const client = await open();
    client.send(connectPacket("enh-6", "jwt"));
    await client.expect(PacketType.AUTH);
    client.send({ type: PacketType.DISCONNECT, reasonCode: 0 });
    await client.waitClosed();
    assert.deepEqual(
      client.received.map((p) => p.type),
      [PacketType.AUTH],
    );
  });

  it("[MQTT-4.12.1-1] re-authentication with a fresh token (AUTH 0x19) keeps the client connected past its first token's expiry", async () => {
    const client = await open();
    client.send(connectPacket("reauth-1", "jwt", bytes(await token({ expiresIn: 2 }))));
    assert.equal((await client.expect(PacketType.CONNACK)).reasonCode, 0);
    const firstExpiry = broker.connection("reauth-1")!.identity!.principal.expiresAt!;
    client.send({
      type: PacketType.AUTH,
      reasonCode: 0x19,
      properties: { authenticationMethod: "jwt", authenticationData: bytes(await token({ expiresIn: 60 })) },
    });
    const success = await client.expect(PacketType.AUTH);
    assert.equal(success.reasonCode, 0x00);
    assert.equal(success.properties?.authenticationMethod, "jwt");
    assert.ok(broker.connection("reauth-1")!.identity!.principal.expiresAt! > firstExpiry);
    // well past the first token's expiry, the connection still works
    await sleep(Math.max(0, firstExpiry - Date.now()) + 700);
    client.send({ type: PacketType.PINGREQ });
    await client.expect(PacketType.PINGRESP);
    assert.equal(client.closed, false);
    assert.ok(broker.logs.audit("auth.reauthenticated").some((l) => l["clientId"] === "reauth-1"));
    assert.ok(!broker.logs.audit("auth.expired").some((l) => l["clientId"] === "reauth-1"));
  });

  it("[MQTT-4.12.1-2] a failed re-authentication disconnects with DISCONNECT 0x87 and is audited", async () => {
    const client = await open();
    client.send(connectPacket("reauth-2", "jwt", bytes(await token())));
    assert.equal((await client.expect(PacketType.CONNACK)).reasonCode, 0);
    const bad = `${await token()}x`;
    client.send({
      type: PacketType.AUTH,
      reasonCode: 0x19,
      properties: { authenticationMethod: "jwt", authenticationData: bytes(bad) },
    });
    const disconnect = await client.expect(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x87);
    await client.waitClosed();
    const line = broker.logs.audit("auth.reauth.failure").find((l) => l["clientId"] === "reauth-2");
    assert.ok(line, "no auth.reauth.failure line");
    assert.equal(line["method"], "jwt");
    assert.ok(!broker.logs.text.join("\n").includes(bad), "the token was logged");
  });

  it("[MQTT-4.12.1-2] a re-authentication as another principal is refused: DISCONNECT 0x87", async () => {
    const client = await open();
    client.send(connectPacket("reauth-3", "jwt", bytes(await token({ subject: "alice" }))));
    assert.equal((await client.expect(PacketType.CONNACK)).reasonCode, 0);
    client.send({
      type: PacketType.AUTH,
      reasonCode: 0x19,
      properties: {
        authenticationMethod: "jwt",
        authenticationData: bytes(await token({ subject: "mallory" })),
      },
    });
    assert.equal((await client.expect(PacketType.DISCONNECT)).reasonCode, 0x87);
  });

  it("[MQTT-4.12.1-1] AUTH 0x19 with another Authentication Method is a Protocol Error: DISCONNECT 0x82", async () => {
    const client = await open();
    client.send(connectPacket("reauth-4", "jwt", bytes(await token())));
    assert.equal((await client.expect(PacketType.CONNACK)).reasonCode, 0);
    client.send({
      type: PacketType.AUTH,
      reasonCode: 0x19,
      properties: { authenticationMethod: "bearer", authenticationData: bytes(await token()) },
    });
    assert.equal((await client.expect(PacketType.DISCONNECT)).reasonCode, 0x82);
  });

  it("[spec 4.12] AUTH 0x18 with no exchange in progress is a Protocol Error: DISCONNECT 0x82", async () => {
    const client = await open();
    client.send(connectPacket("reauth-5", "jwt", bytes(await token())));
    assert.equal((await client.expect(PacketType.CONNACK)).reasonCode, 0);
    client.send({ type: PacketType.AUTH, reasonCode: 0x18, properties: { authenticationMethod: "jwt" } });
    assert.equal((await client.expect(PacketType.DISCONNECT)).reasonCode, 0x82);
  });
});

/**
 * A two-round challenge-response method "demo": the server sends a nonce, the client answers
 * `<secret>:<nonce>`; the final CONNACK (or AUTH 0x00) carries "welcome". State: the nonce.
 */
function challengeResponse(): Authenticator {
  let counter = 0;
  return {
    name: "challenge",
    methods: ["demo"],
    authenticate(attempt) {
      if (attempt.authenticationMethod !== "demo") return DEFER;
      const nonce = `nonce-${++counter}`;
      return { kind: "continue", data: bytes(nonce), state: nonce };
    },
    authenticateContinue(step) {
      const answer = step.data === undefined ? "" : text(step.data);
      if (answer !== `open-sesame:${String(step.state)}`) return deny(0x87, "Wrong answer");
      const principal = { ...ANONYMOUS_PRINCIPAL, id: "demo-user", anonymous: false };
      return { kind: "allow", principal, data: bytes("welcome") };
    },
  };
}

describe("enhanced authentication with a multi-step authenticator", () => {
  let broker: SecureBroker;
  const asked: string[] = [];
  const clients: RawClient[] = [];
  before(async () => {
    const deferring: Authenticator = {
      name: "deferring",
      methods: ["demo"],
      authenticate(attempt) {
        asked.push(attempt.current === undefined ? "connect" : "reauth");
        return DEFER;
      },
    };
    broker = await startSecureBroker({ authenticators: [deferring, challengeResponse()] });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  const answer = (nonce: Uint8Array | undefined, secret = "open-sesame") =>
    ({
      type: PacketType.AUTH,
      reasonCode: 0x18,
      properties: { authenticationMethod: "demo", authenticationData: bytes(`${secret}:${text(nonce!)}`) },
    }) as const;

  it("[MQTT-4.12.0-2] [MQTT-4.12.0-5] runs the chain for the method, then the exchange with the authenticator that continued", async () => {
    const client = await RawClient.open(broker.port());
    clients.push(client);
    asked.length = 0;
    client.send(connectPacket("demo-1", "demo"));
    const challenge = await client.expect(PacketType.AUTH);
    assert.equal(challenge.reasonCode, 0x18);
    assert.deepEqual(asked, ["connect"], "the deferring authenticator was asked first");
    client.send(answer(challenge.properties?.authenticationData));
    const connack = await client.expect(PacketType.CONNACK);
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, "demo");
    assert.equal(text(connack.properties.authenticationData ?? new Uint8Array()), "welcome");
    assert.equal(broker.connection("demo-1")?.identity?.principal.id, "demo-user");

    // re-authentication goes through the same rounds and ends with AUTH 0x00
    client.send({ type: PacketType.AUTH, reasonCode: 0x19, properties: { authenticationMethod: "demo" } });
    const again = await client.expect(PacketType.AUTH);
    assert.equal(again.reasonCode, 0x18);
    assert.notEqual(
      text(again.properties!.authenticationData!),
      text(challenge.properties!.authenticationData!),
    );
    client.send(answer(again.properties?.authenticationData));
    const done = await client.expect(PacketType.AUTH);
    assert.equal(done.reasonCode, 0x00);
    assert.equal(text(done.properties!.authenticationData!), "welcome");
  });

  it("[MQTT-4.12.0-4] refuses a wrong answer with CONNACK 0x87", async () => {
    const client = await RawClient.open(broker.port());
    clients.push(client);
    client.send(connectPacket("demo-2", "demo"));
    const challenge = await client.expect(PacketType.AUTH);
    client.send(answer(challenge.properties?.authenticationData, "guess"));
    assert.equal((await client.expect(PacketType.CONNACK)).reasonCode, 0x87);
    await client.waitClosed();
  });
});
