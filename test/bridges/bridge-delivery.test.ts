/**
 * Outbound bridges against a real Mosquitto started by the test (test/bridges/helpers/mosquitto.ts):
 * what is published on Switchboard reaches a subscriber of the remote broker under the bridge's topic
 * template, with its properties, only for the bridge's tenants and filters; TLS is verified (an
 * untrusted certificate and a certificate for another name are refused and reported in the status;
 * `insecureSkipVerify` must be explicit); mutual TLS succeeds with the configured client certificate
 * and is refused without one; a message the remote broker refuses is counted and does not block the
 * others; a full resync is sent when a bridge is added and when its configuration changes, not when
 * it is merely updated with the same configuration; removing a bridge stops it and drops its outbox.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { connect } from "mqtt";
import type { BridgeConfigInput } from "../../src/bridges/index.js";
import { ConfigError } from "../../src/errors.js";
import type { ConnectedClient } from "../helpers/mqttjs.js";
import { createPki, type Pki } from "../security/helpers/pki.js";
import {
  publishInternal,
  startSwitchboard,
  subscriber,
  type Switchboard,
  waitForStatus,
} from "./helpers/bridge-harness.js";
import { Mosquitto, SKIP_WITHOUT_MOSQUITTO } from "./helpers/mosquitto.js";

const FAST_RECONNECT = { initialDelay: 50, maxDelay: 200 };

describe(
  "Outbound bridges: delivery, TLS, mTLS and resync (real Mosquitto)",
  { skip: SKIP_WITHOUT_MOSQUITTO },
  () => {
    let pki: Pki;
    let remote: Mosquitto;
    let sb: Switchboard;
    const subscribers: ConnectedClient[] = [];
    let bridgeClient: { cert: string; key: string };
    let rogueClient: { cert: string; key: string };

    before(async () => {
      pki = createPki();
      const issued = pki.issue("bridge-client", { cn: "switchboard-bridge" });
      bridgeClient = { cert: pki.read(issued.cert), key: pki.read(issued.key) };
      const rogue = pki.issue("rogue-client", { cn: "rogue", by: pki.rogueCa });
      rogueClient = { cert: pki.read(rogue.cert), key: pki.read(rogue.key) };
      remote = await Mosquitto.start({
        pki,
        tls: true,
        mtls: true,
        // `topic` lines apply to anonymous clients, `pattern` lines to every client (the mTLS bridge has a user name)
        acl: ["topic deny denied/#", "topic readwrite #", "pattern deny denied/#", "pattern readwrite #"],
      });
      sb = await startSwitchboard();
    });

    after(async () => {
      await sb.stop();
      await remote.remove();
      pki.remove();
    });

    afterEach(async () => {
      for (const s of subscribers.splice(0)) await s.client.endAsync();
      for (const status of sb.bridges.list()) await sb.bridges.remove(status.id);
      // a retained value left on Switchboard would be in the next bridge's resync
      const retained: string[] = [];
      sb.broker.retained.match("#", sb.broker.now(), (message) => retained.push(message.topic));
      for (const topic of retained) publishInternal(sb.broker, topic, "", { retain: true });
    });

    async function remoteSubscriber(filter: string): Promise<ConnectedClient> {
      const s = await subscriber(remote.port, filter);
      subscribers.push(s);
      return s;
    }

    const base = (id: string, extra: Partial<BridgeConfigInput> = {}): BridgeConfigInput => ({
      id,
      tenants: ["default"],
      host: "127.0.0.1",
      port: remote.port,
      filters: ["plant/#"],
      topicTemplate: `${id}/{tenant}/{topic}`, // each test has a remote tree of its own
      reconnect: FAST_RECONNECT,
      ...extra,
    });

    it("delivers what is published on Switchboard to a subscriber of the remote broker", async () => {
      const sub = await remoteSubscriber("plain/#");
      sb.bridges.add(base("plain"));
      await waitForStatus(sb.bridges, "plain", "the connection", (s) => s.connected);
      const publisher = await connectWithPublisher(sb.test.url);
      await publisher.publishAsync("plant/1/temp", "21.5", {
        qos: 1,
        properties: { contentType: "text/plain", userProperties: { unit: "C", site: ["a", "b"] } },
      });
      await publisher.publishAsync("other/1", "not selected", { qos: 1 });
      await publisher.publishAsync("plant/2/state", "on", { qos: 0, retain: true });
      const [first, second] = await sub.inbox.take(2);
      assert.equal(first!.topic, "plain/default/plant/1/temp");
      assert.equal(first!.payload, "21.5");
      assert.equal(first!.packet.qos, 1);
      assert.equal(first!.packet.retain, false);
      assert.equal(first!.packet.properties?.contentType, "text/plain");
      assert.deepEqual(
        { ...first!.packet.properties.userProperties },
        { unit: "C", site: ["a", "b"], "sb-bridge-hops": "1" }, // one bridge crossed (loop protection)
      );
      assert.equal(second!.topic, "plain/default/plant/2/state");
      assert.equal(second!.packet.retain, true); // retain as published
      await sub.inbox.expectNothing(200);
      const status = await waitForStatus(sb.bridges, "plain", "both acknowledged", (s) => s.published === 2);
      assert.equal(status.queueDepth, 0);
      assert.equal(status.failed, 0);
      assert.ok(status.lastConnectedAt !== undefined);
      await publisher.endAsync();
      // the remote broker kept the retained value, as a late subscriber sees
      const late = await remoteSubscriber("plain/default/plant/2/state");
      assert.equal((await late.inbox.next()).payload, "on");
    });

    it("forwards only the bridge's tenants, under {tenant}", async () => {
      const sub = await remoteSubscriber("acme-only/#");
      sb.bridges.add(base("acme-only", { tenants: ["acme", "beta"] }));
      await waitForStatus(sb.bridges, "acme-only", "the connection", (s) => s.connected);
      publishInternal(sb.broker, "plant/1", "default tenant"); // not a tenant of the bridge
      publishInternal(sb.broker, "$t/other/plant/1", "other tenant");
      publishInternal(sb.broker, "$t/acme/plant/1", "acme");
      publishInternal(sb.broker, "$t/beta/plant/9", "beta");
      const received = await sub.inbox.take(2);
      assert.deepEqual(
        received.map((m) => [m.topic, m.payload]),
        [
          ["acme-only/acme/plant/1", "acme"],
          ["acme-only/beta/plant/9", "beta"],
        ],
      );
      await sub.inbox.expectNothing(200);
    });

    it("sends MQTT 3.1.1 with the configured QoS and RETAIN policy", async () => {
      const sub = await remoteSubscriber("v4/#");
      sb.bridges.add(
        base("v4", { protocolVersion: 4, qos: 0, retain: "always", topicTemplate: "v4/{topic}" }),
      );
      await waitForStatus(sb.bridges, "v4", "the connection", (s) => s.connected);
      publishInternal(sb.broker, "plant/x", "v4 message", { qos: 1 });
      const message = await sub.inbox.next();
      assert.equal(message.topic, "v4/plant/x");
      assert.equal(message.packet.qos, 0);
      assert.equal(message.packet.retain, true);
      await waitForStatus(sb.bridges, "v4", "written", (s) => s.published === 1 && s.queueDepth === 0);
    });

    it("counts a message the remote broker refuses (PUBACK 0x87), removes it, and goes on", async () => {
      const sub = await remoteSubscriber("acl/#");
      sb.bridges.add(base("acl", { topicTemplate: "{topic}", filters: ["denied/#", "acl/#"] }));
      await waitForStatus(sb.bridges, "acl", "the connection", (s) => s.connected);
      publishInternal(sb.broker, "denied/1", "refused by the ACL");
      publishInternal(sb.broker, "acl/after", "allowed");
      assert.equal((await sub.inbox.next()).topic, "acl/after");
      const status = await waitForStatus(
        sb.bridges,
        "acl",
        "the refusal",
        (s) => s.refused === 1 && s.queueDepth === 0,
      );
      assert.equal(status.published, 1);
      assert.equal(status.failed, 1);
      assert.equal(status.lastError?.code, "MQTT_0x87");
      assert.equal(status.connected, true);
    });

    it("verifies the server certificate with the configured CA and SNI, and delivers over TLS", async () => {
      const sub = await remoteSubscriber("tls/#");
      sb.bridges.add(
        base("tls", { host: "localhost", port: remote.tlsPort, tls: true, ca: pki.read(pki.ca.cert) }),
      );
      await waitForStatus(sb.bridges, "tls", "the TLS connection", (s) => s.connected);
      publishInternal(sb.broker, "plant/tls", "over TLS");
      assert.equal((await sub.inbox.next()).payload, "over TLS");
    });

    it("refuses an untrusted server certificate (no CA configured: Node's roots) and reports it", async () => {
      const sub = await remoteSubscriber("untrusted/#");
      sb.bridges.add(base("untrusted", { host: "localhost", port: remote.tlsPort, tls: true }));
      publishInternal(sb.broker, "plant/secret", "must not leave");
      const status = await waitForStatus(
        sb.bridges,
        "untrusted",
        "a TLS error",
        (s) => s.lastError !== undefined,
      );
      assert.equal(status.connected, false);
      assert.match(status.lastError!.code ?? "", /SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/);
      await waitForStatus(
        sb.bridges,
        "untrusted",
        "another attempt",
        (s) => s.lastError!.at > status.lastError!.at,
      );
      assert.equal(sb.bridges.status("untrusted")!.queueDepth, 1); // kept, not dropped
      await sub.inbox.expectNothing(200);
    });

    it("refuses a certificate for another name than the server name", async () => {
      sb.bridges.add(
        base("wrong-name", {
          host: "127.0.0.1",
          port: remote.tlsPort,
          tls: true,
          ca: pki.read(pki.ca.cert),
          servername: "broker.example.com",
        }),
      );
      const status = await waitForStatus(
        sb.bridges,
        "wrong-name",
        "a TLS error",
        (s) => s.lastError !== undefined,
      );
      assert.equal(status.connected, false);
      assert.equal(status.lastError!.code, "ERR_TLS_CERT_ALTNAME_INVALID");
    });

    it("connects to an untrusted certificate only with an explicit insecureSkipVerify", async () => {
      const sub = await remoteSubscriber("insecure/#");
      sb.bridges.add(
        base("insecure", { host: "localhost", port: remote.tlsPort, tls: true, insecureSkipVerify: true }),
      );
      await waitForStatus(sb.bridges, "insecure", "the connection", (s) => s.connected);
      publishInternal(sb.broker, "plant/insecure", "unverified");
      assert.equal((await sub.inbox.next()).payload, "unverified");
    });

    it("mTLS: connects with the configured client certificate and delivers", async () => {
      const sub = await remoteSubscriber("mtls/#");
      sb.bridges.add(
        base("mtls", {
          host: "localhost",
          port: remote.mtlsPort,
          tls: true,
          ca: pki.read(pki.ca.cert),
          auth: { kind: "certificate", certificate: bridgeClient.cert, privateKey: bridgeClient.key },
        }),
      );
      await waitForStatus(sb.bridges, "mtls", "the mTLS connection", (s) => s.connected);
      publishInternal(sb.broker, "plant/mtls", "with a client certificate");
      assert.equal((await sub.inbox.next()).payload, "with a client certificate");
    });

    it("mTLS: refused without a client certificate, and with one from an untrusted CA", async () => {
      const sub = await remoteSubscriber("+/default/plant/m");
      const tls = { host: "localhost", port: remote.mtlsPort, tls: true, ca: pki.read(pki.ca.cert) };
      sb.bridges.add(base("no-cert", tls));
      sb.bridges.add(
        base("rogue-cert", {
          ...tls,
          auth: { kind: "certificate", certificate: rogueClient.cert, privateKey: rogueClient.key },
        }),
      );
      publishInternal(sb.broker, "plant/m", "must not leave");
      for (const id of ["no-cert", "rogue-cert"]) {
        const status = await waitForStatus(sb.bridges, id, "a refusal", (s) => s.lastError !== undefined);
        // three attempts, none connected
        await waitForStatus(sb.bridges, id, "more attempts", (s) => s.lastError!.at > status.lastError!.at);
        const later = sb.bridges.status(id)!;
        assert.equal(later.connected, false, JSON.stringify(later));
        assert.equal(later.lastConnectedAt, undefined);
        assert.equal(later.published, 0);
        assert.equal(later.queueDepth, 1);
      }
      await sub.inbox.expectNothing(200);
    });

    it("resyncs the retained state on add and on a configuration change, not on an identical update", async () => {
      publishInternal(sb.broker, "plant/r/1", "one", { retain: true });
      publishInternal(sb.broker, "plant/r/2", "two", { retain: true });
      publishInternal(sb.broker, "elsewhere/r", "not selected", { retain: true });
      const sub = await remoteSubscriber("rs/#");
      const config = base("resync", { topicTemplate: "rs/{topic}", filters: ["plant/r/#"] });
      const added = sb.bridges.add(config);
      assert.equal(added.resyncs, 1);
      const snapshot = await sub.inbox.take(2);
      assert.deepEqual(snapshot.map((m) => [m.topic, m.payload, m.packet.retain]).sort(), [
        ["rs/plant/r/1", "one", true],
        ["rs/plant/r/2", "two", true],
      ]);
      await sub.inbox.expectNothing(200);
      // an identical configuration: nothing is sent again
      assert.equal((await sb.bridges.update(config)).resyncs, 1);
      await sub.inbox.expectNothing(200);
      // a changed configuration: a full resync under the new template
      const changed = await sb.bridges.update({ ...config, topicTemplate: "rs/v2/{topic}" });
      assert.equal(changed.resyncs, 1); // a new bridge: its first resync
      const again = await sub.inbox.take(2);
      assert.deepEqual(again.map((m) => m.topic).sort(), ["rs/v2/plant/r/1", "rs/v2/plant/r/2"]);
      // the explicit resync hook
      assert.equal(sb.bridges.resync("resync"), 2);
      assert.equal((await sub.inbox.take(2)).length, 2);
    });

    it("remove() stops forwarding and deletes the outbox; add() refuses a taken id and bad configurations", async () => {
      const sub = await remoteSubscriber("gone/#");
      sb.bridges.add(base("gone"));
      assert.throws(() => sb.bridges.add(base("gone")), ConfigError);
      assert.throws(() => sb.bridges.add({ ...base("bad"), filters: ["a/#/b"] }), /filters\[0\]/);
      assert.equal(sb.bridges.has("bad"), false);
      await waitForStatus(sb.bridges, "gone", "the connection", (s) => s.connected);
      assert.equal(await sb.bridges.remove("gone"), true);
      assert.equal(await sb.bridges.remove("gone"), false);
      publishInternal(sb.broker, "plant/after-remove", "not forwarded");
      await sub.inbox.expectNothing(300);
      assert.deepEqual(sb.outboxStore.load("gone"), { entries: [], configHash: undefined });
      assert.equal(sb.bridges.status("gone"), undefined);
    });

    it("config() shows a bridge's configuration without its secrets", () => {
      sb.bridges.add(
        base("secret", { auth: { kind: "user_password", username: "u", password: "hunter22" } }),
      );
      const shown = sb.bridges.config("secret");
      assert.deepEqual(shown?.auth, { kind: "user_password", username: "u", password: "***" });
      assert.ok(!JSON.stringify(sb.bridges.list()).includes("hunter22"));
    });

    it("the remote ACL refuses a publish to denied/# with 0x87 (what the refusal test relies on)", async () => {
      const direct = connect(`mqtt://127.0.0.1:${remote.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
      await new Promise<void>((resolve) => direct.once("connect", () => resolve()));
      await assert.rejects(direct.publishAsync("denied/x", "no", { qos: 1 }), /Not authorized/);
      await direct.endAsync();
    });
  },
);

async function connectWithPublisher(url: string) {
  const client = connect(url, { protocolVersion: 5, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return client;
}
