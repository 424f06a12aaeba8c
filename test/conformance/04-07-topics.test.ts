/**
 * Topic names and topic filters (MQTT 5.0 and 3.1.1 section 4.7): the "+" and "#" wildcards with the
 * spec's own examples, empty levels, case sensitivity and no normalisation, and topics beginning with
 * "$" [MQTT-4.7.2-1], checked by routing real messages through the broker.
 *
 * Each case subscribes one filter, publishes a list of topic names (the payload is the topic) and then a
 * sentinel on a topic of its own, and compares what arrived before the sentinel with what the spec says
 * the filter matches. Messages from one publisher are delivered in order, so nothing matching can arrive
 * after the sentinel.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import { RawClient, text } from "../helpers/raw-client.js";
import { drain, publish, publishes, receive, sub, subscribe, unique } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

interface MatchCase {
  readonly name: string;
  readonly filter: string;
  readonly matches: readonly string[];
  readonly misses: readonly string[];
}

/** Section numbers and tags differ between the versions: MQTT 5.0 first, then MQTT 3.1.1. */
const multiLevel = (version: ProtocolVersion): string =>
  version === 5 ? "[MQTT-4.7.1-1]" : "[MQTT-4.7.1-2]";
const singleLevel = (version: ProtocolVersion): string =>
  version === 5 ? "[MQTT-4.7.1-2]" : "[MQTT-4.7.1-3]";

function cases(version: ProtocolVersion): MatchCase[] {
  return [
    {
      name: `${multiLevel(version)} "sport/tennis/player1/#" matches player1 itself and every level below it (spec 4.7.1.2 example)`,
      filter: "sport/tennis/player1/#",
      matches: [
        "sport/tennis/player1",
        "sport/tennis/player1/ranking",
        "sport/tennis/player1/score/wimbledon",
      ],
      misses: [
        "sport/tennis/player2",
        "sport/tennis",
        "sport/tennis/player10",
        "sport/tennis/player1x/ranking",
      ],
    },
    {
      name: `${multiLevel(version)} "sport/#" also matches the parent level "sport" (spec 4.7.1.2)`,
      filter: "sport/#",
      matches: ["sport", "sport/", "sport/tennis", "sport/tennis/player1"],
      misses: ["sports", "sports/tennis", "/sport"],
    },
    {
      name: `${multiLevel(version)} "#" on its own matches every topic that does not begin with "$"`,
      filter: "#",
      matches: ["sport", "sport/tennis/player1", "/finance", "/", "a//b", "x$y"],
      misses: ["$foo", "$foo/bar", "$SYSTEM"],
    },
    {
      name: `${singleLevel(version)} "sport/tennis/+" matches exactly one more level (spec 4.7.1.3 example)`,
      filter: "sport/tennis/+",
      matches: ["sport/tennis/player1", "sport/tennis/player2", "sport/tennis/"],
      misses: ["sport/tennis/player1/ranking", "sport/tennis", "sport/tennisx/player1"],
    },
    {
      name: `${singleLevel(version)} "sport/+" matches "sport/" but not "sport" (spec 4.7.1.3 example)`,
      filter: "sport/+",
      matches: ["sport/", "sport/tennis"],
      misses: ["sport", "sport/tennis/player1"],
    },
    {
      name: `${singleLevel(version)} "+/+" and "/+" match "/finance", "+" does not (spec 4.7.1.3 example)`,
      filter: "+/+",
      matches: ["/finance", "sport/tennis", "/", "a/"],
      misses: ["finance", "sport/tennis/player1", "$foo/bar"],
    },
    {
      name: `${singleLevel(version)} "/+" matches "/finance" (spec 4.7.1.3 example)`,
      filter: "/+",
      matches: ["/finance", "/"],
      misses: ["finance", "finance/", "//finance"],
    },
    {
      name: `${singleLevel(version)} "+" matches one level only: "finance" but not "/finance" (spec 4.7.1.3 example)`,
      filter: "+",
      matches: ["finance", "sport"],
      misses: ["/finance", "finance/", "sport/tennis", "$foo"],
    },
    {
      name: `${singleLevel(version)} ${multiLevel(version)} "+/tennis/#" combines both wildcards (spec 4.7.1.3 example)`,
      filter: "+/tennis/#",
      matches: ["sport/tennis", "sport/tennis/player1", "/tennis", "golf/tennis/x/y"],
      misses: ["sport/golf/tennis", "tennis", "sport/tennisx"],
    },
    {
      name: `${singleLevel(version)} "sport/+/player1" matches any single middle level (spec 4.7.1.3 example)`,
      filter: "sport/+/player1",
      matches: ["sport/tennis/player1", "sport//player1"],
      misses: ["sport/tennis/player1/ranking", "sport/player1", "sport/a/b/player1"],
    },
    {
      name: `[spec 4.7.1.1] empty levels are levels: "a/+/b" matches "a//b"`,
      filter: "a/+/b",
      matches: ["a//b", "a/x/b"],
      misses: ["a/b", "a///b"],
    },
    {
      name: `[MQTT-4.7.3-4] [spec 4.7.3] matching is case sensitive and "ACCOUNTS" does not match "Accounts"`,
      filter: "ACCOUNTS",
      matches: ["ACCOUNTS"],
      misses: ["Accounts", "accounts", "ACCOUNTS "],
    },
    {
      name: `[MQTT-4.7.3-4] [spec 4.7.3] spaces are ordinary characters: "Accounts payable" matches only itself`,
      filter: "Accounts payable",
      matches: ["Accounts payable"],
      misses: ["Accounts  payable", "Accountspayable", "Accounts payable/"],
    },
    {
      name: `[MQTT-4.7.3-4] no normalisation: precomposed "caf\\u00e9" does not match decomposed "cafe\\u0301"`,
      filter: "caf\u00e9/+",
      matches: ["caf\u00e9/menu"],
      misses: ["cafe\u0301/menu", "CAF\u00c9/menu"],
    },
    {
      name: `[MQTT-4.7.2-1] "+/bar" does not match "$foo/bar": a filter starting with a wildcard never matches a "$" topic`,
      filter: "+/bar",
      matches: ["foo/bar", "/bar"],
      misses: ["$foo/bar", "$SYS/bar"],
    },
    {
      name: `[MQTT-4.7.2-1] [spec 4.7.2] "$foo/#" does match "$foo" topics: only a leading wildcard is excluded`,
      filter: "$foo/#",
      matches: ["$foo", "$foo/bar", "$foo/bar/baz"],
      misses: ["foo/bar", "$fool/bar"],
    },
    {
      name: `[MQTT-4.7.2-1] [spec 4.7.2] "$foo/+" matches "$foo/bar"`,
      filter: "$foo/+",
      matches: ["$foo/bar"],
      misses: ["$foo", "$foo/bar/baz"],
    },
  ];
}

describe("topic names and topic filters", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  async function connect(version: ProtocolVersion): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, { protocolVersion: version });
    clients.push(client);
    return client;
  }

  /** Subscribes `filter`, publishes each of `topics`, and returns the topics that reached the subscriber. */
  async function route(
    version: ProtocolVersion,
    filter: string,
    topics: readonly string[],
  ): Promise<string[]> {
    const sentinel = unique("sentinel");
    const subscriber = await connect(version);
    const suback = await subscribe(subscriber, [sub(filter, 0), sub(sentinel, 0)]);
    assert.deepEqual(suback.reasonCodes, [0, 0], `"${filter}" is a valid filter`);
    const publisher = await connect(version);
    for (const topic of topics) await publish(publisher, topic, topic);
    await publish(publisher, sentinel, sentinel);
    const got: string[] = [];
    for (;;) {
      const p = await receive(subscriber);
      const payload = text(p.payload);
      if (payload === sentinel) break;
      assert.equal(p.topic, payload, "the PUBLISH carries the topic name it was published to");
      got.push(payload);
    }
    subscriber.destroy();
    publisher.destroy();
    return got;
  }

  for (const version of [4, 5] as const) {
    const v = version === 5 ? "v5" : "v3.1.1";
    for (const c of cases(version)) {
      it(`${c.name} (${v})`, async () => {
        const got = await route(version, c.filter, [...c.matches, ...c.misses]);
        assert.deepEqual(got, c.matches, `topics delivered for "${c.filter}"`);
      });
    }

    it(`[MQTT-4.7.2-1] a "#" subscriber and a "+/+" subscriber get nothing published to "$foo/bar" while a "$foo/bar" subscriber does (${v})`, async () => {
      const wildcard = await connect(version);
      await subscribe(wildcard, ["#", "+/+", "+/#"]);
      const exact = await connect(version);
      await subscribe(exact, ["$foo/bar"]);
      const publisher = await connect(version);
      await publish(publisher, "$foo/bar", "dollar", { qos: 1 });
      const p = await receive(exact);
      assert.equal(p.topic, "$foo/bar");
      assert.deepEqual(
        (await drain(wildcard, 200)).filter((q) => q.type === PacketType.PUBLISH),
        [],
        "filters starting with a wildcard do not match topics starting with $",
      );
    });

    it(`${version === 5 ? "[MQTT-3.3.2-2] [MQTT-4.7.0-1]" : "[MQTT-3.3.2-2] [MQTT-4.7.1-1]"} a PUBLISH whose topic name holds a wildcard closes the connection${version === 5 ? " with DISCONNECT 0x90" : ""} (${v})`, async () => {
      for (const topic of ["a/+", "a/#", "+"]) {
        const publisher = await connect(version);
        publisher.send({
          type: PacketType.PUBLISH,
          topic,
          payload: new Uint8Array(0),
          qos: 0,
          retain: false,
          dup: false,
        });
        const packets = await drain(publisher, 500);
        assert.ok(publisher.closed, `publishing to "${topic}" closes the connection`);
        if (version === 5) {
          const disconnect = packets.find((p) => p.type === PacketType.DISCONNECT);
          assert.equal(disconnect?.reasonCode, 0x90, `DISCONNECT 0x90 Topic Name invalid for "${topic}"`);
        } else {
          assert.deepEqual(packets, []);
        }
      }
    });
  }
});

describe("topic filters matching retained messages", () => {
  // A broker of its own: the leading-wildcard filters below see every retained message on it.
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const retainedTopics = [
    "sport",
    "sport/tennis",
    "sport/tennis/player1",
    "/finance",
    "finance",
    "a//b",
    "$foo/bar",
    "$foo",
  ];
  before(async () => {
    broker = await startTestBroker();
    const publisher = await RawClient.connected(broker.port, { protocolVersion: 5 });
    for (const topic of retainedTopics) await publish(publisher, topic, topic, { qos: 1, retain: true });
    publisher.destroy();
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  const expectations: readonly [filter: string, matches: readonly string[]][] = [
    ["#", ["sport", "sport/tennis", "sport/tennis/player1", "/finance", "finance", "a//b"]],
    ["+", ["sport", "finance"]],
    ["+/+", ["sport/tennis", "/finance"]],
    ["/+", ["/finance"]],
    ["sport/#", ["sport", "sport/tennis", "sport/tennis/player1"]],
    ["sport/+", ["sport/tennis"]],
    ["a/+/b", ["a//b"]],
    ["+/bar", []],
    ["$foo/#", ["$foo/bar", "$foo"]],
    ["$foo/+", ["$foo/bar"]],
  ];

  for (const version of [4, 5] as const) {
    const v = version === 5 ? "v5" : "v3.1.1";
    for (const [filter, matches] of expectations) {
      const rule =
        filter.startsWith("+") || filter.startsWith("#") ? "[MQTT-4.7.2-1] [spec 4.7.1]" : "[spec 4.7.1]";
      it(`${rule} retained messages sent for "${filter}" follow the same matching rules: ${matches.length === 0 ? "none" : matches.map((m) => `"${m}"`).join(", ")} (${v})`, async () => {
        const client = await RawClient.connected(broker.port, { protocolVersion: version });
        clients.push(client);
        await subscribe(client, [sub(filter, 0)]);
        const got = publishes(await drain(client, 100));
        assert.deepEqual(got.map((p) => text(p.payload)).sort(), [...matches].sort());
        assert.ok(
          got.every((p) => p.retain),
          "RETAIN=1",
        );
        client.destroy();
      });
    }
  }
});
