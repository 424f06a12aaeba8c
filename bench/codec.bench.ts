/**
 * Micro benchmark of the MQTT codec against mqtt-packet (the codec of MQTT.js and Aedes), on the
 * hot-path packet: a 33-byte QoS 0 PUBLISH (topic "sensors/room-12/temp", 9-byte payload), MQTT 3.1.1.
 *
 * Run: npx tsx bench/codec.bench.ts [seconds-per-case]
 *
 * Cases:
 * - decode, one frame per call: decodePacket(frame) vs parser.parse(frame) (one 'packet' event).
 * - decode, stream: 100 frames in one chunk, as a socket delivers them under load:
 *   FrameReader.push() + read() until null (decodes in place) vs one parser.parse() of the chunk.
 * - encode: encodePacket(packet) vs mqtt-packet generate(object).
 * Columns: ops/s is packets per second; ns/op its inverse; GCs/1M is garbage collections per million
 * packets (allocation pressure); ratio is ours / mqtt-packet. Compare runs on one machine only.
 */
import { PerformanceObserver } from "node:perf_hooks";

import mqttPacket from "mqtt-packet";

import { decodePacket, encodePacket, FrameReader, type Packet, PacketType } from "../src/protocol/index.js";

const SECONDS = Number(process.argv[2] ?? 1);
const STREAM_FRAMES = 100;

const packet: Packet = {
  type: PacketType.PUBLISH,
  topic: "sensors/room-12/temp",
  payload: new TextEncoder().encode("21.5 degC"),
  qos: 0,
  retain: false,
  dup: false,
};
const frame = encodePacket(packet, 4);
const theirPacket = {
  cmd: "publish" as const,
  topic: "sensors/room-12/temp",
  payload: Buffer.from("21.5 degC"),
  qos: 0 as const,
  retain: false,
  dup: false,
};
const theirFrame = mqttPacket.generate(theirPacket);
if (frame.length !== 33 || !Buffer.from(frame).equals(theirFrame)) {
  throw new Error(`Cannot run benchmark: frames differ (${frame.length} vs ${theirFrame.length} bytes)`);
}
const frameBuffer = Buffer.from(frame);
const stream = Buffer.concat(Array.from({ length: STREAM_FRAMES }, () => frameBuffer));
const streamBytes = new Uint8Array(stream.buffer, stream.byteOffset, stream.length);

let gcCount = 0;
new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
}).observe({ entryTypes: ["gc"] });

let sink = 0;

interface Result {
  readonly opsPerSecond: number;
  readonly gcsPerMillion: number;
}

/** Lets the PerformanceObserver deliver pending GC entries. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

/** Runs `batch` (which handles `perBatch` packets) repeatedly for SECONDS; returns packets per second. */
async function measure(batch: () => void, perBatch: number): Promise<Result> {
  const warmupEnd = performance.now() + 200;
  while (performance.now() < warmupEnd) batch();
  await settle();
  const gcsBefore = gcCount;
  let packets = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) batch();
    packets += 100 * perBatch;
    now = performance.now();
  }
  await settle();
  return {
    opsPerSecond: packets / ((now - start) / 1000),
    gcsPerMillion: ((gcCount - gcsBefore) * 1e6) / packets,
  };
}

function decodeOne(): void {
  const decoded = decodePacket(frame, 4);
  sink += decoded.type;
}

const reader = new FrameReader({ maximumPacketSize: 1 << 20 });
function decodeStream(): void {
  reader.push(streamBytes);
  for (let decoded = reader.read(); decoded !== null; decoded = reader.read()) sink += decoded.type;
}

const parser = mqttPacket.parser();
parser.on("packet", (parsed) => {
  sink += parsed.cmd.length;
});
function parseOne(): void {
  parser.parse(frameBuffer);
}
function parseStream(): void {
  parser.parse(stream);
}

function encodeOurs(): void {
  sink += encodePacket(packet, 4).length;
}
function encodeTheirs(): void {
  sink += mqttPacket.generate(theirPacket).length;
}

const cases: readonly (readonly [string, () => void, () => void, number])[] = [
  ["decode (one frame per call)", decodeOne, parseOne, 1],
  [`decode (stream, ${STREAM_FRAMES} frames per chunk)`, decodeStream, parseStream, STREAM_FRAMES],
  ["encode", encodeOurs, encodeTheirs, 1],
];

console.log(`Node ${process.version}, ${SECONDS}s per case, 33-byte QoS 0 PUBLISH (MQTT 3.1.1)\n`);
const rows = [];
for (const [name, ours, theirs, perBatch] of cases) {
  const a = await measure(ours, perBatch);
  const b = await measure(theirs, perBatch);
  rows.push({
    case: name,
    "switchboard ops/s": Math.round(a.opsPerSecond).toLocaleString("en"),
    "ns/op": (1e9 / a.opsPerSecond).toFixed(0),
    "GCs/1M": a.gcsPerMillion.toFixed(1),
    "mqtt-packet ops/s": Math.round(b.opsPerSecond).toLocaleString("en"),
    "mqtt-packet ns/op": (1e9 / b.opsPerSecond).toFixed(0),
    "mqtt-packet GCs/1M": b.gcsPerMillion.toFixed(1),
    ratio: `${(a.opsPerSecond / b.opsPerSecond).toFixed(1)}x`,
  });
}
console.table(rows);
if (sink === 0) console.log("(sink)");
