/**
 * Tenant isolation across cluster nodes: a node announces the sessions it takes over with their
 * session keys (a mounted tenant's are mounted), so a client id of one tenant never names another
 * tenant's session on another node. Two in-process brokers joined by an in-memory ClusterBus.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClusterBus, ClusterEvents } from "../../src/hooks/cluster-bus.js";
import type { ApplicationMessage } from "../../src/session/index.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { delay, RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import { tenantAuthenticator } from "./tenant-authenticator.js";

/** Buses that hand each other's events over in process, as a cluster would. */
class LinkedBus implements ClusterBus {
  readonly claims: string[] = [];
  #events: ClusterEvents | undefined;

  constructor(
    readonly nodeId: string,
    private readonly peers: LinkedBus[],
  ) {
    peers.push(this);
  }

  start(events: ClusterEvents): Promise<void> {
    this.#events = events;
    return Promise.resolve();
  }

  forward(message: ApplicationMessage): void {
    for (const peer of this.peers) if (peer !== this) peer.#events?.remoteMessage(message);
  }

  claimSession(clientId: string): Promise<void> {
    this.claims.push(clientId);
    for (const peer of this.peers) if (peer !== this) peer.#events?.sessionClaimed(clientId);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

const USERS = {
  "root-user": {},
  "acme-user": { tenant: "acme" },
  "globex-user": { tenant: "globex" },
};

describe("session claims across cluster nodes name the mounted session key", () => {
  const peers: LinkedBus[] = [];
  const buses = [new LinkedBus("node-1", peers), new LinkedBus("node-2", peers)] as const;
  const nodes: TestBroker[] = [];
  const clients: RawClient[] = [];
  before(async () => {
    for (const cluster of buses)
      nodes.push(await startTestBroker({ authenticators: [tenantAuthenticator(USERS)], cluster }));
  });
  after(async () => {
    for (const client of clients) client.destroy();
    for (const node of nodes) await node.stop();
  });

  async function connect(node: TestBroker, username: string, clientId: string): Promise<RawClient> {
    const client = await RawClient.connected(node.port, { protocolVersion: 5, username, clientId });
    clients.push(client);
    return client;
  }

  it("a client id of one tenant takes over its own tenant's session elsewhere, never another tenant's", async () => {
    const rootDevice = await connect(nodes[0]!, "root-user", "dev1");
    const globexMeter = await connect(nodes[0]!, "globex-user", "meter");
    const acmeSensor = await connect(nodes[0]!, "acme-user", "sensor");

    await connect(nodes[1]!, "acme-user", "dev1"); // the default tenant's "dev1" is another session
    await connect(nodes[1]!, "acme-user", "$t/globex/meter"); // a mounted tenant's client id, not globex's key
    await connect(nodes[1]!, "acme-user", "sensor"); // acme's own session: taken over

    const disconnect = await acmeSensor.expect(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x8e, "acme's own session moved to the other node");
    await delay(200);
    for (const [name, client] of [
      ["the default tenant's dev1", rootDevice],
      ["globex's meter", globexMeter],
    ] as const)
      assert.ok(
        !client.received.some((p) => p.type === PacketType.DISCONNECT),
        `${name} kept its connection`,
      );
    assert.deepEqual(buses[1].claims, ["$t/acme/dev1", "$t/acme/$t/globex/meter", "$t/acme/sensor"]);
  });
});
