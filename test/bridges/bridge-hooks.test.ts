/**
 * The bridge's seams, without a remote broker (the bridge points at a port where nothing listens, so
 * everything it takes stays in its outbox, where the test reads it): what the tap takes (filters,
 * tenants, expired messages) and what it costs the router, the transform hook (rewrite, withhold, a
 * throwing transform never breaks the publish path), the snapshot source (custom, and a failing one
 * that leaves the fingerprint unrecorded so the next start resyncs), and the connection error in the
 * status.
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { BridgeConfigInput } from "../../src/bridges/index.js";
import type { ApplicationMessage } from "../../src/session/index.js";
import { MemoryOutboxStore } from "../../src/storage/index.js";
import { text } from "../helpers/raw-client.js";
import {
  freePort,
  publishInternal,
  startSwitchboard,
  type Switchboard,
  waitForStatus,
} from "./helpers/bridge-harness.js";

describe("Outbound bridges: tap, transform, snapshot source (no remote broker)", () => {
  const running: Switchboard[] = [];
  afterEach(async () => {
    for (const sb of running.splice(0)) await sb.stop();
  });

  async function start(options: Parameters<typeof startSwitchboard>[0] = {}): Promise<Switchboard> {
    const sb = await startSwitchboard(options);
    running.push(sb);
    return sb;
  }

  const config = async (id: string, extra: Partial<BridgeConfigInput> = {}): Promise<BridgeConfigInput> => ({
    id,
    tenants: ["default", "acme"],
    host: "127.0.0.1",
    port: await freePort(), // nothing listens: every message stays in the outbox
    filters: ["plant/#", "$meta/+"],
    reconnect: { initialDelay: 50, maxDelay: 100 },
    ...extra,
  });

  const queued = (sb: Switchboard, id: string) =>
    sb.outboxStore.load(id).entries.map((e) => `${e.topic}=${text(e.payload)}${e.retain ? " (r)" : ""}`);

  it("takes the matching messages of its tenants, once each, into the stored outbox, in order", async () => {
    const sb = await start();
    const before = sb.broker.router.size;
    sb.bridges.add(await config("tap", { filters: ["plant/#", "plant/+/temp", "$meta/+"] }));
    assert.equal(sb.broker.router.size, before + 6); // 3 filters in 2 tenants
    publishInternal(sb.broker, "plant/1/temp", "1"); // matches two filters: taken once
    publishInternal(sb.broker, "other/1", "no");
    publishInternal(sb.broker, "$t/acme/plant/2", "2", { retain: true });
    publishInternal(sb.broker, "$td/acme/$meta/x", "3");
    publishInternal(sb.broker, "$t/beta/plant/3", "not a tenant of the bridge");
    publishInternal(sb.broker, "$SYS/broker/uptime", "no");
    assert.deepEqual(queued(sb, "tap"), ["plant/1/temp=1", "$t/acme/plant/2=2 (r)", "$td/acme/$meta/x=3"]);
    const status = await waitForStatus(
      sb.bridges,
      "tap",
      "a connection error",
      (s) => s.lastError !== undefined,
    );
    assert.equal(status.lastError?.code, "ECONNREFUSED");
    assert.equal(status.queueDepth, 3);
    await sb.bridges.remove("tap");
    assert.equal(sb.broker.router.size, before); // no bridge, no cost
  });

  it("does not take a message whose expiry has passed, and counts it", async () => {
    const sb = await start();
    sb.bridges.add(await config("expiry"));
    const message: ApplicationMessage = {
      id: sb.broker.nextMessageId(),
      topic: "plant/old",
      payload: new Uint8Array([1]),
      qos: 1,
      retain: false,
      properties: undefined,
      createdAt: sb.broker.now() - 10_000,
      expiresAt: sb.broker.now() - 1,
      publisherId: undefined,
    };
    sb.broker.publish(message, sb.broker.now());
    assert.deepEqual(queued(sb, "expiry"), []);
    assert.equal(sb.bridges.status("expiry")!.expired, 1);
  });

  it("applies the transform before the outbox: rewrite, withhold, and a throwing transform withholds", async () => {
    const sb = await start({
      manager: {
        transform: (message) => {
          const body = text(message.payload);
          if (body.includes("secret")) return undefined;
          if (body === "boom") throw new Error("privacy engine failure");
          return { ...message, payload: new TextEncoder().encode(body.replace(/@\S+/, "@***")) };
        },
      },
    });
    sb.bridges.add(await config("privacy"));
    publishInternal(sb.broker, "plant/1", "mail me at a@b.example");
    publishInternal(sb.broker, "plant/2", "top secret");
    assert.doesNotThrow(() => publishInternal(sb.broker, "plant/3", "boom"));
    publishInternal(sb.broker, "plant/4", "after");
    assert.deepEqual(queued(sb, "privacy"), ["plant/1=mail me at a@***", "plant/4=after"]);
    assert.equal(sb.bridges.status("privacy")!.filtered, 2);
  });

  it("queues the snapshot source's messages on add, ahead of live ones", async () => {
    const requests: string[][] = [];
    const sb = await start({
      manager: {
        snapshot: (request) => {
          requests.push([...request.filters]);
          return [
            { topic: "$t/acme/plant/state", payload: new TextEncoder().encode("s1") },
            { topic: "plant/meta", payload: new TextEncoder().encode("m1"), retain: false },
          ];
        },
      },
    });
    const status = sb.bridges.add(await config("snap"));
    publishInternal(sb.broker, "plant/live", "l1");
    assert.equal(status.resyncs, 1);
    assert.deepEqual(requests, [["plant/#", "$meta/+", "$t/acme/plant/#", "$td/acme/$meta/+"]]);
    assert.deepEqual(queued(sb, "snap"), ["$t/acme/plant/state=s1 (r)", "plant/meta=m1", "plant/live=l1"]);
  });

  it("a snapshot source that throws: the bridge runs, the error is reported, and the next start resyncs", async () => {
    const store = new MemoryOutboxStore();
    let fail = true;
    const snapshot = () => {
      if (fail) throw new Error("registry unavailable");
      return [{ topic: "plant/s", payload: new Uint8Array([7]) }];
    };
    const sb1 = await start({ outboxStore: store, manager: { snapshot } });
    const input = await config("flaky");
    const first = sb1.bridges.add(input);
    assert.equal(first.resyncs, 0);
    assert.equal(first.lastError?.code, "RESYNC_FAILED");
    assert.equal(store.load("flaky").configHash, undefined);
    publishInternal(sb1.broker, "plant/live", "still taken");
    assert.deepEqual(queued(sb1, "flaky"), ["plant/live=still taken"]);
    await sb1.stop();
    running.splice(0);
    fail = false;
    const sb2 = await start({ outboxStore: store, manager: { snapshot } });
    assert.equal(sb2.bridges.add(input).resyncs, 1);
    assert.deepEqual(queued(sb2, "flaky"), ["plant/live=still taken", "plant/s=\u0007 (r)"]);
    assert.notEqual(store.load("flaky").configHash, undefined);
  });

  it("update() keeps the waiting messages, applies the new bounds, and refuses unknown ids", async () => {
    const sb = await start();
    const input = await config("bounds");
    sb.bridges.add(input);
    for (let i = 1; i <= 4; i++) publishInternal(sb.broker, "plant/x", String(i));
    publishInternal(sb.broker, "plant/y", "1");
    const updated = await sb.bridges.update({ ...input, outbox: { maxMessages: 2 } });
    assert.deepEqual(queued(sb, "bounds"), ["plant/x=4", "plant/y=1"]);
    assert.equal(updated.coalesced, 3);
    await assert.rejects(sb.bridges.update({ ...input, id: "nope" }), /no bridge with this id/);
  });
});
