/**
 * In-process benchmark of the whole broker on issue 5's Gooee scenarios, without sockets or a load
 * generator: the `gooee-meta` (or, with `plain`, the `gooee-plain`) publishes are handed to a started
 * Switchboard on in-memory transports, 10 devices in turn, 20 PUBLISH frames per chunk as the load
 * generator writes them, and one subscriber's transport counts what the broker writes. What it gives
 * is the broker's time per publish (ns, lower is better): decode, authorize, the dialect stage, routing
 * and encoding the derived messages, the batch handed to the transport. On the dev machine it comes
 * within ~10% of what `npm run bench` measures over TCP for `gooee-meta`, and it is far less noisy, so
 * a change to that path can be compared in seconds. `floor` replaces the dialect stage by one that
 * hands the broker 5 ready messages per publish: the broker's share alone, i.e. what the stage costs
 * is the difference.
 *
 * Run: npx tsx bench/gooee-broker.bench.ts [seconds] [meta|plain|floor]
 *
 * The world is the `sb-gooee` variant's (bench/brokers/gooee-world.ts). Results vary with CPU, Node
 * version and load: compare runs on one machine, several of each.
 */

import { pino } from "pino";

import { payloadFormat } from "./load/payload-format.js";
import { gooeeRegistry } from "./gooee-registry.js";
import { GOOEE_TENANT } from "./brokers/gooee-world.js";
import { loadConfig } from "../src/config/index.js";
import { startSwitchboard } from "../src/main.js";
import { DialectStage } from "../src/platform/dialects/dialect-stage.js";
import { encodePacket } from "../src/protocol/encode-packet.js";
import { PacketType } from "../src/protocol/packet-type.js";
import type { Packet } from "../src/protocol/packet.js";
import type { ApplicationMessage } from "../src/session/index.js";
import type { StageResult } from "../src/hooks/index.js";
import type { Transport, TransportSink } from "../src/transport/transport.js";

const SECONDS = Number(process.argv[2] ?? 3);
const MODE = process.argv[3] ?? "meta";
if (!["meta", "plain", "floor"].includes(MODE))
  throw new Error(`unknown mode "${MODE}": meta, plain or floor`);
const DEVICES = 10;
/** PUBLISH frames per chunk handed to the broker (the load generator writes its credit as one buffer). */
const FRAMES_PER_CHUNK = 20;

/** A transport that counts what the broker writes and hands the broker what it is given. */
class CountingTransport implements Transport {
  readonly kind = "memory" as const;
  readonly remoteAddress = "bench";
  readonly bufferedBytes = 0;
  sink: TransportSink | undefined;
  bytes = 0;

  start(sink: TransportSink): void {
    this.sink = sink;
  }

  write(chunk: Uint8Array): boolean {
    this.bytes += chunk.byteLength;
    return true;
  }

  end(): void {}

  destroy(): void {}

  send(packet: Packet): void {
    this.sink!.data(encodePacket(packet, 4));
  }

  pause(): void {}

  resume(): void {}
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

if (MODE === "floor") {
  // 5 ready messages per publish, on the topics the dialect would use, with one fixed payload
  const names = ["stamp", "temperature", "humidity", "als", "co2"];
  const payload = new TextEncoder().encode(
    '{"name":"temperature","value":21.4,"timestamp":"2016-08-09T20:00:47.539000Z"}',
  );
  const topics = new Map<string, string[]>();
  DialectStage.prototype.process = function (message: ApplicationMessage): StageResult {
    const clientTopic = message.clientTopic!;
    let derived = topics.get(clientTopic);
    if (derived === undefined) {
      derived = names.map((name) => `${clientTopic}/${name}`);
      topics.set(clientTopic, derived);
    }
    const publish = derived.map((topic): ApplicationMessage => {
      const made: ApplicationMessage = {
        id: message.id,
        topic: message.mountPrefix! + topic,
        payload,
        qos: 0,
        retain: false,
        properties: undefined,
        createdAt: message.createdAt,
        expiresAt: undefined,
        publisherId: undefined,
      };
      made.clientTopic = topic;
      made.mountPrefix = message.mountPrefix!;
      return made;
    });
    return { kind: "continue", publish };
  };
}

const tenant = GOOEE_TENANT;
const registry = await gooeeRegistry(DEVICES);

const config = loadConfig({
  env: {},
  values: {
    listeners: [],
    sys: { interval: 0 },
    log: { level: "silent" },
    auth: { allowAnonymous: true, anonymous: { tenant } },
    ...(MODE === "plain" ? {} : { dialects: { gooee: { tenants: [tenant] } } }),
  },
});
const switchboard = await startSwitchboard({ config, logger: pino({ level: "silent" }), registry });
const broker = switchboard.broker;

function connect(clientId: string): CountingTransport {
  const transport = new CountingTransport();
  broker.accept(transport, { name: "bench", loopback: true });
  transport.send({
    type: PacketType.CONNECT,
    protocolName: "MQTT",
    protocolVersion: 4,
    clientId,
    cleanStart: true,
    keepAlive: 0,
  });
  return transport;
}

const subscriber = connect("subscriber");
await settle();
subscriber.send({
  type: PacketType.SUBSCRIBE,
  packetId: 1,
  subscriptions: [
    {
      topicFilter: MODE === "plain" ? "devices/+/meta" : "devices/+/meta/+",
      qos: 0,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0,
    },
  ],
});
const format = payloadFormat("gooee-meta", 16);
const publishers: CountingTransport[] = [];
const chunks: Uint8Array[] = [];
let frameLength = 0;
for (let d = 0; d < DEVICES; d++) {
  publishers.push(connect(`publisher-${d}`));
  const frame = encodePacket(
    {
      type: PacketType.PUBLISH,
      topic: `devices/bench-dev-${d}/meta`,
      payload: format.template,
      qos: 0,
      retain: false,
      dup: false,
    },
    4,
  );
  frameLength = frame.byteLength;
  const chunk = new Uint8Array(frameLength * FRAMES_PER_CHUNK);
  for (let k = 0; k < FRAMES_PER_CHUNK; k++) chunk.set(frame, k * frameLength);
  chunks.push(chunk);
}
await settle();
const stampAt = frameLength - format.template.byteLength + format.stampOffset;

let sequence = 0;
/** Hands device `d` a chunk of publishes, each with a new stamp (the broker takes the chunk over). */
function feed(d: number): void {
  const chunk = Buffer.from(chunks[d]!);
  for (let k = 0; k < FRAMES_PER_CHUNK; k++)
    format.write(chunk, k * frameLength + stampAt, sequence, d, sequence++);
  publishers[d]!.sink!.data(chunk);
}

/** Feeds every device in turn for `ms`, letting the broker flush after each round; ns per publish. */
async function run(ms: number): Promise<number> {
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms * 1e6);
  let publishes = 0;
  let now = start;
  while (now < end) {
    for (let d = 0; d < DEVICES; d++) feed(d);
    publishes += DEVICES * FRAMES_PER_CHUNK;
    await turn();
    now = process.hrtime.bigint();
  }
  return Number(now - start) / publishes;
}

await run(2000); // warm-up: shapes learned and compiled, code optimized
const before = subscriber.bytes;
const ns = await run(SECONDS * 1000);
const received = subscriber.bytes - before;
if (received === 0) throw new Error("the subscriber received nothing");
console.log(
  `Node ${process.version}, ${MODE}: ${ns.toFixed(0)} ns per publish (${(1e6 / ns).toFixed(0)}k publishes/s), ` +
    `subscriber received ${(received / 1e6).toFixed(0)} MB`,
);
await switchboard.stop();
