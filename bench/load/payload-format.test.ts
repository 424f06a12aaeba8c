/**
 * The payload formats: what a publisher's frames carry comes back out of the subscriber's side, for
 * the binary stamp and for the Gooee meta array, both as published (a plain broker) and as the
 * dialect's derived messages; the meta array is what the Gooee dialect accepts (names, schemas). Not
 * part of `npm test`; run with `node --import tsx --test bench/load/payload-format.test.ts`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Ajv } from "ajv";
import { encodePacket, PacketType } from "../../src/protocol/index.js";
import { FrameScanner, type FrameSink } from "./frame-scanner.js";
import {
  GOOEE_META_SCHEMAS,
  GOOEE_META_VALUES,
  type PayloadFormat,
  payloadFormat,
} from "./payload-format.js";
import { PublisherBatcher } from "./publisher-batcher.js";

/** Reads every PUBLISH in `bytes` as the closed loop does: topic, packet id at QoS 1, payload. */
function readAll(
  format: PayloadFormat,
  bytes: Buffer,
): ({ sentNs: number; publisher: number; seq: number } | null)[] {
  const out: ({ sentNs: number; publisher: number; seq: number } | null)[] = [];
  const sink: FrameSink = {
    frame(header, buf, start, end) {
      const topicEnd = start + 2 + buf.readUInt16BE(start);
      const payload = (header & 0x06) !== 0 ? topicEnd + 2 : topicEnd;
      const stamped = format.read(buf, start + 2, topicEnd, payload, end);
      out.push(stamped ? { sentNs: format.sentNs, publisher: format.publisher, seq: format.seq } : null);
    },
  };
  new FrameScanner().push(bytes, sink);
  return out;
}

function publish(topic: string, payload: string | Uint8Array): Buffer {
  const frame = encodePacket(
    {
      type: PacketType.PUBLISH,
      topic,
      payload: typeof payload === "string" ? Buffer.from(payload) : payload,
      qos: 0,
      retain: false,
      dup: false,
    },
    4,
  );
  return Buffer.from(frame);
}

test("binary: the stamps a batch writes are read back, at QoS 0 and 1", () => {
  for (const qos of [0, 1] as const) {
    const format = payloadFormat("binary", 64);
    const batcher = new PublisherBatcher({
      topic: "bench/3",
      qos,
      payloadBytes: 64,
      publisherIndex: 3,
      format,
    });
    const bytes = Buffer.concat([batcher.build(2, 12345.5), batcher.build(1, 99)]);
    assert.deepEqual(readAll(format, bytes), [
      { sentNs: 12345.5, publisher: 3, seq: 0 },
      { sentNs: 12345.5, publisher: 3, seq: 1 },
      { sentNs: 99, publisher: 3, seq: 2 },
    ]);
  }
  assert.throws(() => readAll(payloadFormat("binary", 16), publish("bench/0", new Uint8Array(8))), /8-byte/);
});

test("gooee-meta: a valid meta array of 5 values whose stamp survives the plain path", () => {
  const format = payloadFormat("gooee-meta", 16);
  const batcher = new PublisherBatcher({
    topic: "devices/bench-dev-7/meta",
    qos: 0,
    payloadBytes: 16,
    publisherIndex: 7,
    format,
  });
  const bytes = batcher.build(3, 1.5e12);
  assert.deepEqual(
    readAll(format, bytes).map((s) => s?.seq),
    [0, 1, 2],
  );
  assert.equal(readAll(format, bytes)[2]!.publisher, 7);
  assert.equal(readAll(format, bytes)[2]!.sentNs, 1.5e12);

  // what the dialect checks (docs/dialects/gooee.md): names, each value against its schema, timestamps
  const frameLength = bytes.length / 3;
  const items = JSON.parse(bytes.subarray(frameLength - format.template.length, frameLength).toString()) as {
    name: string;
    value: unknown;
    timestamp: string;
  }[];
  assert.equal(items.length, GOOEE_META_VALUES);
  const ajv = new Ajv();
  for (const item of items) {
    assert.match(item.name, /^(~?)(?!.*__.*)[a-z][a-z0-9_]+$/);
    assert.match(item.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const schema = GOOEE_META_SCHEMAS[item.name];
    assert.ok(schema !== undefined, `a schema for ${item.name}`);
    assert.ok(ajv.validate(schema.schema, item.value), `${item.name}: ${ajv.errorsText()}`);
  }
  assert.match(String(items[0]!.value), /^[0-9a-f]{32}$/);
});

test("gooee-meta: of the derived messages only the stamp's is stamped; a rejection fails the run", () => {
  const format = payloadFormat("gooee-meta", 16);
  const batcher = new PublisherBatcher({
    topic: "devices/bench-dev-2/meta",
    qos: 0,
    payloadBytes: 16,
    publisherIndex: 2,
    format,
  });
  const frame = batcher.build(1, 42);
  const body = frame.subarray(frame.length - format.template.length).toString();
  const items = JSON.parse(body) as { name: string; value: unknown; timestamp: string }[];
  // as the dialect renders them: {name, value, timestamp} on devices/<id>/meta/<name>
  const derived = Buffer.concat(
    items.map((item) =>
      publish(
        `devices/bench-dev-2/meta/${item.name}`,
        JSON.stringify({ name: item.name, value: item.value, timestamp: item.timestamp }),
      ),
    ),
  );
  assert.deepEqual(readAll(format, derived), [{ sentNs: 42, publisher: 2, seq: 0 }, null, null, null, null]);
  const rejected = publish(
    "devices/bench-dev-2/meta/rejected",
    JSON.stringify({ error: { message: "bad", context: {} }, data: items }),
  );
  assert.throws(() => readAll(format, rejected), /rejected a publish .*bad/);
});
