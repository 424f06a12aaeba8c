/**
 * TLS and secure WebSocket listeners with certificates made by the test (openssl): TLS 1.2+, required
 * and optional client certificates, the certificate's CN or SAN as the identity, clients with no or an
 * untrusted certificate, certificate reload without dropping connections, MQTT.js over TLS and WSS,
 * and the start-up errors for bad files.
 * @module
 */

import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { connectWithInbox } from "../helpers/mqttjs.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { RawClient } from "../helpers/raw-client.js";
import { hashPassword } from "../../src/auth/password-hash.js";
import { SwitchboardError } from "../../src/errors.js";
import { createPki, type Pki } from "./helpers/pki.js";
import { startSecureBroker, type SecureBroker } from "./helpers/secure-broker.js";

/** Opens a TLS connection; undefined when the handshake fails. */
function openTls(port: number, options: ConnectionOptions): Promise<TLSSocket | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ...options }, () =>
      resolve(socket),
    );
    socket.once("error", () => resolve(undefined));
  });
}

/** The CONNACK reason code of a TLS client, or "refused" when TLS refused it (handshake or close). */
async function connectOver(
  port: number,
  options: ConnectionOptions,
  version: 4 | 5 = 5,
): Promise<{ readonly outcome: number | "refused"; readonly client: RawClient | undefined }> {
  const socket = await openTls(port, options);
  if (socket === undefined) return { outcome: "refused", client: undefined };
  const client = RawClient.fromSocket(socket, version);
  try {
    const connack = await client.connect({ protocolVersion: version });
    return { outcome: connack.reasonCode, client };
  } catch {
    client.destroy();
    return { outcome: "refused", client: undefined };
  }
}

describe("TLS listeners and client certificates", () => {
  let pki: Pki;
  let broker: SecureBroker;
  const clients: RawClient[] = [];
  const files = (name: string) => ({
    cert: pki.read(join(pki.dir, `${name}.pem`)),
    key: pki.read(join(pki.dir, `${name}.key`)),
  });

  before(async () => {
    pki = createPki();
    pki.issue("device-1", { cn: "device-1", san: "URI:spiffe://acme/device-1" });
    pki.issue("device-2", { cn: "device-2" });
    pki.issue("rogue", { cn: "device-1", by: pki.rogueCa });
    const tls = (extra: object) => ({
      certFile: pki.server.cert,
      keyFile: pki.server.key,
      caFile: pki.ca.cert,
      ...extra,
    });
    broker = await startSecureBroker({
      config: {
        listeners: [
          { name: "mtls", kind: "tls", host: "127.0.0.1", port: 0, tls: tls({ requestCert: true }) },
          {
            name: "optional",
            kind: "tls",
            host: "127.0.0.1",
            port: 0,
            tls: tls({ requestCert: true, rejectUnauthorized: false }),
          },
          { name: "wss", kind: "wss", host: "127.0.0.1", port: 0, path: "/mqtt", tls: tls({}) },
        ],
        auth: {
          allowAnonymous: false,
          certificates: { mappings: [{ identity: "device-1", tenant: "acme", roles: ["device"] }] },
          users: [{ username: "web", password: await hashPassword("web-password", { n: 1024, r: 8, p: 1 }) }],
        },
      },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(async () => {
    await broker.stop();
    pki.remove();
  });

  const ca = () => pki.read(pki.ca.cert);

  it("a client with a certificate the CA signed connects, and its CN becomes the principal with the mapped tenant", async () => {
    for (const version of [5, 4] as const) {
      const socket = await openTls(broker.port("mtls"), { ca: ca(), ...files("device-1") });
      assert.ok(socket, "handshake failed");
      const client = RawClient.fromSocket(socket, version);
      clients.push(client);
      const clientId = `mtls-${version}`;
      assert.equal((await client.connect({ protocolVersion: version, clientId })).reasonCode, 0);
      const principal = broker.connection(clientId)!.identity!.principal;
      assert.deepEqual([principal.id, principal.tenant, principal.roles], ["device-1", "acme", ["device"]]);
      assert.equal(principal.attributes["credential"], "certificate");
      assert.match(principal.attributes["fingerprint"] ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
  });

  it("an unmapped certificate gets the default tenant", async () => {
    const { outcome, client } = await connectOver(broker.port("mtls"), { ca: ca(), ...files("device-2") });
    if (client) clients.push(client);
    assert.equal(outcome, 0);
  });

  it("refuses, during the handshake, a client with no certificate or an untrusted one when certificates are required", async () => {
    assert.equal((await connectOver(broker.port("mtls"), { ca: ca() })).outcome, "refused");
    assert.equal(
      (await connectOver(broker.port("mtls"), { ca: ca(), ...files("rogue") })).outcome,
      "refused",
    );
  });

  it("with rejectUnauthorized false, lets the handshake pass but never uses an untrusted certificate as an identity", async () => {
    const none = await connectOver(broker.port("optional"), { ca: ca() });
    assert.equal(none.outcome, 0x87);
    const rogue = await connectOver(broker.port("optional"), { ca: ca(), ...files("rogue") });
    assert.equal(rogue.outcome, 0x87, "the rogue CA's device-1 must not be let in");
    const good = await connectOver(broker.port("optional"), { ca: ca(), ...files("device-1") });
    if (good.client) clients.push(good.client);
    assert.equal(good.outcome, 0);
  });

  it("refuses TLS 1.1 and older", async () => {
    const socket = await openTls(broker.port("mtls"), {
      ca: ca(),
      ...files("device-1"),
      maxVersion: "TLSv1.1",
      minVersion: "TLSv1",
    });
    assert.equal(socket, undefined);
  });

  it("MQTT.js connects over TLS with a client certificate and over WSS, and messages flow between them", async () => {
    const tlsClient = await connectWithInbox(`mqtts://localhost:${broker.port("mtls")}`, {
      ca: ca(),
      ...files("device-2"),
      protocolVersion: 5,
      clientId: "mqttjs-tls",
    });
    // the wss listener asks for no certificate: without a credential a client is refused
    await assert.rejects(
      connectWithInbox(`wss://localhost:${broker.port("wss")}/mqtt`, {
        ca: ca(),
        protocolVersion: 5,
        clientId: "wss-anon",
      }),
    );
    const wssClient = await connectWithInbox(`wss://localhost:${broker.port("wss")}/mqtt`, {
      ca: ca(),
      protocolVersion: 4,
      clientId: "mqttjs-wss",
      username: "web",
      password: "web-password",
    });
    try {
      assert.equal(broker.connection("mqttjs-wss")?.transport.kind, "wss");
      await tlsClient.client.subscribeAsync("secure/echo", { qos: 1 });
      await wssClient.client.subscribeAsync("secure/echo", { qos: 1 });
      await wssClient.client.publishAsync("secure/echo", "over wss", { qos: 1 });
      assert.equal((await tlsClient.inbox.next()).payload, "over wss");
      assert.equal((await wssClient.inbox.next()).payload, "over wss");
      await tlsClient.client.publishAsync("secure/echo", "over tls", { qos: 1 });
      assert.equal((await wssClient.inbox.next()).payload, "over tls");
    } finally {
      tlsClient.client.end(true);
      wssClient.client.end(true);
    }
  });
});

describe("TLS certificate reload and start-up errors", () => {
  it("reloadCertificates() serves new connections with the new certificate and keeps established ones", async () => {
    const pki = createPki();
    const next = pki.issue("server-2", {
      cn: "localhost",
      san: "DNS:localhost,IP:127.0.0.1",
      usage: "serverAuth",
    });
    const certFile = join(pki.dir, "live.pem");
    const keyFile = join(pki.dir, "live.key");
    copyFileSync(pki.server.cert, certFile);
    copyFileSync(pki.server.key, keyFile);
    const broker = await startSecureBroker({
      config: {
        listeners: [{ name: "tls", kind: "tls", host: "127.0.0.1", port: 0, tls: { certFile, keyFile } }],
        auth: { allowAnonymous: true },
      },
    });
    const ca = pki.read(pki.ca.cert);
    try {
      const before = (await openTls(broker.port(), { ca }))!;
      const firstFingerprint = before.getPeerCertificate().fingerprint256;
      const established = RawClient.fromSocket(before);
      assert.equal((await established.connect({ clientId: "kept" })).reasonCode, 0);

      copyFileSync(next.cert, certFile);
      copyFileSync(next.key, keyFile);
      assert.deepEqual(broker.switchboard.reloadCertificates(), [{ listener: "tls", ok: true }]);

      const after = (await openTls(broker.port(), { ca }))!;
      const secondFingerprint = after.getPeerCertificate().fingerprint256;
      assert.notEqual(secondFingerprint, firstFingerprint);
      after.destroy();
      established.send({ type: PacketType.PINGREQ });
      await established.expect(PacketType.PINGRESP);

      // a broken file is refused: the listener keeps the certificate it has
      writeFileSync(keyFile, "not a key");
      const [failed] = broker.switchboard.reloadCertificates();
      assert.ok(failed);
      assert.equal(failed.ok, false);
      assert.equal(failed.error?.code, "SB_ERR_TLS");
      const still = (await openTls(broker.port(), { ca }))!;
      assert.equal(still.getPeerCertificate().fingerprint256, secondFingerprint);
      still.destroy();
      established.destroy();
      assert.ok(broker.logs.text.some((line) => line.includes("SB_ERR_TLS")));
    } finally {
      await broker.stop();
      pki.remove();
    }
  });

  it("refuses to start with a missing certificate file or a key that does not match (SB_ERR_TLS)", async () => {
    const pki = createPki();
    const other = pki.issue("other", { cn: "other" });
    try {
      const start = (tls: object) =>
        startSecureBroker({
          config: { listeners: [{ name: "secure", kind: "tls", host: "127.0.0.1", port: 0, tls }] },
        });
      await assert.rejects(
        start({ certFile: join(pki.dir, "missing.pem"), keyFile: pki.server.key }),
        (error: unknown) => {
          assert.ok(error instanceof SwitchboardError);
          assert.equal(error.code, "SB_ERR_TLS");
          assert.match(
            error.message,
            /^Cannot load TLS files of "secure": cannot read "certFile" ".*missing\.pem": no such file$/,
          );
          return true;
        },
      );
      await assert.rejects(start({ certFile: pki.server.cert, keyFile: other.key }), (error: unknown) => {
        assert.ok(error instanceof SwitchboardError);
        assert.equal(error.code, "SB_ERR_TLS");
        assert.match(error.message, /the key does not match the certificate/);
        return true;
      });
    } finally {
      pki.remove();
    }
  });
});

describe("CertificateAuthenticator with a SAN identity", () => {
  it("takes the first URI subject alternative name as the principal id", async () => {
    const pki = createPki();
    const device = pki.issue("spiffe", {
      cn: "ignored",
      san: "URI:spiffe://acme/sensor-3,DNS:sensor-3.acme.test",
    });
    const broker = await startSecureBroker({
      config: {
        listeners: [
          {
            name: "mtls",
            kind: "tls",
            host: "127.0.0.1",
            port: 0,
            tls: {
              certFile: pki.server.cert,
              keyFile: pki.server.key,
              caFile: pki.ca.cert,
              requestCert: true,
            },
          },
        ],
        auth: { allowAnonymous: false, certificates: { identity: "san-uri", tenant: "acme" } },
      },
    });
    try {
      const socket = (await openTls(broker.port(), {
        ca: pki.read(pki.ca.cert),
        cert: pki.read(device.cert),
        key: pki.read(device.key),
      }))!;
      const client = RawClient.fromSocket(socket);
      assert.equal((await client.connect({ clientId: "san" })).reasonCode, 0);
      const principal = broker.connection("san")!.identity!.principal;
      assert.deepEqual([principal.id, principal.tenant], ["spiffe://acme/sensor-3", "acme"]);
      client.destroy();
    } finally {
      await broker.stop();
      pki.remove();
    }
  });
});
