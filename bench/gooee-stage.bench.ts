/**
 * Micro benchmark of the Gooee dialect's share of a meta publish (issue 5): `DialectStage.process` for
 * the `gooee-meta` scenario's payload (bench/load/payload-format.ts: an array of 5 values, 602 bytes),
 * without sockets, routing or encoding, next to the steps it is made of, so a change to the dialect
 * can be measured in seconds and without a quiet machine's full run.
 *
 * Run: npx tsx bench/gooee-stage.bench.ts [seconds-per-case]
 *
 * Cases (ns per publish, lower is better):
 * - `stage.process`: the whole stage as the broker calls it (topic lookup, JSON parse, validation,
 *   envelopes, state, rendering of 5 derived messages and the broker messages for them);
 * - `JSON.parse`: decoding and parsing the payload alone, what the stage would spend on it without the
 *   device's learned shape (src/platform/dialects/gooee/meta-shape.ts);
 * - `MetaShape.read`: reading the payload's bytes against that shape, what it spends instead.
 *
 * The world is the `sb-gooee` variant's (bench/brokers/gooee-world.ts): a memory registry with the
 * tenant, devices in a space of a building and a payload schema per meta name. Results vary with CPU,
 * Node version and load: compare runs on one machine.
 */
import { pino } from "pino";

import { payloadFormat } from "./load/payload-format.js";
import { gooeeRegistry } from "./gooee-registry.js";
import { GOOEE_TENANT } from "./brokers/gooee-world.js";
import { loadConfig } from "../src/config/index.js";
import type { ClientIdentity } from "../src/hooks/index.js";
import { createDialectLayer } from "../src/platform/dialects/create-dialect-layer.js";
import { MetaShape, MetaSlots } from "../src/platform/dialects/gooee/meta-shape.js";
import type { ApplicationMessage } from "../src/session/index.js";

const SECONDS = Number(process.argv[2] ?? 2);
const DEVICES = 10;
const PAYLOADS = 1000;

/** Runs `step` over `count` inputs for SECONDS; ns per call. */
function measure(count: number, step: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) step(i % count); // warm-up
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) step((calls + i) % count);
    calls += 1000;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / calls;
}

const registry = await gooeeRegistry(DEVICES);
const config = loadConfig({ env: {}, values: { dialects: { gooee: { tenants: [GOOEE_TENANT] } } } });
const layer = createDialectLayer({ config, registry, logger: pino({ level: "silent" }) });
if (layer === undefined) throw new Error("no dialect layer");
let ids = 0;
layer.stage.attach({ nextMessageId: () => ++ids, publish: () => 0, now: () => Date.now() });

const format = payloadFormat("gooee-meta", 16);
const prefix = `$t/${GOOEE_TENANT}/`;
const messages: ApplicationMessage[] = [];
for (let i = 0; i < PAYLOADS; i++) {
  const payload = Buffer.from(format.template);
  format.write(payload, format.stampOffset, i * 1000, i % DEVICES, i);
  const topic = `devices/bench-dev-${i % DEVICES}/meta`;
  const message: ApplicationMessage = {
    id: i,
    topic: prefix + topic,
    payload,
    qos: 0,
    retain: false,
    properties: undefined,
    createdAt: Date.now(),
    expiresAt: undefined,
    publisherId: `c${i % DEVICES}`,
  };
  message.clientTopic = topic;
  message.mountPrefix = prefix;
  messages.push(message);
}
const publishers: ClientIdentity[] = Array.from({ length: DEVICES }, (_, d) => ({
  clientId: `c${d}`,
  username: undefined,
  principal: {
    id: `c${d}`,
    anonymous: true,
    tenant: GOOEE_TENANT,
    roles: [],
    scopes: [],
    expiresAt: undefined,
    attributes: {},
  },
}));

let made = 0;
let processed = 0;
const stage = measure(PAYLOADS, (i) => {
  const result = layer.stage.process(messages[i]!, publishers[i % DEVICES]!);
  if (result.kind !== "continue") throw new Error(`the stage did not accept the publish: ${result.kind}`);
  made += result.publish?.length ?? 0;
  processed++;
});
const decoder = new TextDecoder();
let parsed = 0;
const parse = measure(PAYLOADS, (i) => {
  parsed += (JSON.parse(decoder.decode(messages[i]!.payload)) as unknown[]).length;
});
const first = messages[0]!.payload;
const shape = MetaShape.learn(first, JSON.parse(decoder.decode(first)) as unknown[], () => undefined);
if (shape === undefined) throw new Error("the payload has no shape");
const slots = new MetaSlots();
let reads = 0;
const read = measure(PAYLOADS, (i) => {
  if (shape.read(messages[i]!.payload, slots)) reads++;
});
if (made === 0 || parsed === 0 || reads === 0) throw new Error("nothing was made");

console.log(`Node ${process.version}, ${SECONDS} s per case; ns per publish (5 values, 602 bytes)`);
console.log(
  `  stage.process  ${stage.toFixed(0).padStart(7)}  (${(made / processed).toFixed(0)} messages made each)`,
);
console.log(
  `  JSON.parse     ${parse.toFixed(0).padStart(7)}  (what the stage would spend without the shape)`,
);
console.log(`  MetaShape.read ${read.toFixed(0).padStart(7)}  (what it spends instead)`);
