/**
 * Loop protection between Switchboards that bridge to each other (MQTT 5): every forwarded message
 * carries the count of bridges it crossed (`sb-bridge-hops`), and a bridge does not take a message that
 * crossed `maxHops` bridges already (default 1: only messages published on its own broker). Real
 * Switchboards on free ports, bridged over TCP; no Mosquitto needed.
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { BridgeConfigInput } from "../../src/bridges/index.js";
import { type ConnectedClient, connectWithInbox } from "../helpers/mqttjs.js";
import {
  publishInternal,
  startSwitchboard,
  type Switchboard,
  waitForStatus,
} from "./helpers/bridge-harness.js";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Outbound bridges: loops between Switchboards (MQTT 5)", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop();
  });

  async function switchboard(): Promise<Switchboard> {
    const sb = await startSwitchboard();
    cleanup.push(() => sb.stop());
    return sb;
  }

  async function subscriber(sb: Switchboard, filter: string): Promise<ConnectedClient> {
    const connected = await connectWithInbox(sb.test.url, { protocolVersion: 5 });
    cleanup.push(() => connected.client.endAsync(true));
    await connected.client.subscribeAsync(filter, { qos: 1 });
    return connected;
  }

  /** A bridge of `from`'s `filters` to `to`, under the same topics, connected. */
  async function bridge(
    from: Switchboard,
    to: Switchboard,
    id: string,
    extra: Partial<BridgeConfigInput> = {},
  ): Promise<void> {
    from.bridges.add({
      id,
      tenants: ["default"],
      host: "127.0.0.1",
      port: to.test.port,
      filters: ["loop/#"],
      reconnect: { initialDelay: 50, maxDelay: 200 },
      ...extra,
    });
    await waitForStatus(from.bridges, id, "the connection", (s) => s.connected);
  }

  it("two Switchboards bridging loop/# to each other pass a message over once, not back and forth", async () => {
    const a = await switchboard();
    const b = await switchboard();
    await bridge(a, b, "a2b");
    await bridge(b, a, "b2a");
    const onA = await subscriber(a, "loop/#");
    const onB = await subscriber(b, "loop/#");
    publishInternal(a.broker, "loop/x", "once");
    assert.equal((await onB.inbox.next()).payload, "once");
    assert.equal((await onA.inbox.next()).payload, "once"); // its own publish
    await delay(500);
    await onA.inbox.expectNothing(100); // not sent back by b2a
    await onB.inbox.expectNothing(100);
    assert.equal(a.bridges.status("a2b")!.published, 1);
    const back = b.bridges.status("b2a")!;
    assert.equal(back.published, 0);
    assert.equal(back.hopLimited, 1);
    assert.equal(back.queueDepth, 0);
  });

  it("counts the hops in sb-bridge-hops; maxHops 2 lets a chain A -> B -> C through, and no further", async () => {
    const [a, b, c] = [await switchboard(), await switchboard(), await switchboard()];
    await bridge(a, b, "a2b");
    await bridge(b, c, "b2c", { maxHops: 2 });
    const onB = await subscriber(b, "loop/#");
    const onC = await subscriber(c, "loop/#");
    publishInternal(a.broker, "loop/chain", "from A", {
      properties: {
        userProperties: [
          ["sb-bridge-hops", "not a count"],
          ["unit", "C"],
        ],
      },
    });
    const atB = await onB.inbox.next();
    assert.deepEqual({ ...atB.packet.properties?.userProperties }, { unit: "C", "sb-bridge-hops": "1" });
    const atC = await onC.inbox.next();
    assert.equal(atC.payload, "from A");
    assert.deepEqual({ ...atC.packet.properties?.userProperties }, { unit: "C", "sb-bridge-hops": "2" });
    // a message on B that says it crossed two bridges already goes no further with maxHops 2
    publishInternal(b.broker, "loop/far", "two hops", {
      properties: { userProperties: [["sb-bridge-hops", "2"]] },
    });
    publishInternal(b.broker, "loop/near", "one hop", {
      properties: { userProperties: [["sb-bridge-hops", "1"]] },
    });
    assert.equal((await onC.inbox.next()).payload, "one hop");
    await onC.inbox.expectNothing(200);
    assert.equal(b.bridges.status("b2c")!.hopLimited, 1);
  });
});
