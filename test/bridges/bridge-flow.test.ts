/**
 * A bridge against remotes that set limits and give answers a plain Mosquitto does not show on demand:
 * a scripted remote (test/bridges/helpers/scripted-remote.ts) that withholds acknowledgements, refuses
 * with a chosen reason code or closes after its CONNACK, and a second Switchboard with a small Receive
 * Maximum or Maximum Packet Size, which enforces them as the spec says. No Mosquitto is needed.
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { BridgeConfigInput } from "../../src/bridges/index.js";
import {
  publishInternal,
  startSwitchboard,
  type Switchboard,
  waitForStatus,
} from "./helpers/bridge-harness.js";
import { type RemoteScript, ScriptedRemote } from "./helpers/scripted-remote.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("Outbound bridges: the remote's limits and answers (scripted and Switchboard remotes)", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop();
  });

  async function local(): Promise<Switchboard> {
    const sb = await startSwitchboard();
    cleanup.push(() => sb.stop());
    return sb;
  }

  async function scripted(script: RemoteScript): Promise<ScriptedRemote> {
    const remote = await ScriptedRemote.start(script);
    cleanup.push(() => remote.stop());
    return remote;
  }

  const config = (id: string, port: number, extra: Partial<BridgeConfigInput> = {}): BridgeConfigInput => ({
    id,
    tenants: ["default"],
    host: "127.0.0.1",
    port,
    filters: ["t/#"],
    reconnect: { initialDelay: 50, maxDelay: 200 },
    ...extra,
  });

  it("a connection lost with messages in flight (keepalive timeout): neither refused nor failed, all sent again", async () => {
    // the first connection acknowledges nothing and answers no PINGREQ: MQTT.js times it out after
    // 1.5 s and fails every send in flight before it closes the socket
    const remote = await scripted({
      publish: (_publish, connection) => (connection.index === 0 ? "ignore" : 0),
      pong: (connection) => connection.index !== 0,
    });
    const sb = await local();
    sb.bridges.add(config("keepalive", remote.port, { keepAlive: 1 }));
    await waitForStatus(sb.bridges, "keepalive", "the connection", (s) => s.connected);
    for (let i = 1; i <= 5; i++) publishInternal(sb.broker, `t/${i}`, `m${i}`);
    const status = await waitForStatus(
      sb.bridges,
      "keepalive",
      "every message acknowledged on the second connection",
      (s) => s.published === 5,
    );
    assert.equal(status.refused, 0);
    assert.equal(status.failed, 0);
    assert.equal(status.queueDepth, 0);
    assert.equal(remote.connections, 2);
    const payloads = remote.publishes.map((p) => text(p.payload));
    assert.deepEqual(payloads, ["m1", "m2", "m3", "m4", "m5", "m1", "m2", "m3", "m4", "m5"]);
  });
});
