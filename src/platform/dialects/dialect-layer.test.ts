/**
 * The dialect layer's topic lookup: `lookupTopic` remembers answers by topic, and must answer what
 * `lookup` of the split topic answers, for every tenant's list of dialects, a replaced list, and more
 * topics than it keeps.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { Dialect } from "./dialect.js";
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
  render: () => [],
};

function shown(found: DialectMatch | undefined): unknown {
  return found === undefined
    ? undefined
    : [found.dialect.dialect.name, found.match.row.topic.pattern, { ...found.match.params }];
}

describe("DialectLayer.lookupTopic", () => {
  it("answers as lookup of the split topic does, per list of dialects, beyond the answers it keeps", () => {
    let t3: readonly string[] = ["other"];
    const layer = new DialectLayer({
      dialects: [createGooeeDialect(), OTHER],
      configured: { gooee: ["t1", "t2"], other: ["t2"] },
      registry: { ...EMPTY_REGISTRY, tenantDialects: (tenant) => (tenant === "t3" ? t3 : []) },
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
      if (n === 15_000) t3 = ["gooee", "other"]; // the tenant's list is replaced
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
