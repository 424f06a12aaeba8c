/**
 * The dialect layer's topic lookup: `lookupTopic` remembers answers by topic, and must answer what
 * `lookup` of the split topic answers, for every tenant's list of dialects, a replaced list, and more
 * topics than it keeps. And rendering: every dialect of the tenant adds its renderings, and one that
 * throws adds none.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { createEnvelope } from "../envelope/index.js";
import type { Dialect, Rendered } from "./dialect.js";
import { type DialectMatch, DialectLayer } from "./dialect-layer.js";
import { EMPTY_REGISTRY } from "./empty-registry.js";
import { createGooeeDialect, GOOEE_REFUSALS } from "./gooee/index.js";

/** A second dialect whose rows overlap Gooee's (the first list's order decides). */
const OTHER: Dialect = {
  name: "other",
  topics: [
    { pattern: "devices/{id}/meta", publish: false, subscribe: true, description: "" },
    { pattern: "x/{a}/{b}", publish: false, subscribe: true, description: "" },
  ],
  refusals: GOOEE_REFUSALS,
  render: () => undefined,
};

function shown(found: DialectMatch | undefined): unknown {
  return found === undefined
    ? undefined
    : [found.dialect.dialect.name, found.match.row.topic.pattern, { ...found.match.params }];
}

describe("DialectLayer.lookupTopic", () => {
  it("answers as lookup of the split topic does, per list of dialects, beyond the answers it keeps", () => {
    let t3: readonly string[] = ["other"];
    // a registry whose generation grows when the tenant's list changes, as RegistryView says
    const registry = {
      ...EMPTY_REGISTRY,
      generation: 0,
      tenantDialects: (tenant: string) => (tenant === "t3" ? t3 : []),
    };
    const layer = new DialectLayer({
      dialects: [createGooeeDialect(), OTHER],
      configured: { gooee: ["t1", "t2"], other: ["t2"] },
      registry,
      logger: pino({ level: "silent" }),
    });
    let seed = 3;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const shapes = [
      (i: number) => `devices/d${i}/meta`,
      (i: number) => `devices/d${i}/meta/temperature`,
      (i: number) => `x/${i}/y`,
      (i: number) => `spaces/s${i}/actions`,
      (i: number) => `nowhere/${i}`,
      (i: number) => `devices/d${i}/meta/rejected`,
    ];
    for (let n = 0; n < 30_000; n++) {
      if (n === 15_000) {
        t3 = ["gooee", "other"]; // the tenant's list is replaced
        registry.generation++;
      }
      const tenant = ["t1", "t2", "t3"][random(3)]!;
      const dialects = layer.forTenant(tenant).dialects;
      // mostly a few topics again, sometimes a new one (more than the layer keeps in all)
      const i = random(4) === 0 ? n : random(20);
      const topic = shapes[random(shapes.length)]!(i);
      const expected = shown(layer.lookup(dialects, topic.split("/")));
      assert.deepEqual(shown(layer.lookupTopic(dialects, topic)), expected, `${tenant} ${topic}`);
      assert.deepEqual(shown(layer.lookupTopic(dialects, topic)), expected, `${tenant} ${topic} again`);
    }
  });
});

describe("DialectLayer.forTenant", () => {
  it("follows the tenant's list in the registry whenever the registry's generation grows", () => {
    let own: readonly string[] = [];
    const registry = { ...EMPTY_REGISTRY, generation: 0, tenantDialects: () => own };
    const layer = new DialectLayer({
      dialects: [createGooeeDialect(), OTHER],
      configured: {},
      registry,
      logger: pino({ level: "silent" }),
    });
    const names = (): string[] => layer.forTenant("t").dialects.map((compiled) => compiled.dialect.name);
    assert.deepEqual(names(), []);
    own = ["gooee"];
    registry.generation++;
    assert.deepEqual(names(), ["gooee"]);
    const first = layer.forTenant("t");
    registry.generation++; // another entity changed: the same answer
    assert.equal(layer.forTenant("t"), first);
    own = ["other", "gooee"];
    registry.generation++;
    assert.deepEqual(names(), ["other", "gooee"]);
  });
});

describe("DialectLayer.render", () => {
  it("adds every dialect's renderings after what the list holds, and none of a dialect that throws", () => {
    const rendering = (topic: string): Rendered => ({ topic, payload: new Uint8Array([1]) });
    const half: Dialect = {
      ...OTHER,
      name: "half",
      render: (_envelope, _context, out) => {
        out.push(rendering("half/1"));
        throw new Error("failed half way");
      },
    };
    const whole: Dialect = {
      ...OTHER,
      name: "whole",
      render: (_envelope, _context, out) => void out.push(rendering("whole")),
    };
    const errors: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => void errors.push(line) });
    const layer = new DialectLayer({
      dialects: [half, whole],
      configured: { half: ["t"], whole: ["t"] },
      registry: EMPTY_REGISTRY,
      logger,
    });
    const envelope = createEnvelope(
      {
        tenant: "t",
        source: { kind: "devices", id: "d" },
        channel: "c",
        type: "meta",
        data: 1,
        dialect: "x",
      },
      0,
    );
    const out = [rendering("before")];
    layer.render(layer.forTenant("t"), envelope, { registry: EMPTY_REGISTRY, tenant: "t", now: 0 }, out);
    assert.deepEqual(
      out.map((r) => r.topic),
      ["before", "whole"],
    );
    assert.equal(errors.length, 1);
    assert.equal((JSON.parse(errors[0]!) as { msg: string }).msg, 'Dialect "half" failed to render an event');
  });
});
